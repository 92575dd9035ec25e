package ui

import (
	"net/netip"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/stream"
)

// Sink is what sources feed. A *Batcher is a Sink that any goroutine may
// use; a *Model is a Sink for the UI goroutine only.
//
// AddPackets and AddTapEvents do not keep their arguments: a Payload or
// Data that aliases a source's buffer may be reused once they return.
type Sink interface {
	AddPackets(ps []capture.Packet)
	AddTapEvents(evs []TapEvent)
	SetSockets(s sockets.Snapshot)
	SetStats(s capture.Stats)
	SetStatus(s Status)
}

var (
	_ Sink = (*Batcher)(nil)
	_ Sink = (*Model)(nil)
)

// ConversationSource gives the Stream pane reassembled conversations, as
// plain snapshots. *stream.Tracker is one. The UI calls Conversation on
// its own goroutine, at most once per frame, with the two ends of the
// connection it shows, in either order.
type ConversationSource interface {
	Conversation(a, b netip.AddrPort) (stream.Conversation, bool)
}

// Status describes the packet source for the status bar. Counters (packets
// seen, kernel drops) come from AddPackets and SetStats, not from here.
type Status struct {
	Source   string // what is captured, e.g. "live lo" or "file lab.pcap"
	Filter   string // what the sources select, e.g. "tcp port 3008"
	LinkType string // the capture's link type, e.g. "Ethernet"
	Capture  string // "capturing", "finished", "off", …
	// File is true when the packets are read from a file: nothing is
	// captured, and Problem says what stopped the reading or what the
	// file held that was not read.
	File bool
	// Problem, when not empty, says why capture is off and what to do,
	// for example the exact setcap command, or, with File, what of the
	// file was not read. It is shown in the warning
	// colour on the status bar's second line.
	Problem string
	// Help, when not empty, is shown in the Packets pane while it is
	// empty: a longer explanation of Problem, lines separated by "\n".
	Help string
	// Done is true once the source has ended (the end of a file, or an
	// error): no more packets will come.
	Done bool
}
