package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/tap"
)

func TestViewsMatchGoldenText(t *testing.T) {
	u := fullUI(t)
	t.Run("the sockets pane lists every kind of socket and explains the selected one", func(t *testing.T) {
		golden(t, "sockets", screenText(draw(t, u.sockets, 110, 12)))
	})
	t.Run("the packets pane shows a handshake, data and teardown in plain words", func(t *testing.T) {
		golden(t, "packets", screenText(draw(t, u.packets, 150, 13)))
	})
	t.Run("the bytes pane dumps the selected packet's payload", func(t *testing.T) {
		u := fullUI(t)
		u.m.selected, u.m.follow = 4, false
		golden(t, "bytes", screenText(draw(t, u.bytes, 78, 8)))
	})
	t.Run("the bytes pane wraps its rows of 16 bytes when narrow", func(t *testing.T) {
		u := fullUI(t)
		u.m.selected, u.m.follow = 4, false
		golden(t, "bytes-narrow", screenText(draw(t, u.bytes, 50, 11)))
	})
	t.Run("the stream pane shows the conversation", func(t *testing.T) {
		golden(t, "stream", screenText(draw(t, u.stream, 80, 6)))
	})
	t.Run("the status bar shows the source and the counters", func(t *testing.T) {
		golden(t, "status", screenText(draw(t, u.status, 150, 2)))
	})
	t.Run("the whole screen at 160x45", func(t *testing.T) {
		golden(t, "screen", screenText(draw(t, fullUI(t), 160, 45)))
	})
	t.Run("the whole screen at 80x24", func(t *testing.T) {
		golden(t, "screen-80x24", screenText(draw(t, fullUI(t), 80, 24)))
	})
	// The class room (a TCP client and a tapped IPC client) at the
	// sizes people use, from the smallest the panes fit in: columns that
	// do not fit are left out whole, never cut in a value.
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}} {
		name := fmt.Sprintf("session-%dx%d", size[0], size[1])
		t.Run("the class room at "+name[len("session-"):], func(t *testing.T) {
			golden(t, name, screenText(draw(t, sessionUI(t, DefaultTheme()), size[0], size[1])))
		})
	}
}

func TestEmptyUIShowsWhatToRun(t *testing.T) {
	u := New(Options{ServerPorts: []int{3008},
		SocketsHint: "no server on :3008 — try `go run ./labs/05-broadcast server`",
		PacketsHint: "no packets yet — connect a client: nc 127.0.0.1 3008"})
	t.Run("before the first table is read", func(t *testing.T) {
		got := screenText(draw(t, u, 120, 30))
		if !strings.Contains(got, "reading the socket table") {
			t.Errorf("no 'reading' hint:\n%s", got)
		}
	})
	u.Model().SetSockets(sockets0())
	u.Model().SetStatus(Status{Source: "live lo", Filter: "tcp port 3008", Capture: "capturing"})
	golden(t, "empty", screenText(draw(t, u, 120, 30)))
}

