package chat

import "sync"

// chunkSize is the size of one piece of the backlog. A message longer
// than that gets a chunk of its own size.
const chunkSize = 64 << 10

// The backlog is the room's one outbound queue, shared by all clients.
// A broadcast copies its message into the backlog once; every client's
// writer keeps its own place in it (a cursor, see outbox) and writes
// everything from there to the end with one system call.
//
// So a broadcast costs the same at 10 clients as at 10,000: it appends
// once, instead of queuing the message for each client. A client that
// fell behind by a thousand messages costs no memory of its own: it
// only points further back into the same bytes. And a writer that wakes
// up writes all it missed in one go, because the messages lie side by
// side in memory.
//
// The backlog is a linked list of chunks. The backlog itself holds only
// the last one; each writer holds the chunk its cursor is in. Once every
// writer has moved past a chunk, nothing points to it any more and the
// garbage collector frees it: the slowest writer alone decides how much
// is kept, and the room cuts off a writer that falls more than
// Config.QueueBytes behind (see Room.add).
type backlog struct {
	mu     sync.Mutex
	tail   *chunk // the chunk messages are added to
	end    int64  // bytes ever added: the offset just past the last one
	seq    int64  // messages ever added
	closed bool   // no more messages: the room is shutting down

	// grew is closed (and replaced) when a message is added while some
	// writer waits for one. All idle writers wait on the same channel,
	// so one close wakes them all.
	grew    chan struct{}
	waiting bool
}

// A chunk holds messages side by side. Bytes in buf[:n], once added,
// never change, so writers read them without a lock; only n, runs and
// next change, under the backlog's lock, and only in the last chunk.
type chunk struct {
	start int64  // the backlog offset of buf[0]
	buf   []byte // fixed size; buf[:n] is in use
	n     int
	runs  []run // who sent which bytes, in order
	next  *chunk
}

// A run is a stretch of a chunk's bytes from one sender: from buf[at]
// to the next run's at, or to n. Notices that every client gets have
// from == nil. A sender's writer skips its own runs, which is how the
// sender of a line is left out of its broadcast.
type run struct {
	at   int
	from *client
}

func newBacklog() *backlog {
	return &backlog{tail: &chunk{buf: make([]byte, chunkSize)}}
}

// add appends the message made of parts, sent by from (nil for a notice
// to everybody), and wakes the writers that wait. It reports the
// backlog's new end, and whether a new chunk was started: the room's cue
// to look for clients that fell too far behind. On a closed backlog add
// does nothing.
func (b *backlog) add(from *client, parts ...[]byte) (
	end int64, newChunk bool) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, false
	}
	newChunk = b.put(from, parts)
	end = b.end
	grew := b.wake()
	b.mu.Unlock()
	if grew != nil {
		close(grew)
	}
	return end, newChunk
}

// close adds a last message for everybody and refuses any later one.
// Writers end once they have written it.
func (b *backlog) close(last []byte) {
	b.mu.Lock()
	if !b.closed {
		b.put(nil, [][]byte{last})
		b.closed = true
	}
	grew := b.wake()
	b.mu.Unlock()
	if grew != nil {
		close(grew)
	}
}

// put copies a message into the last chunk, or a new one if it does not
// fit, and reports whether it started a new chunk. The caller holds b.mu.
func (b *backlog) put(from *client, parts [][]byte) (newChunk bool) {
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	t := b.tail
	if t.n+size > len(t.buf) {
		// The old chunk is full and will never change again.
		t.next = &chunk{start: b.end,
			buf: make([]byte, max(chunkSize, size))}
		t, b.tail, newChunk = t.next, t.next, true
	}
	if len(t.runs) == 0 || t.runs[len(t.runs)-1].from != from {
		t.runs = append(t.runs, run{at: t.n, from: from})
	}
	for _, p := range parts {
		t.n += copy(t.buf[t.n:], p)
	}
	b.end += int64(size)
	b.seq++
	if from != nil { // counted under b.mu: see outbox.gather
		from.out.own.Add(1)
		from.out.ownBytes.Add(int64(size))
	}
	return newChunk
}

// wake returns the channel to close, outside the lock, to wake the
// writers that wait, or nil if none does. The caller holds b.mu.
func (b *backlog) wake() chan struct{} {
	if !b.waiting {
		return nil
	}
	grew := b.grew
	b.grew, b.waiting = nil, false
	return grew
}
