package chat

import (
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// An outbox is what one client's writer has still to write: its place
// in the room's backlog (every broadcast and notice), and a short queue
// of lines for this client alone (its welcome, error replies). Any
// goroutine may push; only the client's writer goroutine takes.
//
// The private queue is bounded like the backlog: a client whose queue
// would pass maxMsgs messages or maxBytes bytes is cut off instead of
// waited for.
type outbox struct {
	maxMsgs  int
	maxBytes int

	// ready holds a token whenever msgs is non-empty or the outbox is
	// closed, so the writer can sleep on it without holding mu.
	ready chan struct{}

	mu     sync.Mutex
	msgs   [][]byte // lines for this client alone
	bytes  int      // total length of msgs
	closed bool

	// The cursor: the writer's place in the backlog. Only the writer
	// moves it.
	at      *chunk // the chunk holding offset off
	off     int64  // backlog offset of the next byte to write
	seq     int64  // messages in the backlog before off
	ownSeen int64  // of those, the client's own

	// own and ownBytes count the messages and bytes this client added
	// to the backlog. Backlog.put counts them under the backlog's lock.
	own, ownBytes atomic.Int64

	// taken is how far the writer has got: the backlog offset up to
	// which it has written, or is writing now, and the client's own
	// bytes up to there. The room compares them with the backlog's end
	// to find clients that fell too far behind. (As with any queue,
	// what waits counts, not the batch in flight.)
	takenOff, takenOwn atomic.Int64
}

// behind returns how many bytes in the backlog, up to end, the writer
// has still to take, not counting its own lines, which it skips.
func (q *outbox) behind(end int64) int64 {
	own := q.ownBytes.Load() - q.takenOwn.Load()
	return end - q.takenOff.Load() - own
}

func newOutbox(maxMsgs, maxBytes int) *outbox {
	return &outbox{
		maxMsgs:  maxMsgs,
		maxBytes: maxBytes,
		ready:    make(chan struct{}, 1),
	}
}

// attach sets the cursor to the end of b: the client gets every message
// added from now on, and none from before.
func (q *outbox) attach(b *backlog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q.at, q.off, q.seq = b.tail, b.end, b.seq
	q.takenOff.Store(b.end)
}

// push queues msg for this client alone. The caller must not modify msg
// afterwards. Push on a closed outbox does nothing.
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

// close tells the writer to stop once it has written what is queued and
// what the backlog holds for it now.
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

// take returns the private queue, emptied, and whether the outbox has
// been closed.
func (q *outbox) take() ([][]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	msgs := q.msgs
	q.msgs, q.bytes = nil, 0
	return msgs, q.closed
}

// gather appends to bufs the backlog's bytes from the cursor to the end,
// leaving out the client's own lines (runs from me), and moves the
// cursor to the end. It reports how many messages that is (not counting
// its own), whether the backlog is closed, and, if there was nothing to
// gather and the backlog is still open, a channel that is closed when
// something is added.
//
// Only the end of the backlog is read under its lock. The bytes before
// it never change, so they are gathered without the lock, and they go
// into bufs as they are: no copy. Messages lie side by side, so a whole
// chunk is usually one buffer, whatever the number of messages in it.
func (q *outbox) gather(b *backlog, me *client, bufs [][]byte) (
	_ [][]byte, msgs int64, closed bool, grew <-chan struct{}) {
	var end, seq, own, ownBytes int64
	b.mu.Lock()
	tail, tailN, tailRuns := b.tail, b.tail.n, b.tail.runs
	end, seq, closed = b.end, b.seq, b.closed
	own, ownBytes = q.own.Load(), q.ownBytes.Load()
	if end == q.off && !closed {
		if b.grew == nil {
			b.grew = make(chan struct{})
		}
		b.waiting = true
		grew = b.grew
	}
	b.mu.Unlock()

	// Walk the chunks from the cursor's to the tail we saw. Never read
	// the tail's next: it is not ours to see yet.
	for c := q.at; q.off < end; c = c.next {
		n, runs := tailN, tailRuns
		if c != tail { // a full chunk: it no longer changes
			n, runs = c.n, c.runs
		}
		// Runs of other senders lie side by side, so they go out as one
		// buffer, c.buf[lo:hi]; only a run of our own lines splits it.
		lo := int(q.off - c.start) // where the cursor is in c
		hi := lo
		// A full chunk of short lines has hundreds of runs: start at
		// the one the cursor is in, not at the first.
		first := max(0, sort.Search(len(runs), func(i int) bool {
			return runs[i].at > lo
		})-1)
		for i := first; i < len(runs); i++ {
			r := runs[i]
			to := n
			if i+1 < len(runs) {
				to = runs[i+1].at
			}
			switch {
			case to <= lo: // before the cursor
			case r.from == me:
				if hi > lo {
					bufs = append(bufs, c.buf[lo:hi])
				}
				lo, hi = to, to
			default:
				hi = to
			}
		}
		if hi > lo {
			bufs = append(bufs, c.buf[lo:hi])
		}
		q.at, q.off = c, c.start+int64(n)
		if c == tail {
			break
		}
	}
	msgs = (seq - q.seq) - (own - q.ownSeen)
	q.seq, q.ownSeen = seq, own
	q.takenOff.Store(q.off)
	q.takenOwn.Store(ownBytes)
	return bufs, msgs, closed, grew
}

// writeLoop is the only goroutine that writes to conn. Each round it
// takes the client's private lines and everything new in the backlog
// and writes them with one call: net.Buffers turns them into a single
// writev system call, with no copying. While a write is in progress the
// backlog grows, so the next round writes more at once: writes coalesce
// by themselves, and the busier the room, the fewer system calls per
// line.
//
// No lock is held while writing, and each write has a deadline, so a
// peer that stopped reading holds up this goroutine (only) for at most
// timeout. Setting a deadline costs a timer update in the runtime, so
// the writer moves it on only when an eighth of timeout has passed since
// it last did: a write then has between 7/8 of timeout and timeout.
//
// WriteLoop calls written after each successful write with the number
// of messages written. It returns nil once the outbox or the backlog is
// closed and everything due is written.
func writeLoop(conn net.Conn, me *client, b *backlog,
	timeout time.Duration, written func(n int)) error {
	q := me.out
	var spare [][]byte
	var deadline time.Time // the write deadline set on conn
	for {
		private, closing := q.take()
		bufs, msgs, closed, grew := q.gather(b, me,
			append(spare[:0], private...))
		if len(bufs) > 0 {
			if now := time.Now(); deadline.Sub(now) < timeout-timeout/8 {
				deadline = now.Add(timeout)
				if err := conn.SetWriteDeadline(deadline); err != nil {
					return err
				}
			}
			batch := net.Buffers(bufs) // WriteTo consumes batch, not bufs
			_, err := batch.WriteTo(conn)
			clear(bufs) // let the garbage collector have the chunks
			if err != nil {
				return err
			}
			written(len(private) + int(msgs))
		}
		if closing || closed && len(bufs) == 0 {
			return nil
		}
		spare = nil
		if cap(bufs) <= keepSpare {
			spare = bufs
		}
		if grew != nil { // nothing new: sleep until there is
			select {
			case <-q.ready:
			case <-grew:
			}
		}
	}
}

// keepSpare is the size up to which a writer keeps its buffer list for
// the next round. A round rarely needs more than a few buffers: one per
// chunk, plus one per run of its own lines that it skips.
const keepSpare = 64
