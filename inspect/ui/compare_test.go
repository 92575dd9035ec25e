package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/sockets"
)

func TestCompareView(t *testing.T) {
	t.Run("with nothing to compare it says what to run", func(t *testing.T) {
		u := New(Options{PacketsHint: "no packets yet — connect a client: nc 127.0.0.1 3008"})
		press(u, key(tcell.KeyRune, 'v'))
		got := screenText(draw(t, u, 120, 30))
		for _, want := range []string{"TCP: no connection captured yet", "nc 127.0.0.1 3008",
			"IPC: no tap connection yet", "inspect -tap TAP.sock=SERVER.sock",
			"nc -U TAP.sock", "0 packets: AF_UNIX"} {
			if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
				t.Errorf("no %q:\n%s", want, got)
			}
		}
	})
	t.Run("its tap hint names the server's own path when it is given", func(t *testing.T) {
		u := New(Options{TapHint: "/srv/class/tap.sock=/srv/class/chat.sock"})
		press(u, key(tcell.KeyRune, 'v'))
		got := strings.Join(strings.Fields(screenText(draw(t, u, 120, 30))), " ")
		for _, want := range []string{"inspect -tap /srv/class/tap.sock=/srv/class/chat.sock",
			"nc -U /srv/class/tap.sock"} {
			if !strings.Contains(got, want) {
				t.Errorf("no %q:\n%s", want, got)
			}
		}
	})
	t.Run("it compares the selected connection", func(t *testing.T) {
		u := sessionUI(t, DefaultTheme())
		m := u.Model()
		for i := 0; i < m.Len(); i++ {
			if r := m.at(i); r.tap == nil && r.p.Src.Port() == 57528 {
				m.selected, m.follow = r.seq, false
				break
			}
		}
		press(u, key(tcell.KeyRune, 'v'))
		got := screenText(draw(t, u, 120, 36))
		if !strings.Contains(got, "TCP over lo: 127.0.0.1:57528 ⇄ 127.0.0.1:3008") ||
			!strings.Contains(got, "IPC (Unix socket) via tap: @ #1") {
			t.Errorf("not the selected TCP connection beside the tap's:\n%s", got)
		}
	})
	t.Run("on the smallest terminal every section keeps a few rows", func(t *testing.T) {
		u := sessionUI(t, DefaultTheme())
		press(u, key(tcell.KeyRune, 'v'))
		golden(t, "compare-80x24", screenText(draw(t, u, 80, 24)))
	})
	t.Run("v and Esc return to the panes", func(t *testing.T) {
		u := sessionUI(t, DefaultTheme())
		press(u, key(tcell.KeyRune, 'v'))
		if !u.Model().Compare() {
			t.Fatal("v did not open the compare view")
		}
		press(u, key(tcell.KeyRune, 'c')) // ignored in the compare view
		if u.Model().Len() == 0 {
			t.Error("c cleared the packets behind the compare view")
		}
		press(u, key(tcell.KeyEscape, 0))
		if u.Model().Compare() {
			t.Error("Esc did not close the compare view")
		}
		press(u, key(tcell.KeyRune, 'v'), key(tcell.KeyRune, 'v'))
		if u.Model().Compare() {
			t.Error("v did not close the compare view")
		}
	})
	t.Run("Options.Compare opens on it", func(t *testing.T) {
		u := New(Options{Compare: true})
		if got := screenText(draw(t, u, 100, 24)); !strings.Contains(got, "Compare: TCP beside IPC") {
			t.Errorf("not the compare view:\n%s", got)
		}
	})
}

func TestEnterOnATappedUnixSocketShowsItsTapEvents(t *testing.T) {
	u := sessionUI(t, DefaultTheme())
	m := u.Model()
	err := m.SetNarrow(sockets.Socket{Kind: sockets.Unix, Family: "unix", Path: fixtureChat, State: "LISTEN"})
	if err != nil || m.Len() != 8 || m.Narrow() != "tap "+fixtureName {
		t.Errorf("narrowed to %q: %d rows, err %v", m.Narrow(), m.Len(), err)
	}
	err = m.SetNarrow(sockets.Socket{Kind: sockets.Unix, Family: "unix", Path: "/tmp/other.sock"})
	if err == nil || !strings.Contains(err.Error(), "-tap") {
		t.Errorf("an untapped Unix socket: err %v, want one that suggests -tap", err)
	}
}

func TestCompareWrapsOnlyWhatItShows(t *testing.T) {
	// wrapHead and wrapTail wrap only the lines they show, yet show
	// what wrapping every line and cutting the rows would.
	u := fullCompareUI(t)
	_, ipc := u.Model().comparison()
	lines := append(ipc.said[:len(ipc.said):len(ipc.said)],
		compareLine{strings.Repeat("a long line [red] of words ", 20), 0}, compareLine{"", 0}, compareLine{"end", 0})
	for _, w := range []int{1, 2, 17, 40, 76} {
		all := wrapLines(lines, w)
		for _, h := range []int{1, 3, 20, 45, len(all), len(all) + 5} {
			if got, want := wrapTail(lines, w, h), all[max(len(all)-h, 0):]; !slices.Equal(got, want) {
				t.Errorf("width %d, the last %d rows: got %v, want %v", w, h, got, want)
			}
			if got, want := wrapHead(lines, w, h), all[:min(h, len(all))]; !slices.Equal(got, want) {
				t.Errorf("width %d, the first %d rows: got %v, want %v", w, h, got, want)
			}
		}
	}
}
