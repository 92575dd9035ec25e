package ui

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/inspect/visible/visibletest"
)

// hostile is what every source of hostileUI carries.
type hostile struct {
	s      string
	socket sockets.Socket
	tap    string // the relay's name
}

// hostileUI returns a UI whose every source carries each of ss: for each
// s, a Unix socket on /tmp/s owned by a process named s, a TCP connection
// whose client sends s, a malformed packet whose reason is s, and a tap
// relay named after s whose client is s and whose connection sends s and
// ends with the error s; and a status whose fields hold them.
func hostileUI(t testing.TB, ss ...string) (*UI, []hostile) {
	t.Helper()
	u := New(Options{RingSize: 8 * len(ss), ServerPorts: []int{3008}, Conversations: newTracker()})
	m := u.Model()
	const (
		S = capture.SYN
		A = capture.ACK
		P = capture.PSH | capture.ACK
	)
	var hs []hostile
	var socks []sockets.Socket
	for n, s := range ss {
		h := hostile{s: s, tap: "/tmp/t" + s + " → /tmp/" + s,
			socket: sockets.Socket{Kind: sockets.Unix, Family: "unix", Type: "stream",
				Path: "/tmp/" + s, State: "LISTEN", Inode: uint64(300 + n), PID: 7, Process: s}}
		hs, socks = append(hs, h), append(socks, h.socket)
		from := netip.AddrPortFrom(client.Addr(), client.Port()+uint16(n))
		i := 5 * n
		addTracked(m, []capture.Packet{
			seg(i+1, from, server, S, 0, 0, ""),
			seg(i+2, server, from, S|A, 0, 1, ""),
			seg(i+3, from, server, A, 1, 1, ""),
			seg(i+4, from, server, P, 1, 1, s),
			{Index: uint64(i + 5), Time: t0.Add(time.Duration(i+4) * 150 * time.Microsecond),
				WireLen: 30, Malformed: s},
		}...)
		at := t0.Add(time.Duration(i+4) * 150 * time.Microsecond)
		target := "unix:/tmp/" + s
		m.AddTapEvents([]TapEvent{
			{Tap: h.tap, Event: tap.Event{Time: at, Conn: uint64(n + 1), Kind: tap.Open,
				Client: s, Server: target}},
			{Tap: h.tap, Event: tap.Event{Time: at, Conn: uint64(n + 1), Kind: tap.Data,
				Dir: tap.ClientToServer, Len: len(s), Data: []byte(s), Client: s, Server: target}},
			{Tap: h.tap, Event: tap.Event{Time: at, Conn: uint64(n + 1), Kind: tap.Close,
				Err: errors.New(s), Client: s, Server: target}},
		})
	}
	m.SetSockets(sockets.Snapshot{Taken: t0, Sockets: socks})
	all := strings.Join(ss, " ")
	m.SetStatus(Status{Source: "file " + all, Filter: all, LinkType: all, Capture: all, Problem: all})
	return u, hs
}

// selectRow selects the first row that pick accepts.
func selectRow(t testing.TB, m *Model, pick func(r *row) bool) {
	t.Helper()
	for i := 0; i < m.Len(); i++ {
		if r := m.at(i); pick(r) {
			m.selected, m.follow = r.seq, false
			return
		}
	}
	t.Fatal("no row to select")
}

func isTap(k tap.Kind) func(r *row) bool {
	return func(r *row) bool { return r.tap != nil && r.tap.kind == k }
}

// lines returns the lines the data s makes in the Stream pane.
func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// shown returns the ways prefix+s+suffix may read on the screen, where s
// came from outside and the rest is the program's: s shown literally on
// its own (visible.String(s)), or the whole made visible at once. They
// differ only where s starts with a combining mark, which may join the
// character before it.
func shown(prefix, s, suffix string) []string {
	return []string{prefix + visible.String(s) + suffix, visible.String(prefix + s + suffix)}
}

