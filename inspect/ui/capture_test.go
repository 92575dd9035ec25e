package ui

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
)

// loadPcap feeds a recorded capture to a new UI and a stream tracker, as
// cmd/inspect's reader does, one packet at a time through a reused Packet.
func loadPcap(t testing.TB, path string, ports ...int) *UI {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.SetPorts(ports)
	tr := stream.New(stream.Config{Ports: ports})
	u := New(Options{ServerPorts: ports, Conversations: tr})
	var one [1]capture.Packet
	for {
		err := src.Next(&one[0])
		if errors.Is(err, io.EOF) {
			tr.FlushAll()
			return u
		}
		if err != nil {
			t.Fatal(err)
		}
		tr.Add(&one[0])
		u.m.AddPackets(one[:])
	}
}

// TestARealCaptureReadsAsTheDocsSay draws a capture recorded from lab 06
// (two nc-like clients: join, "hi there", leave) and checks the pictures
// in docs/inspect.md are the ones the code draws.
func TestARealCaptureReadsAsTheDocsSay(t *testing.T) {
	u := loadPcap(t, filepath.Join("testdata", "lab06-chat.pcap"), 3008)
	if u.m.Len() != 24 {
		t.Fatalf("%d packets, want the 24 tcpdump reads from the file", u.m.Len())
	}
	// What Enter on the first packet does: only its connection.
	first := u.m.at(0)
	u.m.setNarrowing(narrowToRow(first))
	u.m.selected, u.m.follow = u.m.at(3).seq, false // the welcome line
	pictures := map[string]tcell.SimulationScreen{
		"chat-packets": draw(t, u.packets, 150, 17),
		"chat-bytes":   draw(t, u.bytes, 70, 8),
		"chat-stream":  draw(t, u.stream, 70, 7),
	}
	for name, s := range pictures {
		golden(t, name, screenText(s))
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range pictures {
		if !strings.Contains(string(doc), screenText(s)) {
			t.Errorf("docs/inspect.md does not show testdata/%s.golden as drawn now", name)
		}
	}
}
