package tap

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Banner is the one-line explanation to show beside tap traffic, so that
// nobody takes it for captured packets.
const Banner = "AF_UNIX bytes never reach lo; these come from the relay, not from a capture"

// Kind says what an Event reports.
type Kind uint8

// The kinds of Event. Every connection the relay accepts yields Open
// (once the real server has been dialled), then Data and HalfClose
// events, then exactly one of Close, Reset or Error, which is always its
// last event. A connection whose dial fails yields Error alone, with Dir
// ServerToClient (the server side failed); one refused because of
// MaxConns yields Error alone, with no Dir. A connection cut off because
// one side stopped reading ends with Error too: its Err is a *StallError
// (errors.Is(err, ErrStalled) reports true) and its Dir starts at the side
// that stopped, ClientToServer for the client.
const (
	Open      Kind = iota + 1 // the client is connected to the server
	Data                      // a chunk of bytes was read and forwarded
	HalfClose                 // one side shut down writing; the relay passed it on
	Close                     // both directions ended, or the relay stopped
	Reset                     // one side reset or vanished; the other was closed
	Error                     // anything else: Err says what
)

var kindNames = [...]string{"", "open", "data", "half-close", "close", "reset", "error"}

// String returns a short lower-case name: "open", "data", "half-close",
// "close", "reset" or "error".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Dir is the direction of a chunk or of a half-close, reset or error: the
// side it came from towards the other. The zero Dir means no direction.
type Dir uint8

// The two directions of a relayed connection.
const (
	ClientToServer Dir = iota + 1
	ServerToClient
)

// String returns "c>s", "s>c", or "" for the zero Dir.
func (d Dir) String() string {
	switch d {
	case ClientToServer:
		return "c>s"
	case ServerToClient:
		return "s>c"
	}
	return ""
}

// Event is one thing that happened on a relayed connection. It is a plain
// value: the receiver owns Data and may keep it.
type Event struct {
	Time time.Time
	Conn uint64 // 1 for the first connection; 0 for the relay itself
	Kind Kind
	Dir  Dir

	// Len is the length of a Data chunk. Data holds a copy of its first
	// bytes, at most Config.MaxData of them.
	Len  int
	Data []byte

	// Client is the address the client connected from, as the relay sees
	// it: "127.0.0.1:50412", or "@" for an unnamed Unix socket. Server
	// is the address dialled, as in Addr.String.
	Client string
	Server string

	// Err says why a connection ended with Reset or Error: a
	// *StallError when one side stopped reading. It is ErrStopped when
	// Close comes from the relay shutting down.
	Err error

	// Dropped counts the events lost just before this one because the
	// event channel was full.
	Dropped uint64
}

// ErrStalled matches, through errors.Is, the Err of the Error event that
// ends a connection because one side stopped reading.
var ErrStalled = errors.New("stopped reading")

// A StallError is the Err of the Error event that ends a connection when
// one side did not take a chunk the relay wrote to it within
// Config.WriteTimeout. The relay then cuts that connection off, as the
// labs cut off a slow client: it closes both sockets (a TCP one with a
// reset), so that a side which stops reading while it is sent data holds
// neither a goroutine nor a connection slot for longer than the timeout
// once the kernel's socket buffers are full. A side that is sent nothing
// is never timed out: an idle client that never reads keeps its slot for
// as long as it stays connected, as it would on the real server, and
// Config.MaxConns is what bounds how many such clients there may be.
type StallError struct {
	Side   string        // the side that stopped reading: "client" or "server"
	Waited time.Duration // how long the relay waited for it to take the chunk
	Unsent int           // bytes of the chunk it had not taken
	Err    error         // the failed write's error
}

// Error says which side stopped reading and for how long the relay
// waited.
func (e *StallError) Error() string {
	return fmt.Sprintf("%s stopped reading: %d bytes still not taken after %v",
		e.Side, e.Unsent, e.Waited.Round(time.Millisecond))
}

// Is reports whether target is ErrStalled.
func (e *StallError) Is(target error) bool { return target == ErrStalled }

// Unwrap returns the failed write's error, which reports the deadline.
func (e *StallError) Unwrap() error { return e.Err }

// EndOfStream names how a stream socket on network ("tcp" or "unix")
// says that it has no more to send: "FIN" for TCP, which sends a FIN
// segment, and "EOF (shutdown write)" for a Unix socket, which has no
// segments: shutdown(SHUT_WR) makes the peer's next read return end of
// file.
func EndOfStream(network string) string {
	if network == "tcp" {
		return "FIN"
	}
	return "EOF (shutdown write)"
}

// HalfCloseNote describes a HalfClose event of direction d, for a relay
// whose clients connect over network client and which dials its server
// over network server (each "tcp" or "unix"): "FIN passed on" between
// two TCP sides, "end of stream passed on (shutdown)" between two Unix
// sockets, and what became of it when the two differ.
func HalfCloseNote(d Dir, client, server string) string {
	from, to := client, server
	if d == ServerToClient {
		from, to = server, client
	}
	switch {
	case from == "tcp" && to == "tcp":
		return "FIN passed on"
	case from == "tcp":
		return "FIN passed on as end of stream (shutdown)"
	case to == "tcp":
		return "end of stream passed on as a FIN (shutdown)"
	}
	return "end of stream passed on (shutdown)"
}
