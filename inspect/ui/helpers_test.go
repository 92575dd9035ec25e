package ui

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/stream"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// t0 is the time of the first packet of every fixture.
var t0 = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

var (
	client = netip.MustParseAddrPort("127.0.0.1:50001")
	server = netip.MustParseAddrPort("127.0.0.1:3008")
)

// seg builds one segment of the fixture conversation.
func seg(i int, from, to netip.AddrPort, f capture.Flags, seq, ack uint32, payload string) capture.Packet {
	// The initial sequence numbers are random on the wire; these are
	// made up, and the relative numbers are counted from them.
	isn, peer := uint32(1_000_000_000), uint32(3_000_000_000)
	if from != client {
		isn, peer = peer, isn
	}
	return capture.Packet{
		Index: uint64(i), Time: t0.Add(time.Duration(i-1) * 150 * time.Microsecond),
		Src: from, Dst: to, Flags: f, Seq: seq, Ack: ack, Window: 512,
		RawSeq: isn + seq, RawAck: peer + ack,
		Len: len(payload), Payload: []byte(payload), WireLen: 66 + len(payload),
		Link: capture.LinkEthernet, Frame: frameOf(from, to, f, isn+seq, peer+ack, 512, []byte(payload)),
	}
}

// conversation returns a whole TCP connection as lab 05 makes it: the
// handshake, a line each way, and the teardown started by the client.
func conversation() []capture.Packet {
	const (
		S = capture.SYN
		A = capture.ACK
		P = capture.PSH | capture.ACK
		F = capture.FIN | capture.ACK
	)
	return []capture.Packet{
		seg(1, client, server, S, 0, 0, ""),
		seg(2, server, client, S|A, 0, 1, ""),
		seg(3, client, server, A, 1, 1, ""),
		seg(4, server, client, P, 1, 1, "Welcome to the chat, you are User 1!\n"),
		seg(5, client, server, A, 1, 38, ""),
		seg(6, client, server, P, 1, 38, "hello [there]\n"),
		seg(7, server, client, A, 38, 15, ""),
		seg(8, client, server, F, 15, 38, ""),
		seg(9, server, client, F, 38, 16, ""),
		seg(10, client, server, A, 16, 39, ""),
	}
}

// table returns a socket table with the cases a learner meets: a
// dual-stack listener and its v4-mapped connection, the client's end,
// a TIME_WAIT, and a Unix listener with a connected pair.
func table() sockets.Snapshot {
	return sockets.Snapshot{Taken: t0, Sockets: []sockets.Socket{
		{Kind: sockets.TCP, Family: "IPv6", LocalAddr: "::", LocalPort: 3008,
			State: "LISTEN", SendQ: 4096, Inode: 1001, DualStack: true, PID: 4242, Process: "05-broadcast"},
		{Kind: sockets.TCP, Family: "IPv6", LocalAddr: "::ffff:127.0.0.1", LocalPort: 3008,
			RemoteAddr: "::ffff:127.0.0.1", RemotePort: 50001, State: "ESTABLISHED",
			Inode: 1002, V4Mapped: true, PID: 4242, Process: "05-broadcast"},
		{Kind: sockets.TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50001,
			RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "ESTABLISHED",
			Inode: 1003, PID: 4300, Process: "nc"},
		{Kind: sockets.TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 49990,
			RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "TIME_WAIT"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: "/tmp/socketlab.sock",
			State: "LISTEN", Inode: 2001, PID: 4343, Process: "07-ipc"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: "/tmp/socketlab.sock",
			State: "ESTABLISHED", Inode: 2002, PeerInode: 2003, PID: 4343, Process: "07-ipc"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", State: "ESTABLISHED",
			Inode: 2003, PeerInode: 2002, PID: 4400, Process: "socat"},
	}}
}

// fullModel returns a UI holding the fixture table and conversation.
func fullUI(t testing.TB) *UI {
	t.Helper()
	u := New(Options{ServerPorts: []int{3008}, Conversations: newTracker(),
		SocketsHint: "no server on :3008 — try `go run ./labs/05-broadcast server`"})
	u.Model().SetStatus(Status{Source: "live lo", Filter: "tcp port 3008",
		LinkType: "Ethernet", Capture: "capturing"})
	u.Model().SetSockets(table())
	addTracked(u.Model(), conversation()...)
	u.Model().SetStats(capture.Stats{Packets: 10})
	return u
}

// draw draws p onto a new w×h simulation screen and returns the screen.
func draw(t testing.TB, p tview.Primitive, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Fini)
	s.SetSize(w, h)
	p.SetRect(0, 0, w, h)
	p.Draw(s)
	s.Show()
	return s
}

// screenText returns the screen's characters, one line per row, with
// trailing spaces removed.
func screenText(s tcell.SimulationScreen) string {
	cells, w, h := s.GetContents()
	var b strings.Builder
	for y := 0; y < h; y++ {
		var line strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				line.WriteByte(' ')
				continue
			}
			line.WriteString(string(c.Runes))
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// golden compares got with testdata/name.golden, or rewrites the file
// when the test runs with -update.
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is right):\n--- got\n%s--- want\n%s",
			path, got, want)
	}
}

// findText returns the screen position of the first occurrence of text.
func findText(t testing.TB, s tcell.SimulationScreen, text string) (x, y int) {
	t.Helper()
	for y, line := range strings.Split(screenText(s), "\n") {
		if i := strings.Index(line, text); i >= 0 {
			return len([]rune(line[:i])), y
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", text, screenText(s))
	return 0, 0
}

// key returns a key event for a rune or a special key.
func key(k tcell.Key, r rune) *tcell.EventKey {
	return tcell.NewEventKey(k, r, tcell.ModNone)
}

// press sends keys to u's input handler, as the application would.
func press(u *UI, keys ...*tcell.EventKey) {
	h := u.InputHandler()
	for _, k := range keys {
		h(k, func(tview.Primitive) {})
	}
}

// typeText returns the key events for typing s.
func typeText(s string) []*tcell.EventKey {
	var ks []*tcell.EventKey
	for _, r := range s {
		ks = append(ks, key(tcell.KeyRune, r))
	}
	return ks
}

// sockets0 returns an empty socket table.
func sockets0() sockets.Snapshot { return sockets.Snapshot{Taken: t0} }

func netipMust(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// newTracker returns the stream reassembly package app feeds, for the
// Stream pane of a test's UI (Options.Conversations).
func newTracker() *stream.Tracker { return stream.New(stream.Config{Ports: []int{3008}}) }

// addTracked hands ps to the model's tracker and then to the model, as
// package app does, and lets the tracker give up on what it still waits
// for, as at the end of a file.
func addTracked(m *Model, ps ...capture.Packet) {
	tr := m.opt.Conversations.(*stream.Tracker)
	for i := range ps {
		tr.Add(&ps[i])
	}
	tr.FlushAll()
	m.AddPackets(ps)
}
