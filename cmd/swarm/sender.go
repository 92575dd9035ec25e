package main

import (
	"sync/atomic"
	"time"
)

// senderState is one sender's counters. started counts lines handed to
// Write, sent the lines Write completed; ack is the count of lines its
// observer has seen (the window's lower edge).
type senderState struct {
	started, sent, ack atomic.Int64
	wake               chan struct{}

	stalls int64 // windows that timed out waiting for the observer
	err    error // the write error that stopped it, if not swarm's stop
}

// stallTimeout is how long a sender waits for its observer before it
// counts its window as lost and opens a new one.
const stallTimeout = 5 * time.Second

// batch returns how many lines a sender may write with one system call:
// up to 64, and up to 64 KiB.
func (s *swarm) batch() int {
	return max(1, min(64, 64<<10/s.cfg.size))
}

// sendLoop sends lines from c until stop is closed.
func (s *swarm) sendLoop(c *client, st *senderState, stop <-chan struct{}) {
	buf := make([]byte, 0, s.batch()*s.cfg.size)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	if s.cfg.rate > 0 {
		s.sendPaced(c, st, stop, buf, timer)
	} else {
		s.sendWindowed(c, st, stop, buf, timer)
	}
}

// sendPaced sends -rate lines a second. Each line is stamped with the
// time it was due, not the time it went out, so a server that holds the
// sender back shows as latency instead of hiding it. The senders' start
// times are spread over one interval so they do not all send at once.
func (s *swarm) sendPaced(c *client, st *senderState, stop <-chan struct{},
	buf []byte, timer *time.Timer) {
	interval := float64(time.Second) / s.cfg.rate
	first := float64(s.sendStart) +
		interval*float64(c.sender)/float64(len(s.senders))
	due := func(seq int) int64 { return int64(first + interval*float64(seq)) }
	batch := s.batch()
	for seq := 0; ; {
		if wait := due(seq) - s.now(); wait > 0 {
			timer.Reset(time.Duration(wait))
			select {
			case <-timer.C:
			case <-stop:
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		now := s.now()
		buf = buf[:0]
		n := 0
		for n < batch && (n == 0 || due(seq+n) <= now) {
			buf = s.codec.appendLine(buf, c.sender, seq+n, due(seq+n))
			n++
		}
		if !s.write(c, st, buf, n) {
			return
		}
		seq += n
	}
}

// sendWindowed sends as fast as the window allows: at most -window lines
// not yet seen by the sender's observer. A window the observer never
// confirms (the server lost its lines) is given up after stallTimeout.
func (s *swarm) sendWindowed(c *client, st *senderState, stop <-chan struct{},
	buf []byte, timer *time.Timer) {
	floor := 0
	for seq := 0; ; {
		select {
		case <-stop:
			return
		default:
		}
		free := s.cfg.window - (seq - max(int(st.ack.Load()), floor))
		if free <= 0 {
			timer.Reset(stallTimeout)
			select {
			case <-st.wake:
				timer.Stop()
			case <-timer.C:
				// The server lost the window's lines, or the observer
				// is gone: give up on them and ask someone else.
				st.stalls++
				floor = seq
				s.observer[c.sender].Store(int32(s.pickObserver(c.sender)))
			case <-stop:
				return
			}
			continue
		}
		n := min(free, s.batch())
		now := s.now()
		buf = buf[:0]
		for i := range n {
			buf = s.codec.appendLine(buf, c.sender, seq+i, now)
		}
		if !s.write(c, st, buf, n) {
			return
		}
		seq += n
	}
}

// write writes n lines in buf and counts the complete ones. It reports
// whether the sender may go on.
func (s *swarm) write(c *client, st *senderState, buf []byte, n int) bool {
	st.started.Add(int64(n))
	w, err := c.conn.Write(buf)
	st.sent.Add(int64(w / s.cfg.size))
	if err != nil {
		if !s.stopping.Load() {
			st.err = err
		}
		return false
	}
	return true
}
