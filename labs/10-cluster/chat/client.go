package chat

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"unicode/utf8"
)

// A client is one member of the room: a connection with its own reading
// goroutine (readLoop) and writing goroutine (writeLoop).
type client struct {
	room *Room
	conn net.Conn
	id   int
	door string // which listener it came through: "tcp", "unix", ...
	out  *outbox
	name []byte // "User 7: ", the prefix of every line it sends

	cut     sync.Once
	written chan struct{} // closed when writeLoop returns
}

func newClient(r *Room, conn net.Conn, id int, door string) *client {
	c := &client{
		room: r, conn: conn, id: id, door: door,
		out:     newOutbox(r.cfg.QueueMessages, r.cfg.QueueBytes),
		name:    fmt.Appendf(nil, "User %d: ", id),
		written: make(chan struct{}),
	}
	// From here on c's writer owes it every message in the backlog,
	// but first its welcome.
	c.out.attach(r.log)
	c.send(fmt.Appendf(nil, "Welcome to the chat, you are User %d!\n", id))
	return c
}

// The lines a client may be sent, other than chat lines.
var (
	errLineTooLong = "error: line too long (limit %d bytes), dropped\n"
	errNotUTF8     = []byte("error: line is not valid UTF-8, dropped\n")
	errControl     = "error: line holds a control character (%U), dropped\n"
	errSlowLine    = "error: line not finished within %v, disconnecting\n"
)

// refusal returns the error line for a line that checkText refused
// because of bad.
func refusal(bad rune) []byte {
	if bad == utf8.RuneError {
		return errNotUTF8
	}
	return fmt.Appendf(nil, errControl, bad)
}

func fullMessage(max int) []byte {
	return fmt.Appendf(nil,
		"error: server full (%d clients), try again later\n", max)
}

// readLoop is c's reading goroutine: it turns each line into a
// broadcast, and leaves the room when the connection ends.
func (c *client) readLoop() {
	defer c.room.clients.Done()
	r := c.room
	lines := newLineReader(c.conn, r.cfg.MaxLine, r.cfg.LineTimeout)
	var err error
	for {
		var line []byte
		line, err = lines.next()
		if errors.Is(err, errTooLong) {
			c.send(fmt.Appendf(nil, errLineTooLong, r.cfg.MaxLine))
			continue
		}
		if err != nil {
			break
		}
		switch bad, ok := checkText(line); {
		case len(line) == 0: // empty lines are ignored
		case !ok:
			c.send(refusal(bad))
		default:
			r.broadcast(c, line)
		}
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.send(fmt.Appendf(nil, errSlowLine, r.cfg.LineTimeout))
	}
	r.leave(c, err)
	<-c.written // the writer has finished, or given up
	c.conn.Close()
}

// writeLoop is c's writing goroutine. When a write fails, c is dropped,
// which ends readLoop too. A peer that is simply gone (a reset or a
// broken pipe) is not dropped: we stop writing, and its reader, which
// sees the same end, reports that it left.
func (c *client) writeLoop() {
	defer c.room.clients.Done()
	defer close(c.written)
	err := writeLoop(c.conn, c, c.room.log, c.room.cfg.WriteTimeout,
		func(n int) { c.room.deliveries.Add(uint64(n)) })
	switch {
	case errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET):
		c.out.close()
	case err != nil:
		c.drop(fmt.Errorf("write failed: %w", err))
	default:
		c.conn.Close() // the outbox was closed and is written out
	}
}

// send queues msg for c alone, cutting c off if its queue is full.
func (c *client) send(msg []byte) {
	if err := c.out.push(msg); err != nil {
		c.drop(err)
	}
}

// drop disconnects c at once, the first time it is called, and logs
// why, unless why is nil. Closing the connection ends both of c's
// goroutines.
func (c *client) drop(why error) {
	c.cut.Do(func() {
		if why != nil {
			c.room.dropped.Add(1)
			c.room.logger.Printf("%v dropped: %v", c, quoted(why.Error()))
		}
		c.out.close()
		c.conn.Close()
	})
}