// shows checks that the screen holds one of the forms of each want on
// one row, read cell by cell, and that no cell holds a control rune.
func shows(t testing.TB, screen tcell.SimulationScreen, want ...[]string) {
	t.Helper()
	w, h := screen.Size()
	rows := make([]string, h)
	for y := range rows {
		rows[y] = visibletest.Row(screen, 0, y, w)
	}
	for _, forms := range want {
		found := false
		for _, r := range rows {
			for _, f := range forms {
				found = found || strings.Contains(r, f)
			}
		}
		if !found {
			t.Errorf("no row shows %q:\n%s", forms[0], strings.Join(rows, "\n"))
		}
	}
	if x, y, r, bad := visibletest.ControlCell(screen); bad {
		t.Errorf("cell %d,%d holds %q:\n%s", x, y, r, strings.Join(rows, "\n"))
	}
}

func TestHostileTextIsShownLiterally(t *testing.T) {
	for _, s := range visibletest.Corpus {
		t.Run(strconv.Quote(s)+" in every source is shown as it is", func(t *testing.T) {
			u, hs := hostileUI(t, s)
			h, m := hs[0], u.m
			said := func(want ...[]string) [][]string {
				for _, l := range lines(s) {
					want = append(want, shown("→ ", l, ""))
				}
				return want
			}
			t.Run("the sockets pane shows the path, the process and the explanation", func(t *testing.T) {
				shows(t, draw(t, u.sockets, 200, 8), shown("/tmp/", s, ""), shown("7/", s, ""),
					shown("listening on the socket file /tmp/", s, ""))
			})
			t.Run("the packets pane shows the tap's ends, the notes and the malformed reason", func(t *testing.T) {
				shows(t, draw(t, u.packets, 300, 10), shown("", s, " "), shown("/tmp/", s, ""),
					shown("client connected through the relay to /tmp/", s, ""),
					shown("connection closed; the relay let go of both ends (", s, ")"),
					shown("malformed: ", s, ""))
			})
			t.Run("the packets pane's title names the tap it is narrowed to", func(t *testing.T) {
				m.setNarrowing(narrowing{on: true, tap: h.tap, label: "tap " + h.tap})
				defer m.setNarrowing(narrowing{})
				shows(t, draw(t, u.packets, 300, 10), shown(" Packets of tap /tmp/t", s, ""))
			})
			t.Run("the bytes pane shows the malformed reason", func(t *testing.T) {
				selectRow(t, m, func(r *row) bool { return r.p.Malformed != "" })
				shows(t, draw(t, u.bytes, 200, 8), shown("malformed packet: ", s, ""))
			})
			t.Run("the bytes pane shows the tap's name and error", func(t *testing.T) {
				selectRow(t, m, isTap(tap.Close))
				shows(t, draw(t, u.bytes, 200, 8), shown("/tmp/t", s, ""),
					shown("connection closed; the relay let go of both ends (", s, ")"))
			})
			t.Run("the bytes pane dumps the data", func(t *testing.T) {
				selectRow(t, m, isTap(tap.Data))
				shows(t, draw(t, u.bytes, 200, 8))
			})
			t.Run("the stream pane shows the tap's conversation and ends", func(t *testing.T) {
				selectRow(t, m, isTap(tap.Data))
				shows(t, draw(t, u.stream, 200, 8),
					said(shown("client ", s, ""), shown("server /tmp/", s, ""))...)
			})
			t.Run("the stream pane shows the TCP conversation", func(t *testing.T) {
				selectRow(t, m, func(r *row) bool { return r.p.Len > 0 && r.tap == nil })
				shows(t, draw(t, u.stream, 200, 8), said()...)
			})
			t.Run("the compare view shows both conversations and the tap's ends", func(t *testing.T) {
				selectRow(t, m, isTap(tap.Data))
				shows(t, draw(t, u.compare, 240, 26), said(
					shown("client ", s, "  the relay's client"),
					shown("server /tmp/", s, "  a path in the file system"),
					shown("tap    /tmp/t", s, ""), shown("pid 7 ", s, ""))...)
			})
			t.Run("the status bar shows the status and the last message", func(t *testing.T) {
				shows(t, draw(t, u.status, 200, 2), shown(" file ", s, " │ "), shown(" ", s, ""))
				m.message = "save failed: " + s
				defer func() { m.message = "" }()
				shows(t, draw(t, u.status, 200, 2), shown(" save failed: ", s, ""))
			})
		})
	}
}

