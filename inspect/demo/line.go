package demo

import (
	"strconv"
	"time"
)

// A Door is the way a scripted client reaches the room.
type Door string

// The doors of the demo's room.
const (
	TCP  Door = "tcp"  // the TCP listener, over lo
	Unix Door = "unix" // the Unix socket, straight to the room
	Tap  Door = "tap"  // the Unix socket, through the tap relay
)

// LineKind says what a Line reports.
type LineKind uint8

// The kinds of Line.
const (
	Sent     LineKind = iota + 1 // the client wrote Text to the room
	Received                     // the client read Text from the room
	Note                         // what the client did: connected, left
	Room                         // the room's own log line
)

var lineKindNames = [...]string{"", "sent", "received", "note", "room"}

// String returns "sent", "received", "note" or "room".
func (k LineKind) String() string {
	if k > 0 && int(k) < len(lineKindNames) {
		return lineKindNames[k]
	}
	return "LineKind(" + strconv.Itoa(int(k)) + ")"
}

// A Line is one entry of the demo's chat log: a line a scripted client
// sent or received, a note about what it did, or a line the room logged.
// It is a plain value.
type Line struct {
	Time   time.Time
	Kind   LineKind
	Client string // the scripted client, "Ada"; "" for a Room line
	Door   Door   // how Client came in; "" for a Room line
	Text   string // without the line's "\n"

	// Dropped counts the lines lost just before this one because the
	// subscriber's channel was full.
	Dropped uint64
}