// join tells everybody that c joined. Admit calls it under r.mu, just
// after it has put c in the member list and c's cursor at the end of the
// backlog: so the notice reaches exactly those who were here before c.
// (c's own writer skips it, as it skips every line c sends.)
func (r *Room) join(c *client) {
	r.joined.Add(1)
	r.logger.Printf("%v joined (from %v, %s)", c,
		quoted(c.conn.RemoteAddr().String()), c.door)
	r.add(c, fmt.Appendf(nil, "User %d joined! (%s)\n", c.id, c.door))
	if r.cfg.Relay != nil {
		r.cfg.Relay.Joined(c.id, c.door)
	}
}

// leave removes c from the member set and tells the others, unless the
// room is shutting down.
func (r *Room) leave(c *client, err error) {
	r.mu.Lock()
	r.membersMu.Lock()
	delete(r.members, c)
	r.membersMu.Unlock()
	closed := r.closed
	r.mu.Unlock()

	switch {
	case errors.Is(err, io.EOF):
		r.logger.Printf("%v left", c)
		c.out.close() // write what is due, then close
	case errors.Is(err, os.ErrDeadlineExceeded):
		r.logger.Printf("%v cut off: line not finished within %v", c,
			r.cfg.LineTimeout)
		c.out.close() // write what is due, the error line too, then close
	case errors.Is(err, net.ErrClosed):
		// We closed the connection: cut off, or shutting down.
	default:
		r.logger.Printf("%v left: %v", c, quoted(err.Error()))
		c.drop(nil)
	}
	if !closed {
		r.add(c, fmt.Appendf(nil, "User %d left!\n", c.id))
		if r.cfg.Relay != nil {
			r.cfg.Relay.Left(c.id)
		}
	}
}

// broadcast sends "User N: line" to everyone but the sender. The message
// is copied into the backlog once, whatever the number of clients.
func (r *Room) broadcast(from *client, line []byte) {
	r.messages.Add(1)
	r.add(from, from.name, line, newline)
	if r.cfg.Relay != nil {
		r.cfg.Relay.Said(from.id, line)
	}
}

var newline = []byte("\n")

// add appends a message from from to the backlog: every member but from
// will write it. Every time the backlog starts a new chunk, add looks
// for members that fell more than QueueBytes behind and cuts them off.
// That is a loop over all members, but once per chunk (64 KiB of
// messages), not once per message.
//
// Only bytes count here, not messages: in the backlog a message costs
// its bytes and nothing more, however many clients still owe it. (A
// join burst at 10,000 clients leaves early clients thousands of short
// notices behind, well under QueueBytes.)
func (r *Room) add(from *client, parts ...[]byte) {
	end, newChunk := r.log.add(from, parts...)
	if !newChunk {
		return
	}
	type late struct {
		c      *client
		behind int64
	}
	var cut []late
	r.membersMu.Lock()
	for c := range r.members {
		if behind := c.out.behind(end); behind > int64(r.cfg.QueueBytes) {
			cut = append(cut, late{c, behind})
		}
	}
	r.membersMu.Unlock()
	// Drop writes a log line, which may wait for a slow terminal: not
	// under the lock that every join and leave needs.
	for _, l := range cut {
		l.c.drop(fmt.Errorf("outbound queue full (%d bytes behind)", l.behind))
	}
}

// String returns "User N" for log lines.
func (c *client) String() string { return "User " + strconv.Itoa(c.id) }

// quoted returns text from a client as the log may show it: as it is if
// checkText would pass it, and otherwise as Go quotes a string, so that
// no control character in it reaches the terminal, and no newline in it
// starts a log line of its own that seems to be the room's. A Unix
// client may bind its socket to a name of its choosing before it
// connects: its address, and errors that hold it, are such text.
func quoted(text string) string {
	if _, ok := checkText([]byte(text)); ok {
		return text
	}
	return strconv.Quote(text)
}
