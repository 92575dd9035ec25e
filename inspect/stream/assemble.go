package stream

import (
	"slices"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// half is one direction of a conversation as the reassembly sees it.
type half struct {
	started bool   // the next byte expected is known
	next    uint32 // sequence number of the next byte expected
	fin     bool   // the FIN was reached in order
	pending []frag // segments after a hole, in sequence order
	held    int    // bytes in pending

	// The highest acknowledgement the other side sent for this
	// direction, and when: bytes it passes that were never captured
	// reached the peer, and are marked missing once given up.
	acked                uint32
	ackedKnown           bool
	ackedSeen, ackedWall time.Time
}

// frag is a segment that waits for a hole before it to be filled.
type frag struct {
	seq  uint32
	data []byte
	fin  bool
	seen time.Time // its capture time
	wall time.Time // when the Tracker received it
}

// lt and gt compare sequence numbers modulo 2^32.
func lt(a, b uint32) bool { return int32(a-b) < 0 }
func gt(a, b uint32) bool { return int32(a-b) > 0 }

// segment adds p's bytes, sent in direction d, to c. Called with the
// Tracker's lock held.
func (t *Tracker) segment(c *conv, d capture.Dir, p *capture.Packet, wall time.Time) {
	h := c.half(d)
	seq, data := p.RawSeq, p.Payload
	fin := p.Flags&capture.FIN != 0
	switch {
	case p.Flags&capture.SYN != 0:
		if !h.started {
			h.started, h.next = true, seq+1
		}
		return
	case !h.started && p.Len == 0 && !fin:
		// An ACK or a keepalive (one below the next byte) says
		// nothing certain about where the bytes start.
		return
	case !h.started:
		h.started, h.next = true, seq
	}
	if len(data) > p.Len {
		data = data[:p.Len]
	}
	if len(data) < p.Len {
		// The capture cut the segment short: the rest is a hole
		// that no later segment fills.
		t.put(c, d, h, seq, data, false, p.Time, wall)
		t.gapTo(c, d, h, seq+uint32(p.Len))
		if fin {
			t.put(c, d, h, seq+uint32(p.Len), nil, true, p.Time, wall)
		}
		return
	}
	t.put(c, d, h, seq, data, fin, p.Time, wall)
}

// put places a segment, then delivers what it let through.
func (t *Tracker) put(c *conv, d capture.Dir, h *half, seq uint32, data []byte, fin bool, seen, wall time.Time) {
	t.place(c, d, h, seq, data, fin, seen, wall)
	t.drain(c, d, h)
}

// place delivers a segment that starts at or before h.next and queues
// one that starts after it; drain then delivers what waited for it.
func (t *Tracker) place(c *conv, d capture.Dir, h *half, seq uint32, data []byte, fin bool, seen, wall time.Time) {
	// Too much waits: give up this direction's first hole, or, when
	// nothing waits here, the hole before this segment. Each turn takes
	// a segment off h.pending or reaches seq.
	for !h.fin && gt(seq, h.next) &&
		(h.held+len(data) > t.cfg.MaxPending || t.pending+len(data) > t.cfg.MaxPendingTotal) {
		if len(h.pending) > 0 {
			t.giveUp(c, d, h)
		} else {
			t.gapTo(c, d, h, seq)
		}
	}
	if h.fin {
		return
	}
	if gt(seq, h.next) {
		i, found := slices.BinarySearchFunc(h.pending, seq, func(f frag, s uint32) int {
			return int(int32(f.seq - s))
		})
		if found && len(h.pending[i].data) >= len(data) {
			return // the same segment again
		}
		t.waiting++
		f := frag{seq: seq, data: append([]byte(nil), data...), fin: fin, seen: seen, wall: wall}
		if found {
			h.held -= len(h.pending[i].data)
			t.pending -= len(h.pending[i].data)
			h.pending[i] = f
		} else {
			h.pending = slices.Insert(h.pending, i, f)
		}
		h.held += len(data)
		t.pending += len(data)
		return
	}
	end := seq + uint32(len(data))
	if lt(end, h.next) || end == h.next && !fin {
		return // bytes already shown
	}
	if skip := h.next - seq; skip > 0 {
		data = data[skip:]
	}
	c.append(d, data, t.cfg)
	h.next = end
	if fin {
		h.fin = true
		h.next++
		c.finished(d)
	}
}

// drain delivers the pending segments that the hole's filling reached.
func (t *Tracker) drain(c *conv, d capture.Dir, h *half) {
	for len(h.pending) > 0 && !gt(h.pending[0].seq, h.next) {
		f := h.pending[0]
		h.pending[0] = frag{}
		h.pending = h.pending[1:]
		h.held -= len(f.data)
		t.pending -= len(f.data)
		t.place(c, d, h, f.seq, f.data, f.fin, f.seen, f.wall)
	}
	if len(h.pending) == 0 {
		h.pending = nil
	}
}

// gapTo marks the bytes from h.next up to seq as not captured, moves
// on to seq and delivers what waited there.
func (t *Tracker) gapTo(c *conv, d capture.Dir, h *half, seq uint32) {
	if gt(seq, h.next) && !h.fin {
		c.gap(d, int64(seq-h.next), t.cfg)
		h.next = seq
	}
	t.drain(c, d, h)
}

// giveUp stops waiting for the first hole of h. It always takes at
// least one segment off h.pending, so loops around it end.
func (t *Tracker) giveUp(c *conv, d capture.Dir, h *half) {
	if len(h.pending) == 0 {
		return
	}
	if gt(h.pending[0].seq, h.next) && !h.fin {
		c.gap(d, int64(h.pending[0].seq-h.next), t.cfg)
		h.next = h.pending[0].seq
	}
	t.drain(c, d, h)
	if len(h.pending) > 0 && h.fin {
		// Nothing is shown after the FIN: let go of what waits.
		for _, f := range h.pending {
			h.held -= len(f.data)
			t.pending -= len(f.data)
		}
		h.pending = nil
	}
}

// acked learns that the other side acknowledged bytes of direction d up
// to ack: a hole before a pending segment that ack passes reached the
// peer but not the capture, and will not be sent again.
func (t *Tracker) acked(c *conv, d capture.Dir, ack uint32, seen, wall time.Time) {
	h := c.half(d)
	for len(h.pending) > 0 && gt(ack, h.pending[0].seq) {
		t.giveUp(c, d, h)
	}
	if h.started && (!h.ackedKnown || gt(ack, h.acked)) {
		h.acked, h.ackedKnown, h.ackedSeen, h.ackedWall = ack, true, seen, wall
		if gt(ack, h.next) {
			t.waiting++
		}
	}
}

// giveUpAcked marks as missing the bytes the other side acknowledged
// past everything captured, when nothing waits to fill them.
func (t *Tracker) giveUpAcked(c *conv, d capture.Dir, h *half) {
	if len(h.pending) == 0 && h.ackedKnown && gt(h.acked, h.next) {
		t.gapTo(c, d, h, h.acked)
	}
}

// expire gives up the holes that have waited t.cfg.GiveUp, by the
// capture's clock (latest is the newest capture time seen) or by the
// wall clock (now).
func (t *Tracker) expire(latest, now time.Time) {
	// Look at most ten times per GiveUp, and only while a hole waits.
	step := t.cfg.GiveUp / 10
	if t.waiting == 0 || latest.Sub(t.expiredSeen) < step && now.Sub(t.expiredWall) < step {
		return
	}
	t.expiredSeen, t.expiredWall = latest, now
	t.waiting = 0
	for _, c := range t.convs {
		for _, d := range [2]capture.Dir{capture.ClientToServer, capture.ServerToClient} {
			h := c.half(d)
			for len(h.pending) > 0 {
				f := h.pending[0]
				if latest.Sub(f.seen) < t.cfg.GiveUp && now.Sub(f.wall) < t.cfg.GiveUp {
					break
				}
				t.giveUp(c, d, h)
			}
			if latest.Sub(h.ackedSeen) >= t.cfg.GiveUp || now.Sub(h.ackedWall) >= t.cfg.GiveUp {
				t.giveUpAcked(c, d, h)
			}
			if len(h.pending) > 0 || h.ackedKnown && gt(h.acked, h.next) && !h.fin {
				t.waiting++
			}
		}
	}
}
