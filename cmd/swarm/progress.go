package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress shows how the run is going on stderr: a bar redrawn in place
// five times a second on a terminal, otherwise a plain line a second.
type progress struct {
	w     io.Writer
	s     *swarm
	tty   bool
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	began time.Time

	phase    int32
	lastRecv int64
	lastAt   time.Time
}

func startProgress(w io.Writer, s *swarm) *progress {
	p := &progress{w: w, s: s, quit: make(chan struct{}), began: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	every := time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.show()
			case <-p.quit:
				if p.tty {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			}
		}
	})
	return p
}

// stop ends the display; it may be called more than once.
func (p *progress) stop() {
	p.once.Do(func() { close(p.quit) })
	p.wg.Wait()
}

var phaseNames = [...]string{"connect", "settle", "send", "drain", "done"}

func (p *progress) show() {
	s := p.s
	phase := s.phase.Load()
	now := time.Now()
	var frac float64
	var text string
	switch phase {
	case phaseConnect:
		n, f := s.connected.Load(), s.failed.Load()
		frac = float64(n+f) / float64(s.cfg.clients)
		text = fmt.Sprintf("%s/%s connected, %s failed", group(n),
			group(int64(s.cfg.clients)), group(f))
	case phaseSettle:
		saw, of := 0, 0
		for _, c := range s.clients {
			if c != nil && !c.gone.Load() {
				of++
				if c.probed.Load() {
					saw++
				}
			}
		}
		if of > 0 {
			frac = float64(saw) / float64(of)
		}
		text = fmt.Sprintf("%s/%s clients saw a probe", group(int64(saw)),
			group(int64(of)))
	case phaseSend, phaseDrain:
		var recv, sent int64
		for _, c := range s.clients {
			if c != nil && !c.slow {
				recv += c.recv.Load()
			}
		}
		for _, st := range s.senders {
			sent += st.sent.Load()
		}
		rate := 0.0
		if p.phase >= phaseSend && !p.lastAt.IsZero() {
			rate = float64(recv-p.lastRecv) / now.Sub(p.lastAt).Seconds()
		}
		p.lastRecv, p.lastAt = recv, now
		frac = float64(time.Duration(s.now()-s.sendStart)) /
			float64(max(s.cfg.duration, 1))
		if phase == phaseDrain {
			frac = 1
		}
		text = fmt.Sprintf("%s lines sent, %s received, %s/s", group(sent),
			group(recv), group(int64(rate)))
	default:
		return
	}
	p.phase = phase
	name := phaseNames[phase]
	if !p.tty {
		fmt.Fprintf(p.w, "swarm: %5.1fs %-7s %s\n",
			now.Sub(p.began).Seconds(), name, text)
		return
	}
	const width = 20
	fill := int(min(max(frac, 0), 1) * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r\033[K[%s] %-7s %s", bar, name, text)
}
