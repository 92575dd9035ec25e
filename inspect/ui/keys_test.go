package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
)

func TestKeys(t *testing.T) {
	t.Run("Tab and Shift-Tab move the focus between the four panes", func(t *testing.T) {
		u := fullUI(t)
		var seen []int
		for i := 0; i < 4; i++ {
			press(u, key(tcell.KeyTab, 0))
			seen = append(seen, u.focus)
		}
		if got := seen; got[0] != panePackets || got[1] != paneBytes ||
			got[2] != paneStream || got[3] != paneSockets {
			t.Errorf("focus went %v", got)
		}
		press(u, key(tcell.KeyBacktab, 0))
		if u.focus != paneStream {
			t.Errorf("Shift-Tab from the sockets pane focused %d, want the stream pane", u.focus)
		}
		s := draw(t, u, 160, 45)
		x, y := findText(t, s, "Stream:")
		_, _, st, _ := s.GetContent(x, y)
		if fg, _, _ := st.Decompose(); fg != u.m.opt.Theme.Focus {
			t.Errorf("the focused pane's title is drawn in %v, want %v", fg, u.m.opt.Theme.Focus)
		}
	})

	t.Run("j and k move the packet selection, and G follows again", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyTab, 0))
		draw(t, u, 160, 45)
		if u.m.selectedRow().p.Index != 10 || !u.m.follow {
			t.Fatalf("start: selected #%d follow=%v, want #10 following",
				u.m.selectedRow().p.Index, u.m.follow)
		}
		press(u, typeText("kkk")...)
		press(u, key(tcell.KeyUp, 0))
		if got := u.m.selectedRow().p.Index; got != 6 || u.m.follow {
			t.Fatalf("after k k k ↑: selected #%d follow=%v, want #6 not following", got, u.m.follow)
		}
		u.m.AddPackets([]capture.Packet{seg(11, client, server, capture.ACK, 16, 39, "")})
		draw(t, u, 160, 45)
		if got := u.m.selectedRow().p.Index; got != 6 {
			t.Errorf("a new packet moved the selection to #%d, want it to stay on #6", got)
		}
		press(u, key(tcell.KeyRune, 'j'))
		if got := u.m.selectedRow().p.Index; got != 7 {
			t.Errorf("after j: #%d, want #7", got)
		}
		press(u, key(tcell.KeyRune, 'G'))
		u.m.AddPackets([]capture.Packet{seg(12, client, server, capture.ACK, 16, 39, "")})
		draw(t, u, 160, 45)
		if got := u.m.selectedRow().p.Index; got != 12 {
			t.Errorf("after G and a new packet: #%d, want #12", got)
		}
	})

	t.Run("Enter on a socket shows only its connection and Esc shows all again", func(t *testing.T) {
		u := fullUI(t)
		u.m.AddPackets([]capture.Packet{seg(11,
			netipMust("127.0.0.1:50002"), server, capture.SYN, 0, 0, "")})
		press(u, key(tcell.KeyRune, 'j'), key(tcell.KeyRune, 'j'), key(tcell.KeyEnter, 0))
		if u.m.Narrow() == "" {
			t.Fatalf("Enter on 127.0.0.1:50001 did not narrow; message %q", u.m.message)
		}
		if got := u.m.Len(); got != 10 {
			t.Errorf("narrowed to %s: %d packets listed, want 10", u.m.Narrow(), got)
		}
		got := screenText(draw(t, u, 160, 45))
		if !strings.Contains(got, "Packets of 127.0.0.1:50001 ⇄ 127.0.0.1:3008 (10)") {
			t.Errorf("the packets title does not name the connection:\n%s", got)
		}
		press(u, key(tcell.KeyEscape, 0))
		if u.m.Narrow() != "" || u.m.Len() != 11 {
			t.Errorf("after Esc: narrow %q, %d packets; want none and 11", u.m.Narrow(), u.m.Len())
		}
	})

	t.Run("Enter on the dual-stack listener shows every connection of its port", func(t *testing.T) {
		u := fullUI(t)
		u.m.AddPackets([]capture.Packet{
			seg(11, netipMust("127.0.0.1:50002"), server, capture.SYN, 0, 0, ""),
			seg(12, netipMust("127.0.0.1:6000"), netipMust("127.0.0.1:6001"), capture.SYN, 0, 0, ""),
		})
		press(u, key(tcell.KeyEnter, 0))
		if got := u.m.Len(); got != 11 {
			t.Errorf("narrowed to %q: %d packets, want 11", u.m.Narrow(), got)
		}
	})

	t.Run("Enter on a unix socket says why there are no packets", func(t *testing.T) {
		u := fullUI(t)
		press(u, typeText("jjjj")...)
		press(u, key(tcell.KeyEnter, 0))
		if u.m.Narrow() != "" || !strings.Contains(u.m.message, "never reach lo") {
			t.Errorf("narrow %q, message %q", u.m.Narrow(), u.m.message)
		}
	})

	t.Run("space pauses the list, holds what arrives and lists it on resume", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyRune, ' '))
		u.m.AddPackets(conversation()[:3])
		if u.m.Len() != 10 || u.m.seen != 13 || u.m.held != 3 {
			t.Errorf("paused: %d listed, %d seen, %d held; want 10, 13, 3", u.m.Len(), u.m.seen, u.m.held)
		}
		if got := screenText(draw(t, u.status, 150, 2)); !strings.Contains(got, "PAUSED (3 held back)") {
			t.Errorf("status bar does not say paused:\n%s", got)
		}
		press(u, key(tcell.KeyRune, ' '))
		if u.m.Len() != 13 || u.m.held != 0 {
			t.Errorf("resumed: %d listed, %d held; want 13, 0", u.m.Len(), u.m.held)
		}
		handshakes := 0
		for i := 0; i < u.m.Len(); i++ {
			if u.m.at(i).p.Index <= 3 {
				handshakes++
			}
		}
		if handshakes != 6 {
			t.Errorf("%d handshake packets listed after resume, want 6 (3 held)", handshakes)
		}
		if !strings.Contains(u.m.message, "3 packets") {
			t.Errorf("resume message %q does not count the packets held", u.m.message)
		}
		u.m.AddPackets(conversation()[:1])
		if u.m.Len() != 14 {
			t.Errorf("resumed: %d listed, want 14", u.m.Len())
		}
	})

	t.Run("a pause holds as many packets as the ring and counts the rest", func(t *testing.T) {
		u := New(Options{RingSize: 4})
		press(u, key(tcell.KeyRune, ' '))
		u.m.AddPackets(conversation())
		press(u, key(tcell.KeyRune, ' '))
		if u.m.Len() != 4 || u.m.at(0).p.Index != 7 || u.m.at(3).p.Index != 10 {
			t.Errorf("resumed: %d listed, want the 4 newest", u.m.Len())
		}
		if !strings.Contains(u.m.message, "6 before them did not fit") {
			t.Errorf("resume message %q does not count what did not fit", u.m.message)
		}
	})

	t.Run("c clears packets and conversations but keeps the sockets", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyRune, 'c'))
		if u.m.Len() != 0 || len(u.m.streams) != 0 || len(u.m.shown) != 7 {
			t.Errorf("after c: %d packets, %d streams, %d sockets", u.m.Len(), len(u.m.streams), len(u.m.shown))
		}
		if got := screenText(draw(t, u, 160, 45)); !strings.Contains(got, "no packets yet") {
			t.Errorf("cleared screen:\n%s", got)
		}
	})

	t.Run("w hands the saving to Save and shows where the packets went", func(t *testing.T) {
		u := fullUI(t)
		u.Save = func() (Saved, error) {
			return Saved{Path: "/tmp/inspect-1.pcap", Packets: 10, Captured: 10}, nil
		}
		press(u, key(tcell.KeyRune, 'w'))
		if u.m.message != "saved 10 packets to /tmp/inspect-1.pcap" {
			t.Errorf("message %q", u.m.message)
		}
		u.Save = func() (Saved, error) {
			return Saved{Path: "/tmp/inspect-2.pcap", Packets: 10, Captured: 25}, nil
		}
		press(u, key(tcell.KeyRune, 'w'))
		if !strings.Contains(u.m.message, "15 older ones") {
			t.Errorf("message %q does not say 15 were no longer kept", u.m.message)
		}
		u.Save = func() (Saved, error) { return Saved{}, errors.New("disk full") }
		press(u, key(tcell.KeyRune, 'w'))
		if u.m.message != "save failed: disk full" {
			t.Errorf("message %q", u.m.message)
		}
	})

	t.Run("w with capture off says why there is nothing to save", func(t *testing.T) {
		u := New(Options{})
		u.m.SetStatus(Status{Source: "live lo", Capture: "capture off: no CAP_NET_RAW",
			Problem: "capture is off (no CAP_NET_RAW): sudo setcap cap_net_raw+ep /bin/inspect"})
		press(u, key(tcell.KeyRune, 'w'))
		if !strings.Contains(u.m.message, "no CAP_NET_RAW") || strings.Contains(u.m.message, "build") {
			t.Errorf("message %q does not say that capture is off", u.m.message)
		}
	})

	t.Run("question mark opens the help and Esc closes it", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyRune, '?'))
		golden(t, "help", screenText(draw(t, u, 100, 30)))
		press(u, key(tcell.KeyRune, 'c'))
		if u.m.Len() == 0 {
			t.Error("c cleared the packets behind the help overlay")
		}
		press(u, key(tcell.KeyEscape, 0))
		if u.showHelp {
			t.Error("Esc did not close the help")
		}
	})

	t.Run("q and Ctrl-C call Quit", func(t *testing.T) {
		for _, k := range []*tcell.EventKey{key(tcell.KeyRune, 'q'), key(tcell.KeyCtrlC, 0)} {
			u := fullUI(t)
			quit := 0
			u.Quit = func() { quit++ }
			press(u, k)
			if quit != 1 {
				t.Errorf("%s: Quit called %d times", k.Name(), quit)
			}
		}
	})
}

