package ui

import (
	"fmt"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
)

// BenchmarkBatcherAddPackets measures what a capture goroutine pays per
// packet: copying it into the pending batch.
func BenchmarkBatcherAddPackets(b *testing.B) {
	bt := NewBatcher(0, 0)
	one := []capture.Packet{seg(6, client, server, capture.PSH|capture.ACK, 1, 38, "hello [there]\n")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%DefaultRingSize == 0 {
			if t := bt.take(); t != nil { // what Run does each frame
				t.reset()
				bt.spare = t
			}
		}
		bt.AddPackets(one)
	}
}

// BenchmarkModelAddPackets measures what the UI goroutine pays per packet
// once the ring is full: the ring slot, the connection state, the note.
//
// Packets arrive in time order, as a capture delivers them; one that
// arrives late is moved to its place (see settle), which costs more.
func BenchmarkModelAddPackets(b *testing.B) {
	m := NewModel(Options{})
	conv := conversation()
	add := func(i int) {
		p := conv[i%len(conv) : i%len(conv)+1]
		p[0].Time = t0.Add(time.Duration(i) * time.Microsecond)
		m.AddPackets(p)
	}
	for i := 0; i < DefaultRingSize; i++ {
		add(i)
	}
	b.ReportAllocs()
	for i := DefaultRingSize; b.Loop(); i++ {
		add(i)
	}
}

// BenchmarkDrawFullScreen measures one frame: the whole UI at 160×45 with
// a full ring of packets.
func BenchmarkDrawFullScreen(b *testing.B) {
	u := fullUI(b)
	conv := conversation()
	for i := 0; i < DefaultRingSize; i++ {
		u.m.AddPackets(conv[i%len(conv) : i%len(conv)+1])
	}
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		b.Fatal(err)
	}
	defer s.Fini()
	s.SetSize(160, 45)
	u.SetRect(0, 0, 160, 45)
	b.ReportAllocs()
	for b.Loop() {
		u.Draw(s)
		s.Show()
	}
}

// BenchmarkModelAddTapEvents measures what the UI goroutine pays per tap
// data chunk once the ring is full: the ring slot, the note and the tap
// conversation.
func BenchmarkModelAddTapEvents(b *testing.B) {
	m := NewModel(Options{})
	ev := []TapEvent{{Tap: "/tmp/tap.sock → /tmp/chat.sock", Event: tap.Event{Time: t0, Conn: 1,
		Kind: tap.Data, Dir: tap.ClientToServer, Len: 14, Data: []byte("hello [there]\n"),
		Client: "@", Server: "unix:/tmp/chat.sock"}}}
	for i := 0; i < DefaultRingSize; i++ {
		m.AddTapEvents(ev)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.AddTapEvents(ev)
	}
}

// fullCompareUI returns a UI on the compare view whose two conversations,
// a TCP one and one through a tap, each hold DefaultStreamBytes of chat
// lines: the most the view has to show.
func fullCompareUI(tb testing.TB) *UI {
	tb.Helper()
	u := New(Options{ServerPorts: []int{3008}, Conversations: newTracker(), Compare: true})
	m := u.Model()
	m.SetSockets(table())
	const (
		S = capture.SYN
		A = capture.ACK
		P = capture.PSH | capture.ACK
	)
	addTracked(m, seg(1, client, server, S, 0, 0, ""),
		seg(2, server, client, S|A, 0, 1, ""), seg(3, client, server, A, 1, 1, ""))
	tapName := "/tmp/tap.sock → /tmp/chat.sock"
	m.AddTapEvents([]TapEvent{{Tap: tapName, Event: tap.Event{Time: t0, Conn: 1, Kind: tap.Open,
		Client: "@", Server: "unix:/tmp/chat.sock"}}})
	seq := [2]uint32{1, 1}
	for i := 0; seq[0]+seq[1] < 2*DefaultStreamBytes; i++ {
		line := fmt.Sprintf("<User %d> line %d of the class chat, [about] sockets and how they work\n", i%7, i)
		from, to, d := client, server, 0
		dir := tap.ClientToServer
		if i%3 == 0 {
			from, to, d, dir = server, client, 1, tap.ServerToClient
		}
		p := seg(4+i, from, to, P, seq[d], seq[1-d], line)
		addTracked(m, p)
		seq[d] += uint32(len(line))
		m.AddTapEvents([]TapEvent{{Tap: tapName, Event: tap.Event{Time: p.Time, Conn: 1, Kind: tap.Data,
			Dir: dir, Len: len(line), Data: []byte(line)}}})
	}
	return u
}

// BenchmarkDrawCompare measures one frame of the compare view at 160×45
// with both conversations full.
func BenchmarkDrawCompare(b *testing.B) {
	u := fullCompareUI(b)
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		b.Fatal(err)
	}
	defer s.Fini()
	s.SetSize(160, 45)
	u.SetRect(0, 0, 160, 45)
	b.ReportAllocs()
	for b.Loop() {
		u.Draw(s)
		s.Show()
	}
}

// BenchmarkDrawStatus measures the status bar alone, whose two lines are
// drawn on every frame.
func BenchmarkDrawStatus(b *testing.B) {
	u := fullUI(b)
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		b.Fatal(err)
	}
	defer s.Fini()
	s.SetSize(160, 2)
	v := u.status
	v.SetRect(0, 0, 160, 2)
	b.ReportAllocs()
	for b.Loop() {
		v.Draw(s)
	}
}
