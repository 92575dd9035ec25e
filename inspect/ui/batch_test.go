package ui

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
)

// recorder runs a Batcher with a tick channel the test drives and
// records the batches it applies.
type recorder struct {
	tick    chan time.Time
	mu      sync.Mutex
	batches int
	packets int
	skipped uint64
	last    Batch // copy of the last batch's fields, payloads copied
	payload [][]byte
	done    chan struct{}
}

func runBatcher(t testing.TB, b *Batcher) *recorder {
	t.Helper()
	r := &recorder{tick: make(chan time.Time), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(r.done)
		b.Run(ctx, r.tick, func(bt *Batch) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.batches++
			r.packets += len(bt.Packets)
			r.skipped += bt.Skipped
			r.last = *bt
			r.payload = r.payload[:0]
			for _, p := range bt.Packets {
				r.payload = append(r.payload, append([]byte(nil), p.Payload...))
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
	return r
}

// frame sends one tick and then a second: Run takes the second only
// after the first tick's apply has returned, so the recorder is settled.
func (r *recorder) frame() {
	r.tick <- time.Time{}
	r.tick <- time.Time{}
}

func (r *recorder) counts() (batches, packets int, skipped uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.batches, r.packets, r.skipped
}

func TestBatcher(t *testing.T) {
	t.Run("it applies at most one batch per tick however fast packets arrive", func(t *testing.T) {
		b := NewBatcher(1<<20, 64)
		r := runBatcher(t, b)
		const senders, each, per = 4, 500, 20
		var wg sync.WaitGroup
		for s := 0; s < senders; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ps := make([]capture.Packet, per)
				for i := 0; i < each; i++ {
					b.AddPackets(ps)
				}
			}()
		}
		ticks := 0
		for i := 0; i < 5; i++ {
			r.tick <- time.Time{}
			ticks++
		}
		wg.Wait()
		r.frame()
		ticks += 2
		batches, packets, skipped := r.counts()
		if batches > ticks {
			t.Errorf("%d batches applied for %d ticks", batches, ticks)
		}
		if want := senders * each * per; packets != want || skipped != 0 {
			t.Errorf("applied %d packets, skipped %d; want %d and 0", packets, skipped, want)
		}
	})

	t.Run("an idle batcher applies nothing", func(t *testing.T) {
		r := runBatcher(t, NewBatcher(0, 0))
		r.frame()
		r.frame()
		if n, _, _ := r.counts(); n != 0 {
			t.Errorf("%d batches applied with nothing pending", n)
		}
	})

	t.Run("beyond its bound it drops pending packets and counts them", func(t *testing.T) {
		b := NewBatcher(100, 0)
		r := runBatcher(t, b)
		b.AddPackets(make([]capture.Packet, 250))
		r.frame()
		_, packets, skipped := r.counts()
		if packets > 100 || uint64(packets)+skipped != 250 {
			t.Errorf("applied %d and skipped %d of 250 with a bound of 100", packets, skipped)
		}
	})

	t.Run("it copies payloads, cut to the limit, so the source may reuse its buffer", func(t *testing.T) {
		b := NewBatcher(0, 4)
		r := runBatcher(t, b)
		buf := []byte("hello")
		frame := []byte("HEADERhello")
		b.AddPackets([]capture.Packet{{Payload: buf, Len: 5, Frame: frame}})
		copy(buf, "XXXXX")
		copy(frame, "XXXXXXXXXXX")
		r.frame()
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.payload) != 1 || !bytes.Equal(r.payload[0], []byte("hell")) {
			t.Errorf("payloads %q, want [\"hell\"]", r.payload)
		}
	})

	t.Run("only the latest socket table, counters and status are kept", func(t *testing.T) {
		b := NewBatcher(0, 0)
		r := runBatcher(t, b)
		for i := 1; i <= 3; i++ {
			b.SetSockets(sockets.Snapshot{Sockets: make([]sockets.Socket, i)})
			b.SetStats(capture.Stats{Drops: uint64(i)})
			b.SetStatus(Status{Capture: "capturing"})
		}
		r.frame()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.batches != 1 || r.last.Sockets == nil || len(r.last.Sockets.Sockets) != 3 ||
			r.last.Stats == nil || r.last.Stats.Drops != 3 || r.last.Status == nil {
			t.Errorf("batches %d, last %+v", r.batches, r.last)
		}
	})
}

func TestBatchesReachTheModel(t *testing.T) {
	b := NewBatcher(0, 0)
	m := NewModel(Options{})
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(ctx, tick, m.Apply) // Run's goroutine stands in for the UI's
	}()
	b.AddPackets(conversation())
	tick <- time.Time{}
	tick <- time.Time{}
	cancel()
	<-done
	if m.Len() != 10 || m.seen != 10 {
		t.Errorf("model has %d packets, %d seen; want 10", m.Len(), m.seen)
	}
}