func TestCaptureProblemIsShown(t *testing.T) {
	u := New(Options{})
	u.Model().SetSockets(table())
	u.Model().SetStatus(Status{Source: "live lo", Capture: "off",
		Problem: "no CAP_NET_RAW: sudo setcap cap_net_raw+ep /usr/local/bin/inspect"})
	got := screenText(draw(t, u, 120, 30))
	for _, want := range []string{
		"capture is off: no CAP_NET_RAW:",
		" no CAP_NET_RAW: sudo setcap",
		"Sockets (7)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
}

func TestUnreadFileIsNotCalledCaptureOff(t *testing.T) {
	// Every packet of the file was of another link type: nothing was
	// captured, so nothing can be "off"; the pane says what the file
	// held instead.
	u := New(Options{})
	u.Model().SetSockets(table())
	u.Model().SetStatus(Status{Source: "file two.pcapng", Capture: "end of file", File: true, Done: true,
		Problem: "packets not read (3 of interface 1, link type 101): inspect reads one link type per file"})
	got := strings.Join(strings.Fields(screenText(draw(t, u, 120, 30))), " ")
	if strings.Contains(got, "capture is off") {
		t.Errorf("the screen calls reading a file capture:\n%s", got)
	}
	for _, want := range []string{"no packet of the file shown: packets not read (3 of interface 1",
		"packets not read (3 of interface 1, link type 101): inspect reads"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
}

func TestTooSmallTerminalShowsAMessage(t *testing.T) {
	for _, size := range [][2]int{{79, 40}, {120, 19}, {20, 5}, {1, 1}} {
		s := draw(t, fullUI(t), size[0], size[1])
		got := screenText(s)
		if strings.Contains(got, "Sockets") || strings.Contains(got, "SYN") {
			t.Errorf("%dx%d: panes drawn on a too small screen:\n%s", size[0], size[1], got)
		}
		if size[0] >= 20 && !strings.Contains(strings.ReplaceAll(got, "\n", " "), "needs") {
			t.Errorf("%dx%d: no message:\n%s", size[0], size[1], got)
		}
	}
	golden(t, "too-small", screenText(draw(t, fullUI(t), 60, 10)))
}

func TestTheSocketsPaneOpensAtTheTop(t *testing.T) {
	// The first screen is drawn before the first socket table arrives;
	// the table that comes then has more rows than the pane shows.
	u := New(Options{ServerPorts: []int{3008}})
	draw(t, u, 80, 24)
	u.Model().SetSockets(table())
	got := screenText(draw(t, u, 80, 24))
	lines := strings.Split(got, "\n")
	if !strings.Contains(lines[2], "[::]:3008") || !strings.Contains(lines[2], "LISTEN") {
		t.Errorf("the first row under the header is not the first socket:\n%s", got)
	}
	if s, ok := u.sockets.selected(); !ok || s.Inode != 1001 {
		t.Errorf("selected %+v (%v), want the first socket", s, ok)
	}
	if !strings.Contains(got, "listening on every IPv6 and IPv4 address") {
		t.Errorf("the sentence under the table does not describe the first socket:\n%s", got)
	}
	s := draw(t, u, 80, 24)
	x, y := findText(t, s, "[::]:3008")
	if _, _, style, _ := s.GetContent(x, y); style != u.m.opt.Theme.Selected {
		t.Errorf("the first socket's row is not drawn as selected")
	}
}

func TestLongTapPathsLeaveRoomForTheNotes(t *testing.T) {
	// The demo's relay sits in a temporary folder with a long name.
	dir := "/tmp/socketlab-demo-1339951752/"
	name := dir + "tap.sock → " + dir + "chat.sock"
	u := New(Options{ServerPorts: []int{3008}})
	u.Model().AddTapEvents([]TapEvent{
		{Tap: name, Event: tap.Event{Time: t0, Conn: 1, Kind: tap.Open, Client: "@",
			Server: "unix:" + dir + "chat.sock"}},
		{Tap: name, Event: tap.Event{Time: t0, Conn: 1, Kind: tap.Data, Dir: tap.ServerToClient,
			Len: 6, Data: []byte("hello\n"), Client: "@", Server: "unix:" + dir + "chat.sock"}},
	})
	got := screenText(draw(t, u.packets, 120, 8))
	for _, want := range []string{"WHAT IT MEANS", "…/chat.sock", "server sends 6 bytes via relay"} {
		if !strings.Contains(got, want) {
			t.Errorf("the Packets pane at 120 columns lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, dir) {
		t.Errorf("the Packets pane shows the long path in full:\n%s", got)
	}
}

func TestNoValueIsCutAtAnyWidth(t *testing.T) {
	// A number or an address cut short ("152…", "127.0.0.1:500…") reads
	// as another value; a column that does not fit is left out instead.
	cut := regexp.MustCompile(`[0-9\]:]…`)
	for w := MinWidth; w <= 200; w++ {
		s := draw(t, sessionUI(t, DefaultTheme()), w, 30)
		for y, line := range strings.Split(screenText(s), "\n") {
			if cut.MatchString(line) {
				t.Fatalf("at %d columns, line %d cuts a value:\n%s", w, y, screenText(s))
			}
		}
	}
}
