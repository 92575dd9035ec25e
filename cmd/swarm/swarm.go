package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// A run goes through these phases in order; Ctrl-C skips to the end.
const (
	phaseConnect int32 = iota // dial every client, start its reader
	phaseSettle               // wait until every client sees a probe line
	phaseSend                 // senders send for -duration
	phaseDrain                // wait for lines still in flight
	phaseDone
)

// interruptDrain bounds the drain after Ctrl-C.
const interruptDrain = 500 * time.Millisecond

// dialParallel is how many connects are in progress at once.
const dialParallel = 64

// swarm is the state of one run.
type swarm struct {
	cfg     config
	codec   *codec
	base    time.Time // the zero of every timestamp in a line
	bufSize int
	hist    histogram

	phase     atomic.Int32
	connected atomic.Int64
	failed    atomic.Int64
	retries   atomic.Int64 // Unix connects tried again after EAGAIN
	closing   atomic.Bool  // swarm is closing the connections
	stopping  atomic.Bool  // senders are being stopped

	clients  []*client // nil where the connect failed; set in phaseConnect
	senders  []*senderState
	observer []atomic.Int32 // per sender, the client that confirms its lines
	readers  sync.WaitGroup

	mu        sync.Mutex
	dialErrs  map[string]int
	sendStart int64 // s.now() when sending started
	sendEnd   int64
}

func newSwarm(cfg config) *swarm {
	s := &swarm{
		cfg:      cfg,
		codec:    newCodec(rand.Uint32(), cfg.size),
		base:     time.Now(),
		dialErrs: make(map[string]int),
		clients:  make([]*client, cfg.clients),
		senders:  make([]*senderState, cfg.senders),
		observer: make([]atomic.Int32, cfg.senders),
	}
	// The reader's buffer holds a whole line with the server's prefix,
	// and several short lines, so one read system call takes many.
	s.bufSize = min(max(4096, 16*(cfg.size+32)), 64<<10)
	s.bufSize = max(s.bufSize, cfg.size+256)
	for i := range s.senders {
		s.senders[i] = &senderState{wake: make(chan struct{}, 1)}
		s.observer[i].Store(-1)
	}
	return s
}

// now returns the nanoseconds since the run began, from the monotonic
// clock.
func (s *swarm) now() int64 { return int64(time.Since(s.base)) }

// started returns how many lines each sender has begun to write.
func (s *swarm) started() []int64 {
	n := make([]int64, len(s.senders))
	for i, st := range s.senders {
		n[i] = st.started.Load()
	}
	return n
}

