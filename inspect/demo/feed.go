package demo

import "sync"

// A feed fans one stream of values out to any number of subscribers
// without ever blocking its publisher. It remembers the newest values so
// that a subscriber that comes late (a UI that starts after the demo)
// still sees what just happened.
type feed[T any] struct {
	// mark returns v with its "dropped just before this one" count
	// set to n.
	mark func(v T, n uint64) T

	mu     sync.Mutex
	ring   []T // the newest values, oldest at start once full
	start  int
	max    int
	subs   []*subscriber[T]
	closed bool
}

type subscriber[T any] struct {
	ch      chan T
	pending uint64 // values dropped since the last one delivered
}

func newFeed[T any](history int, mark func(T, uint64) T) *feed[T] {
	return &feed[T]{mark: mark, max: history}
}

// publish remembers v and offers it to every subscriber. A subscriber
// whose channel is full loses v; the next value it does get says how
// many it lost.
func (f *feed[T]) publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if len(f.ring) < f.max {
		f.ring = append(f.ring, v)
	} else if f.max > 0 {
		f.ring[f.start] = v
		f.start = (f.start + 1) % f.max
	}
	for _, s := range f.subs {
		s.offer(v, f.mark)
	}
}

func (s *subscriber[T]) offer(v T, mark func(T, uint64) T) {
	if len(s.ch) == cap(s.ch) {
		s.pending++
		return
	}
	if s.pending > 0 {
		v = mark(v, s.pending)
		s.pending = 0
	}
	s.ch <- v // never blocks: only publish sends, under f.mu
}

// subscribe returns a channel with room for n values that first receives
// the newest remembered values (at most n of them), then every value
// published from now on. The channel is closed by close, or at once if
// the feed is already closed.
func (f *feed[T]) subscribe(n int) <-chan T {
	n = max(n, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &subscriber[T]{ch: make(chan T, n)}
	old := f.history()
	if len(old) > n {
		old = old[len(old)-n:]
	}
	for _, v := range old {
		s.ch <- v
	}
	if f.closed {
		close(s.ch)
	} else {
		f.subs = append(f.subs, s)
	}
	return s.ch
}

// history returns the remembered values, oldest first. f.mu is held.
func (f *feed[T]) history() []T {
	out := make([]T, 0, len(f.ring))
	out = append(out, f.ring[f.start:]...)
	return append(out, f.ring[:f.start]...)
}

// close closes every subscriber's channel; later values are ignored.
func (f *feed[T]) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.closed = true
	for _, s := range f.subs {
		close(s.ch)
	}
	f.subs = nil
}