func TestDirectionsAreColoured(t *testing.T) {
	u := fullUI(t)
	th := u.m.opt.Theme
	s := draw(t, u, 160, 45)
	for _, c := range []struct {
		text, part string
		want       tcell.Color
	}{
		{" 1 0.000000 client→server", "client→server", th.Client},
		{" 2 0.000150 server→client", "server→client", th.Server},
		{"Welcome to the chat", "Welcome", th.Server},
		{"hello [there]", "hello", th.Client},
	} {
		x, y := findText(t, s, c.text)
		x += len([]rune(c.text[:strings.Index(c.text, c.part)]))
		_, _, st, _ := s.GetContent(x, y)
		if fg, _, _ := st.Decompose(); fg != c.want {
			t.Errorf("%q in %q is drawn in %v, want %v", c.part, c.text, fg, c.want)
		}
	}
}

func TestTheSelectedSocketStaysSelectedWhenTheTableChanges(t *testing.T) {
	u := fullUI(t)
	press(u, typeText("jj")...) // the client's end, 127.0.0.1:50001
	draw(t, u, 160, 45)
	want, _ := u.sockets.selected()
	snap := table()
	snap.Sockets = append(snap.Sockets[3:], snap.Sockets[:3]...) // rows move
	u.m.SetSockets(snap)
	draw(t, u, 160, 45)
	if got, _ := u.sockets.selected(); got != want {
		t.Errorf("after a refresh the selection moved from %s:%d to %s:%d",
			want.LocalAddr, want.LocalPort, got.LocalAddr, got.LocalPort)
	}
}

func TestMovingInEmptyTablesDoesNothing(t *testing.T) {
	// tview's Table loops forever on a movement key when its selection is
	// outside its rows; empty panes must keep it inside.
	u := New(Options{})
	u.Model().SetSockets(sockets0())
	for _, pane := range []int{paneSockets, panePackets} {
		u.setFocus(pane)
		press(u, typeText("jjkkgG")...)
		press(u, key(tcell.KeyDown, 0), key(tcell.KeyPgDn, 0), key(tcell.KeyEnd, 0), key(tcell.KeyUp, 0))
	}
	u = fullUI(t)
	draw(t, u, 160, 45)
	press(u, key(tcell.KeyRune, 'c'), key(tcell.KeyTab, 0), key(tcell.KeyRune, 'j'), key(tcell.KeyRune, 'k'))
	u.m.SetSockets(sockets0())
	press(u, key(tcell.KeyBacktab, 0), key(tcell.KeyRune, 'j'), key(tcell.KeyRune, 'G'))
}
