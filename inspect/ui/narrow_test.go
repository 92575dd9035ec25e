package ui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/sockets"
)

func TestEnterOnAUnixSocketSuggestsATapForItsPath(t *testing.T) {
	// enterOn selects the socket of table() that pick finds and presses
	// Enter on it; it returns the status bar's message.
	enterOn := func(t *testing.T, u *UI, pick func(sockets.Socket) bool) string {
		t.Helper()
		draw(t, u, 160, 45)
		for i, s := range u.m.shown {
			if pick(s) {
				u.sockets.table.Select(i+1, 0)
				press(u, key(tcell.KeyEnter, 0))
				return u.m.message
			}
		}
		t.Fatal("no such socket in the table")
		return ""
	}
	t.Run("a socket with a path: a tap beside that path", func(t *testing.T) {
		u := fullUI(t)
		got := enterOn(t, u, func(s sockets.Socket) bool {
			return s.Kind == sockets.Unix && s.State == "LISTEN"
		})
		if !strings.Contains(got, "inspect -tap /tmp/tap.sock=/tmp/socketlab.sock") ||
			!strings.Contains(got, "point the client at /tmp/tap.sock") {
			t.Errorf("message %q does not suggest a tap for /tmp/socketlab.sock", got)
		}
	})
	t.Run("an unnamed socket: the tap the UI suggests", func(t *testing.T) {
		u := New(Options{TapHint: "/srv/tap.sock=/srv/chat.sock"})
		u.Model().SetSockets(table())
		got := enterOn(t, u, func(s sockets.Socket) bool {
			return s.Kind == sockets.Unix && s.Path == ""
		})
		if !strings.Contains(got, "inspect -tap /srv/tap.sock=/srv/chat.sock") {
			t.Errorf("message %q does not suggest the UI's tap", got)
		}
	})
}
