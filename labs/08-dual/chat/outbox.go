package chat

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// An outbox is one client's queue of messages waiting to be written.
// Any goroutine may push (every sender's reader does); only the client's
// writer goroutine takes. Push never blocks.
//
// The queue is bounded twice: the message limit stops a flood of tiny
// lines, the byte limit a few huge ones. Push on a full outbox fails, and
// the room cuts that client off instead of waiting for it.
type outbox struct {
	maxMsgs  int
	maxBytes int

	// ready holds a token whenever msgs is non-empty or the outbox is
	// closed, so the writer can sleep on it without holding mu.
	ready chan struct{}

	mu     sync.Mutex
	msgs   [][]byte // shared with other outboxes: never modified
	bytes  int      // total length of msgs
	closed bool
}

func newOutbox(maxMsgs, maxBytes int) *outbox {
	return &outbox{
		maxMsgs:  maxMsgs,
		maxBytes: maxBytes,
		ready:    make(chan struct{}, 1),
	}
}

// push queues msg. The caller must not modify msg afterwards: the same
// bytes go to every recipient. Push on a closed outbox does nothing.
func (q *outbox) push(msg []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	// One message always fits into an empty outbox, however long.
	if len(q.msgs) > 0 && (len(q.msgs) >= q.maxMsgs ||
		q.bytes+len(msg) > q.maxBytes) {
		return fmt.Errorf("outbound queue full (%d messages, %d bytes)",
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

// keepSpare is the size up to which a writer always keeps its queue's
// array for the next round. A larger array, left over from a burst, is
// kept only while rounds still fill a quarter of it: at 10,000 clients,
// idle queues holding burst-sized arrays would cost megabytes.
const keepSpare = 64

// writeLoop is the only goroutine that writes to conn. Each round it takes
// everything queued and writes it with one call: net.Buffers turns the
// messages into a single writev system call, with no copying. Under load
// the queue grows while a write is in progress, so the next round writes
// more at once: writes coalesce by themselves.
//
// No lock is held while writing, and each write has a deadline, so a peer
// that stopped reading holds up this goroutine (only) for at most timeout.
// It calls written after each successful write with the number of
// messages written. WriteLoop returns nil once the outbox is closed and
// drained.
func writeLoop(conn net.Conn, q *outbox, timeout time.Duration,
	written func(n int)) error {
	var spare [][]byte
	for {
		msgs, ok := q.take(spare)
		if !ok {
			return nil
		}
		if err := conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		batch := net.Buffers(msgs) // WriteTo consumes batch, not msgs
		_, err := batch.WriteTo(conn)
		clear(msgs) // let the garbage collector have the messages
		if err != nil {
			return err
		}
		written(len(msgs))
		spare = nil
		if cap(msgs) <= keepSpare || len(msgs) >= cap(msgs)/4 {
			spare = msgs
		}
	}
}
