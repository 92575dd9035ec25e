package main

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// An outbox is one client's queue of messages waiting to be written.
// Any goroutine may push (every sender's reader does); only the client's
// writer goroutine takes. Push never blocks: that is the whole point.
//
// The queue is bounded twice. The line limit stops a flood of tiny
// lines, the byte limit stops a few huge ones. A client that falls so far
// behind that its outbox is full is not waited for: push reports an error
// and the room cuts the client off.
type outbox struct {
	maxLines int
	maxBytes int

	// ready holds a token whenever msgs is non-empty or the outbox is
	// closed, so the writer can sleep on it without holding mu.
	ready chan struct{}

	mu     sync.Mutex
	msgs   [][]byte // shared with other outboxes: never modified
	bytes  int      // total length of msgs
	closed bool
}

// newOutbox returns an empty outbox for at most maxLines lines and
// maxBytes bytes.
func newOutbox(maxLines, maxBytes int) *outbox {
	return &outbox{
		maxLines: maxLines,
		maxBytes: maxBytes,
		ready:    make(chan struct{}, 1),
	}
}

// push queues msg. The caller must not modify msg afterwards: one message
// is pushed to every recipient, and all of them share the same bytes.
// Push on a closed outbox does nothing.
func (q *outbox) push(msg []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	// One line always fits into an empty outbox, however long it is.
	if len(q.msgs) > 0 && (len(q.msgs) >= q.maxLines ||
		q.bytes+len(msg) > q.maxBytes) {
		return fmt.Errorf("outbound queue full (%d lines, %d bytes)",
			len(q.msgs), q.bytes)
	}
	q.msgs = append(q.msgs, msg)
	q.bytes += len(msg)
	if len(q.msgs) == 1 {
		q.wake() // the writer only needs waking when the queue was empty
	}
	return nil
}

// close tells the writer to stop once it has written what is queued.
func (q *outbox) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.wake()
}

// wake leaves a token in ready, unless one is already there.
func (q *outbox) wake() {
	select {
	case q.ready <- struct{}{}:
	default: // a token is already waiting
	}
}

// take waits until there is something to do, then returns everything
// queued and keeps spare (emptied) as the new queue. It reports false once
// the outbox is closed and empty.
func (q *outbox) take(spare [][]byte) ([][]byte, bool) {
	<-q.ready
	q.mu.Lock()
	defer q.mu.Unlock()
	msgs := q.msgs
	q.msgs, q.bytes = spare[:0], 0
	if q.closed && len(msgs) == 0 {
		return nil, false
	}
	if q.closed {
		q.wake() // come back once more to see that it is empty
	}
	return msgs, true
}

// writeLoop is the only goroutine that writes to conn. Each round it takes
// everything queued and writes it with one call: net.Buffers turns the
// messages into a single writev system call, with no copying. Under load
// the queue grows while a write is in progress, so the next round writes
// more at once: writes coalesce by themselves.
//
// No lock is held while writing, and each write has a deadline, so a peer
// that stopped reading can hold up this goroutine (only) for at most
// timeout. It returns nil once the outbox is closed and drained.
func writeLoop(conn net.Conn, q *outbox, timeout time.Duration) error {
	var spare [][]byte
	for {
		msgs, ok := q.take(spare)
		if !ok {
			return nil
		}
		if err := conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		// WriteTo advances batch past what it wrote, and may nil out
		// entries of msgs on the way; it never touches the bytes.
		batch := net.Buffers(msgs)
		_, err := batch.WriteTo(conn)
		clear(msgs) // Let the garbage collector have the messages.
		if err != nil {
			return err
		}
		spare = msgs
	}
}