// runSwarm runs every phase and returns what it measured. It returns an
// error only when the run cannot start; a cancelled ctx ends the run
// early with a report.
func runSwarm(ctx context.Context, cfg config,
	stderr io.Writer) (*report, error) {
	s := newSwarm(cfg)
	if lim, err := raiseNoFile(); err != nil {
		fmt.Fprintln(stderr, "swarm: warning: raising the open files limit:", err)
	} else if need := uint64(cfg.clients) + 64; need > lim {
		fmt.Fprintf(stderr, "swarm: warning: %d clients need about %d "+
			"open files, the limit is %d: raise the hard limit "+
			"(ulimit -Hn) or expect failed connects\n",
			cfg.clients, need, lim)
	}
	var srv *serverWatch
	if cfg.serverPID != 0 {
		var err error
		if srv, err = watchServer(cfg.serverPID); err != nil {
			return nil, err
		}
		defer srv.stop()
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := selfCPU()
	prog := startProgress(stderr, s)
	defer prog.stop()

	rep := &report{}
	start := time.Now()
	s.connect(ctx)
	rep.connectTime = time.Since(start)
	s.assignObservers()

	s.phase.Store(phaseSettle)
	start = time.Now()
	if ctx.Err() == nil {
		rep.settled, rep.settleOf = s.settle(ctx)
	}
	rep.settleTime = time.Since(start)

	s.phase.Store(phaseSend)
	if srv != nil {
		srv.mark()
	}
	if ctx.Err() == nil {
		s.send(ctx)
	}

	s.phase.Store(phaseDrain)
	// After Ctrl-C, lines in flight still get a short while to arrive.
	start = time.Now()
	drain := cfg.drain
	if ctx.Err() != nil {
		drain = min(drain, interruptDrain)
	}
	rep.drained = s.drainWait(ctx, drain)
	rep.drainTime = time.Since(start)
	if cfg.slow > 0 && ctx.Err() == nil {
		rep.slowChecked = true
		s.checkSlow()
	}
	rep.interrupted = ctx.Err() != nil

	s.closing.Store(true)
	for _, c := range s.clients {
		if c != nil {
			c.conn.Close()
		}
	}
	s.readers.Wait()
	s.phase.Store(phaseDone)
	prog.stop()
	if srv != nil {
		rep.server = srv.result()
	}
	rep.swarmCPU = selfCPU() - cpu0
	s.fill(rep)
	return rep, nil
}

// send stops the slow clients' reading, runs the senders for -duration
// and stops them.
func (s *swarm) send(ctx context.Context) {
	now := time.Now()
	for _, c := range s.clients {
		if c == nil {
			continue
		}
		c.inRoom = c.probed.Load()
		if c.slow {
			c.conn.SetReadDeadline(now)
		}
	}
	s.sendStart = s.now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, st := range s.senders {
		if c := s.clients[i]; c != nil {
			wg.Go(func() { s.sendLoop(c, st, stop) })
		}
	}
	t := time.NewTimer(s.cfg.duration)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	s.stopping.Store(true)
	close(stop)
	for i := range s.senders {
		if c := s.clients[i]; c != nil {
			c.conn.SetWriteDeadline(time.Now())
		}
	}
	wg.Wait()
	s.sendEnd = s.now()
}

// want returns the lines expected at c: every line another sender wrote
// while c was in the room.
func (s *swarm) want(c *client, sent []int64) int64 {
	var n int64
	for i, v := range sent {
		if i == c.sender {
			continue
		}
		if c.snap != nil {
			v = min(v, c.snap[i])
		}
		n += v
	}
	return n
}

// drainIdle ends the drain early when nothing has arrived for so long.
const drainIdle = 2 * time.Second

// drainWait waits until every reading client has received or skipped
// every line expected at it, until nothing has arrived for drainIdle, or
// until limit has passed. It reports whether everything arrived.
func (s *swarm) drainWait(ctx context.Context, limit time.Duration) bool {
	var total int64
	sent := make([]int64, len(s.senders))
	for i, st := range s.senders {
		sent[i] = st.sent.Load()
		total += sent[i]
	}
	// check returns whether all lines are in, and how many have been
	// accounted so far.
	check := func() (bool, int64) {
		all, sum := true, int64(0)
		for _, c := range s.clients {
			if c == nil || c.slow || c.gone.Load() {
				continue
			}
			want := total
			if c.sender >= 0 {
				want -= sent[c.sender]
			}
			got := c.accounted.Load()
			sum += got
			all = all && got >= want
		}
		return all, sum
	}
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	interrupted := ctx.Done()
	var last int64 = -1
	lastMove := time.Now()
	for {
		all, sum := check()
		if all {
			return true
		}
		if sum != last {
			last, lastMove = sum, time.Now()
		} else if time.Since(lastMove) >= drainIdle {
			return false
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			all, _ := check()
			return all
		case <-interrupted:
			// Ctrl-C during the drain: a short while more, then stop.
			interrupted = nil
			deadline.Reset(interruptDrain)
		}
	}
}

// checkSlow finds out whether the server cut the slow clients off: it
// reads what their sockets hold for up to a second; end of file or a
// reset means the server closed them.
func (s *swarm) checkSlow() {
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for _, c := range s.clients {
		if c == nil || !c.slow {
			continue
		}
		wg.Go(func() {
			<-c.done
			c.conn.SetReadDeadline(deadline)
			buf := make([]byte, 64<<10)
			for {
				n, err := c.conn.Read(buf)
				c.slowBytes += int64(n)
				if err != nil {
					c.slowCut = !isTimeout(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