func TestWholeScreenHoldsNoControlRune(t *testing.T) {
	u, _ := hostileUI(t, visibletest.Corpus...)
	for _, pick := range []struct {
		what string
		row  func(r *row) bool
	}{
		{"a packet", func(r *row) bool { return r.p.Len > 0 && r.tap == nil }},
		{"a malformed packet", func(r *row) bool { return r.p.Malformed != "" }},
		{"tap data", isTap(tap.Data)},
		{"a tap error", isTap(tap.Close)},
	} {
		t.Run("with "+pick.what+" selected, the help open", func(t *testing.T) {
			selectRow(t, u.m, pick.row)
			u.showHelp = true
			defer func() { u.showHelp = false }()
			shows(t, draw(t, u, 200, 50))
		})
		t.Run("with "+pick.what+" selected, in the compare view", func(t *testing.T) {
			selectRow(t, u.m, pick.row)
			u.m.SetCompare(true)
			defer u.m.SetCompare(false)
			screen := draw(t, u, 200, 50)
			shows(t, screen)
			checkSVG(t, screen)
		})
	}
}

// checkSVG checks that WriteSVG draws screen as well-formed XML without
// control characters.
func checkSVG(t testing.TB, screen tcell.SimulationScreen) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSVG(&b, screen); err != nil {
		t.Fatal(err)
	}
	if i, r, bad := visibletest.ControlByte(b.Bytes()); bad {
		t.Errorf("the SVG holds %q at byte %d", r, i)
	}
	d := xml.NewDecoder(&b)
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
	}
}

func TestScreenshotOfControlCellsIsWellFormed(t *testing.T) {
	screen := tcell.NewSimulationScreen("UTF-8")
	if err := screen.Init(); err != nil {
		t.Fatal(err)
	}
	defer screen.Fini()
	screen.SetSize(8, 1)
	// tcell keeps a control rune in a cell only when a visible one
	// follows it there.
	for x, r := range []rune{'\x1b', '\x00', '\u009b', '\u202e', '<', '&', '\x7f', '\ufeff'} {
		screen.SetContent(x, 0, r, []rune{'a'}, tcell.StyleDefault)
	}
	screen.Show()
	if _, _, _, bad := visibletest.ControlCell(screen); !bad {
		t.Fatal("the screen holds no control rune to draw")
	}
	checkSVG(t, screen)
}

func TestWideRunesKeepTheRightBorder(t *testing.T) {
	wide := strings.Repeat("你", 60)
	u, _ := hostileUI(t, wide)
	u.m.setNarrowing(narrowing{on: true, tap: "/tmp/t" + wide + " → /tmp/" + wide,
		label: "tap /tmp/t" + wide})
	selectRow(t, u.m, isTap(tap.Data))
	panes := []struct {
		name string
		p    tview.Primitive
	}{
		{"sockets", u.sockets}, {"packets", u.packets}, {"bytes", u.bytes},
		{"stream", u.stream}, {"compare", u.compare},
	}
	for _, w := range []int{61, 62} {
		for _, pane := range panes {
			t.Run(pane.name+" pane "+strconv.Itoa(w)+" wide", func(t *testing.T) {
				screen := draw(t, pane.p, w, 12)
				_, h := screen.Size()
				for y := 0; y < h; y++ {
					left, _, _, _ := screen.GetContent(0, y)
					right, _, _, _ := screen.GetContent(w-1, y)
					if want := rightBorder[left]; right != want {
						t.Errorf("row %d ends in %q, want the border %q:\n%s", y, right, want, screenText(screen))
					}
					if _, _, _, cw := screen.GetContent(w-2, y); cw > 1 {
						t.Errorf("row %d: a wide character covers the border", y)
					}
				}
			})
		}
	}
}
