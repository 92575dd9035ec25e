package app

import (
	"context"
	"sync"

	"github.com/socketlab/socketlab/inspect/capture"
)

// DefaultStoreBytes bounds the bytes of frames the store keeps, whatever
// the number of packets: 64 MiB, a few thousand of the largest frames
// loopback makes (GSO, 64 KiB each), or every packet of a class hour.
const DefaultStoreBytes = 64 << 20

// store keeps the newest packets a source delivered, whole frames and
// all, so that w can save every packet captured, whatever the UI listed:
// at most len(slots) packets and maxBytes bytes of frames; beyond that
// the oldest are forgotten. The reader adds to it and never waits for
// the UI; the flusher takes what is new from it.
//
// Packets are numbered from 0 in the order they were added; packet n
// lives in slots[n%len(slots)] while oldest <= n < next.
type store struct {
	mu       sync.Mutex
	slots    []slot
	next     uint64 // the number the next packet will get
	oldest   uint64 // the oldest packet still kept
	taken    uint64 // the flusher has taken every packet before this
	bytes    int    // bytes the slots kept hold, by their buffers' capacity
	maxBytes int
	took     chan struct{} // signalled when the flusher takes packets
}

// slot is one packet of the store: its fields, and its frame and payload
// in buf, which is reused for the next packet the slot holds.
type slot struct {
	p    capture.Packet // Frame and Payload are nil: they live in buf
	buf  []byte
	flen int // buf[:flen] is the frame
	off  int // buf[off:off+len(payload)] is the payload
	plen int
}

func newStore(packets, maxBytes int) *store {
	return &store{slots: make([]slot, max(packets, 1)), maxBytes: maxBytes,
		took: make(chan struct{}, 1)}
}

// add copies p into the store, forgetting the oldest packets if it is
// full. It never waits for the flusher.
func (s *store) add(p *capture.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := uint64(len(s.slots))
	need := len(p.Frame) + len(p.Payload)
	for s.next-s.oldest >= n || s.next > s.oldest && s.bytes+need > s.maxBytes {
		old := &s.slots[s.oldest%n]
		s.bytes -= cap(old.buf)
		if cap(old.buf) > 4096 {
			old.buf = nil // forgotten: its memory goes too
		}
		s.oldest++
	}
	sl := &s.slots[s.next%n]
	if cap(sl.buf) > 2*need+1024 {
		// A slot that held a large frame lets it go, so that a burst of
		// them does not leave every slot that large.
		sl.buf = nil
	}
	sl.p = *p
	sl.p.Frame, sl.p.Payload = nil, nil
	sl.buf = append(sl.buf[:0], p.Frame...)
	sl.flen, sl.plen = len(p.Frame), len(p.Payload)
	if off := payloadOffset(p); off >= 0 {
		sl.off = off
	} else {
		// The payload is not part of the frame: keep it after it.
		sl.off = len(sl.buf)
		sl.buf = append(sl.buf, p.Payload...)
	}
	s.bytes += cap(sl.buf)
	s.next++
}

// payloadOffset returns where p.Payload starts in p.Frame, or -1 if it
// does not point into it.
func payloadOffset(p *capture.Packet) int {
	if len(p.Payload) == 0 {
		return len(p.Frame)
	}
	off := cap(p.Frame) - cap(p.Payload)
	if off < 0 || off+len(p.Payload) > len(p.Frame) || &p.Frame[off] != &p.Payload[0] {
		return -1
	}
	return off
}

// copyOut appends the bytes of sl to buf and returns its packet, whose
// Frame and Payload point into the returned buffer at base.
func (sl *slot) copyOut(buf []byte) (capture.Packet, []byte) {
	base := len(buf)
	buf = append(buf, sl.buf...)
	return sl.at(buf, base), buf
}

// at returns sl's packet with its bytes taken from buf at base.
func (sl *slot) at(buf []byte, base int) capture.Packet {
	p := sl.p
	p.Frame = buf[base : base+sl.flen : base+sl.flen]
	end := base + sl.off + sl.plen
	p.Payload = buf[base+sl.off : end : end]
	return p
}

// take calls each with copies of the packets not yet taken, oldest
// first, at most limit of them (all when limit <= 0), and returns how
// many had been forgotten before the flusher took them. The copies are
// valid until each returns. It copies under the lock a few packets at a
// time, so the reader waits at most for one such copy.
func (s *store) take(limit int, scratch *[]capture.Packet, buf *[]byte, each func(*capture.Packet)) (lost uint64) {
	const chunk = 256
	var bases [chunk]int
	for done := 0; limit <= 0 || done < limit; {
		s.mu.Lock()
		if s.taken < s.oldest {
			lost += s.oldest - s.taken
			s.taken = s.oldest
		}
		n := int(min(s.next-s.taken, chunk))
		if limit > 0 {
			n = min(n, limit-done)
		}
		ps, b := (*scratch)[:0], (*buf)[:0]
		for k := 0; k < n; k++ {
			sl := &s.slots[(s.taken+uint64(k))%uint64(len(s.slots))]
			bases[k] = len(b)
			b = append(b, sl.buf...)
		}
		for k := 0; k < n; k++ {
			sl := &s.slots[(s.taken+uint64(k))%uint64(len(s.slots))]
			ps = append(ps, sl.at(b, bases[k]))
		}
		s.taken += uint64(n)
		s.mu.Unlock()
		if n > 0 {
			select {
			case s.took <- struct{}{}:
			default:
			}
		}
		*scratch, *buf = ps, b
		for k := range ps {
			each(&ps[k])
		}
		done += n
		if n < chunk {
			break
		}
	}
	return lost
}

// skipTo marks every packet but the newest keep as taken, without
// copying them, and returns how many it passed over (forgotten ones
// included). The flusher calls it when it is too far behind to take
// everything.
func (s *store) skipTo(keep uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next-s.taken <= keep {
		return 0
	}
	n := s.next - keep - s.taken
	s.taken = s.next - keep
	return n
}

// pending returns how many packets kept the flusher has not taken yet.
func (s *store) pending() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next - max(s.taken, s.oldest)
}

// waitRoom waits until the flusher has taken all but half the store, or
// ctx is done. A file, which can wait, calls it before each add so that
// nothing is forgotten before the UI saw it; a live capture never waits.
func (s *store) waitRoom(ctx context.Context) {
	for {
		s.mu.Lock()
		room := s.next-s.taken < uint64(len(s.slots)/2+1)
		s.mu.Unlock()
		if room {
			return
		}
		select {
		case <-s.took:
		case <-ctx.Done():
			return
		}
	}
}

// packets returns copies of the packets kept, oldest first, and the
// number of packets added in all.
func (s *store) packets() ([]capture.Packet, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := make([]capture.Packet, 0, s.next-s.oldest)
	for n := s.oldest; n < s.next; n++ {
		p, _ := s.slots[n%uint64(len(s.slots))].copyOut(nil)
		ps = append(ps, p)
	}
	return ps, s.next
}
