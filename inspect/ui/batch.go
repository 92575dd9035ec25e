package ui

import (
	"context"
	"sync"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
)

// FrameInterval is the shortest time between two UI updates a Batcher
// makes when driven by a ticker of this period: 50 ms, at most 20 frames
// a second whatever the packet rate.
const FrameInterval = 50 * time.Millisecond

// Batch is everything that arrived between two frames. Its Payloads and
// Data point into memory the Batch owns until the apply function returns.
type Batch struct {
	Packets []capture.Packet
	Taps    []TapEvent        // tap events, in the order each relay sent them
	Sockets *sockets.Snapshot // the latest table, or nil if none arrived
	Stats   *capture.Stats    // the latest counters, or nil
	Status  *Status           // the latest status, or nil
	Skipped uint64            // packets dropped because the UI fell behind

	arena   []byte   // payload and chunk bytes
	pSpans  [][4]int // arena start and end of each packet's payload and frame
	tSpans  [][2]int // arena start and end of each tap event's data
	sockets sockets.Snapshot
	stats   capture.Stats
	status  Status
}

func (b *Batch) empty() bool {
	return len(b.Packets) == 0 && len(b.Taps) == 0 && b.Sockets == nil &&
		b.Stats == nil && b.Status == nil && b.Skipped == 0
}

func (b *Batch) reset() {
	b.Packets, b.Taps = b.Packets[:0], b.Taps[:0]
	b.Sockets, b.Stats, b.Status, b.Skipped = nil, nil, nil, 0
	b.arena, b.pSpans, b.tSpans = b.arena[:0], b.pSpans[:0], b.tSpans[:0]
}

// seal points every Payload and Data at its bytes in the arena; until
// then they are nil, because the arena may move as it grows.
func (b *Batch) seal() {
	for i, sp := range b.pSpans {
		b.Packets[i].Payload = b.arena[sp[0]:sp[1]:sp[1]]
		if sp[3] > sp[2] {
			b.Packets[i].Frame = b.arena[sp[2]:sp[3]:sp[3]]
		}
	}
	for i, sp := range b.tSpans {
		b.Taps[i].Data = b.arena[sp[0]:sp[1]:sp[1]]
	}
}

// A Batcher collects what sources send from any goroutine and hands it
// to the UI as one Batch per tick, so the screen is redrawn at most once
// per tick however fast packets arrive. It is a Sink.
//
// It holds at most maxPackets packets and a bounded number of bytes
// between two ticks; beyond that it drops what is pending, counts the
// packets in Batch.Skipped, and keeps going with the newest.
type Batcher struct {
	mu         sync.Mutex
	cur, spare *Batch
	maxPackets int
	payload    int // bytes of each payload kept; 0 for all
	frame      int // bytes of each frame kept
}

// NewBatcher returns a Batcher that holds at most maxPackets packets
// (DefaultRingSize if ≤ 0) and keeps at most payloadKeep bytes of each
// payload (all of it if ≤ 0, so that the Stream pane can be built from
// the packets). Frames are kept up to a little beyond the payload limit,
// or beyond DefaultPayloadKeep.
func NewBatcher(maxPackets, payloadKeep int) *Batcher {
	if maxPackets <= 0 {
		maxPackets = DefaultRingSize
	}
	frame := DefaultPayloadKeep + frameHeadroom
	if payloadKeep > 0 {
		frame = payloadKeep + frameHeadroom
	}
	return &Batcher{cur: &Batch{}, spare: &Batch{}, maxPackets: maxPackets,
		payload: payloadKeep, frame: frame}
}

// AddPackets copies ps, with their payloads and the start of their
// frames, within the limits NewBatcher describes.
func (b *Batcher) AddPackets(ps []capture.Packet) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range ps {
		c := b.cur
		if len(c.Packets) >= b.maxPackets || len(c.arena) >= maxWorkBytes {
			b.dropPending()
		}
		p := ps[i]
		data := p.Payload
		if b.payload > 0 {
			data = data[:min(len(data), b.payload)]
		}
		frame := p.Frame[:min(len(p.Frame), b.frame)]
		p.Payload, p.Frame = nil, nil
		c.Packets = append(c.Packets, p)
		n := len(c.arena)
		c.pSpans = append(c.pSpans, [4]int{n, n + len(data),
			n + len(data), n + len(data) + len(frame)})
		c.arena = append(append(c.arena, data...), frame...)
	}
}

// dropPending forgets the pending packets and tap events, counting them.
func (b *Batcher) dropPending() {
	c := b.cur
	c.Skipped += uint64(len(c.Packets) + len(c.Taps))
	c.Packets, c.Taps = c.Packets[:0], c.Taps[:0]
	c.arena, c.pSpans, c.tSpans = c.arena[:0], c.pSpans[:0], c.tSpans[:0]
}

// AddTapEvents copies evs, with their data, within the same bounds as
// packets: beyond them the pending packets and events are dropped and
// counted in Batch.Skipped.
func (b *Batcher) AddTapEvents(evs []TapEvent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ev := range evs {
		c := b.cur
		if len(c.Packets)+len(c.Taps) >= b.maxPackets || len(c.arena)+len(ev.Data) > maxWorkBytes {
			b.dropPending()
		}
		data := ev.Data
		if b.payload > 0 {
			data = data[:min(len(data), b.payload)]
		}
		ev.Data = nil
		c.Taps = append(c.Taps, ev)
		c.tSpans = append(c.tSpans, [2]int{len(c.arena), len(c.arena) + len(data)})
		c.arena = append(c.arena, data...)
	}
}

// SetSockets replaces the pending socket table.
func (b *Batcher) SetSockets(s sockets.Snapshot) {
	b.mu.Lock()
	b.cur.sockets = s
	b.cur.Sockets = &b.cur.sockets
	b.mu.Unlock()
}

// SetStats replaces the pending counters.
func (b *Batcher) SetStats(s capture.Stats) {
	b.mu.Lock()
	b.cur.stats = s
	b.cur.Stats = &b.cur.stats
	b.mu.Unlock()
}

// SetStatus replaces the pending status.
func (b *Batcher) SetStatus(s Status) {
	b.mu.Lock()
	b.cur.status = s
	b.cur.Status = &b.cur.status
	b.mu.Unlock()
}

// take swaps the pending batch for the spare one and returns it sealed,
// or nil if nothing is pending.
func (b *Batcher) take() *Batch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur.empty() {
		return nil
	}
	t := b.cur
	b.cur, b.spare = b.spare, nil
	t.seal()
	return t
}

// Run calls apply with each pending batch, at most once per value
// received from tick, until ctx is done. apply runs on Run's goroutine and
// owns the batch until it returns; it typically calls
// Application.QueueUpdateDraw, which blocks until the UI goroutine has
// applied the batch and drawn. Run returns when ctx is done.
func (b *Batcher) Run(ctx context.Context, tick <-chan time.Time, apply func(*Batch)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		b.Flush(apply)
	}
}

// Flush calls apply with the pending batch, if anything is pending, and
// reports whether it did. apply owns the batch until it returns. Flush
// is for a loop of one's own in place of Run; one goroutine at a time
// may call it.
func (b *Batcher) Flush(apply func(*Batch)) bool {
	t := b.take()
	if t == nil {
		return false
	}
	apply(t)
	t.reset()
	b.mu.Lock()
	b.spare = t
	b.mu.Unlock()
	return true
}

// AddSkipped counts n packets that a source passed over without handing
// them to the Batcher, because the UI was behind: the status bar counts
// them as not listed.
func (b *Batcher) AddSkipped(n uint64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.cur.Skipped += n
	b.mu.Unlock()
}
