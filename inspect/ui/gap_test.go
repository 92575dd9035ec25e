package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
)

func TestStreamPaneShowsAHoleInPlace(t *testing.T) {
	// The client's line (packet 6, 14 bytes) is left out, so its FIN
	// waits behind a hole; the Tracker gives the hole up once its wall
	// clock has moved on, and the Stream pane marks it in place.
	var kept []capture.Packet
	for _, p := range conversation() {
		if p.Index != 6 {
			kept = append(kept, p)
		}
	}
	now := time.Unix(5000, 0)
	tr := stream.New(stream.Config{Ports: []int{3008}, Now: func() time.Time { return now }})
	for i := range kept {
		p := kept[i]
		if p.Flags&capture.SYN == 0 && p.Src == server {
			p.Flags &^= capture.ACK // no ACK tells the Tracker the hole reached the server
		}
		tr.Add(&p)
	}
	now = now.Add(stream.DefaultGiveUp)
	u := New(Options{Conversations: tr, ServerPorts: []int{3008}})
	u.m.AddPackets(kept)
	draw(t, u, 160, 45)
	got := screenText(draw(t, u.stream, 80, 9))
	if !strings.Contains(got, "14 bytes not captured") {
		t.Errorf("no marker for the hole:\n%s", got)
	}
	if strings.Contains(got, "lost by the capture, not shown") {
		t.Errorf("the hole is also counted apart from its place:\n%s", got)
	}
}
