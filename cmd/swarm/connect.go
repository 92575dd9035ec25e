package main

import (
	"context"
	"errors"
	"net"
	"sort"
	"sync"
	"syscall"
	"time"
)

// connect dials every client, dialParallel at a time, and starts each
// one's reader as soon as it is connected, so that it takes its share of
// the joined notices while the others connect.
func (s *swarm) connect(ctx context.Context) {
	dialers := []*net.Dialer{{Timeout: s.cfg.connectTimeout}}
	if s.cfg.srcIPs > 0 {
		dialers = dialers[:0]
		for i := range s.cfg.srcIPs {
			dialers = append(dialers, &net.Dialer{
				Timeout:   s.cfg.connectTimeout,
				LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i))},
			})
		}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.cfg.clients, dialParallel) {
		wg.Go(func() {
			for i := range jobs {
				s.dial(ctx, dialers[i%len(dialers)], i)
			}
		})
	}
feed:
	for i := range s.cfg.clients {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

func (s *swarm) dial(ctx context.Context, d *net.Dialer, i int) {
	t0 := time.Now()
	conn, err := s.dialRetry(ctx, d, s.cfg.addresses[i%len(s.cfg.addresses)],
		t0)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		s.failed.Add(1)
		s.mu.Lock()
		if len(s.dialErrs) < 5 || s.dialErrs[err.Error()] > 0 {
			s.dialErrs[err.Error()]++
		}
		s.mu.Unlock()
		return
	}
	c := &client{
		id:     i,
		conn:   conn,
		sender: -1,
		dialed: time.Since(t0),
		slow:   i >= s.cfg.clients-s.cfg.slow,
		next:   make([]uint32, s.cfg.senders),
		done:   make(chan struct{}),
	}
	if i < s.cfg.senders {
		c.sender = i
	}
	s.clients[i] = c
	s.connected.Add(1)
	s.readers.Add(1)
	go func() {
		defer s.readers.Done()
		defer close(c.done)
		c.readLoop(s)
	}()
}

// dialRetry dials once, and again while a Unix connect fails with
// EAGAIN, until the connect timeout counted from t0 has passed. A TCP
// client whose SYN finds the listen queue full is retried by the
// kernel; a Unix connect to a full queue fails at once (unless it may
// block, which Go's non-blocking sockets may not), so the waiting is
// swarm's to do. Waits grow from 1 ms to 100 ms.
func (s *swarm) dialRetry(ctx context.Context, d *net.Dialer,
	address string, t0 time.Time) (net.Conn, error) {
	wait := time.Millisecond
	for {
		conn, err := d.DialContext(ctx, s.cfg.network, address)
		if err == nil || !errors.Is(err, syscall.EAGAIN) {
			return conn, err
		}
		left := s.cfg.connectTimeout - time.Since(t0)
		if left <= 0 {
			return nil, err
		}
		s.retries.Add(1)
		t := time.NewTimer(min(wait, left))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// assignObservers picks, for each sender, the client whose deliveries
// open that sender's window.
func (s *swarm) assignObservers() {
	for i := range s.senders {
		s.observer[i].Store(int32(s.pickObserver(i)))
	}
}

// pickObserver returns the first reading client in the room that does
// not send, or else the next sender round the ring, or -1.
func (s *swarm) pickObserver(sender int) int {
	usable := func(c *client) bool {
		return c != nil && !c.slow && !c.gone.Load()
	}
	for _, c := range s.clients[len(s.senders):] {
		if usable(c) {
			return c.id
		}
	}
	for j := 1; j < len(s.senders); j++ {
		if c := s.clients[(sender+j)%len(s.senders)]; usable(c) {
			return c.id
		}
	}
	return -1
}

// acked records that the observer of sender i has seen its lines up to
// n, and wakes the sender if it waits for room in its window.
func (s *swarm) acked(i, n int) {
	st := s.senders[i]
	if int64(n) > st.ack.Load() {
		st.ack.Store(int64(n))
	}
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// settle has the first client send probe lines until every reading
// client has seen one from another client, or -settle has passed. Only
// then is a client known to be in the room: a line sent earlier might
// not be expected at it. The second client probes too while the first
// has seen nothing. Probes go out at 100 ms, then ever less often (up
// to every 2 s), so that probing thousands of clients does not itself
// swamp the server. It returns how many clients saw a probe, of how
// many.
func (s *swarm) settle(ctx context.Context) (saw, of int) {
	var probers []*client
	for _, c := range s.clients {
		if c != nil && len(probers) < 2 {
			probers = append(probers, c)
		}
	}
	count := func() (saw, of int) {
		for _, c := range s.clients {
			if c != nil && !c.gone.Load() {
				of++
				if c.probed.Load() {
					saw++
				}
			}
		}
		return saw, of
	}
	if len(probers) < 2 {
		return count()
	}
	defer func() {
		for _, p := range probers {
			p.conn.SetWriteDeadline(time.Time{})
		}
	}()
	deadline := time.NewTimer(s.cfg.settle)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	var buf []byte
	probe := func(p *client, k int) {
		buf = s.codec.appendLine(buf[:0], -1-p.id, k, s.now())
		p.conn.SetWriteDeadline(time.Now().Add(time.Second))
		p.conn.Write(buf)
	}
	interval, next := 100*time.Millisecond, time.Now()
	for k := 0; ; {
		if saw, of = count(); saw == of {
			return saw, of
		}
		if now := time.Now(); !now.Before(next) {
			probe(probers[0], k)
			if !probers[0].probed.Load() {
				probe(probers[1], k)
			}
			k++
			next = now.Add(interval)
			interval = min(2*interval, 2*time.Second)
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return count()
		case <-ctx.Done():
			return count()
		}
	}
}

// connectTimes returns the sorted connect durations.
func (s *swarm) connectTimes() []time.Duration {
	var d []time.Duration
	for _, c := range s.clients {
		if c != nil {
			d = append(d, c.dialed)
		}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}
