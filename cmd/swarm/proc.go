package main

import (
	"fmt"
	"sync"
	"time"
)

// serverWatch samples a server process's memory every 100 ms and its
// CPU time at the start, when sending starts and at the end.
type serverWatch struct {
	pid    int
	start  time.Time
	cpu0   time.Duration
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	mu     sync.Mutex
	peak   int64 // highest VmRSS sampled, bytes
	markAt time.Time
	cpuAt  time.Duration
	err    error // the first failed sample: the process ended?
}

// serverStats is what a serverWatch measured.
type serverStats struct {
	PID          int     `json:"pid"`
	RSSPeakBytes int64   `json:"rss_peak_bytes"`
	RSSEndBytes  int64   `json:"rss_end_bytes"`
	HWMBytes     int64   `json:"vm_hwm_bytes"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	CPUPercent   float64 `json:"cpu_percent"`
	SendCPUSecs  float64 `json:"send_cpu_seconds"`
	SendCPUPct   float64 `json:"send_cpu_percent"`
	Error        string  `json:"error,omitempty"`
}

func watchServer(pid int) (*serverWatch, error) {
	cpu, err := procCPU(pid)
	if err != nil {
		return nil, fmt.Errorf("-server-pid: %w", err)
	}
	w := &serverWatch{pid: pid, start: time.Now(), cpu0: cpu,
		quit: make(chan struct{})}
	w.sample()
	w.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				w.sample()
			case <-w.quit:
				return
			}
		}
	})
	return w, nil
}

func (w *serverWatch) sample() {
	rss, _, err := procMem(w.pid)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.peak = max(w.peak, rss)
}

// mark records the server's CPU time when sending starts.
func (w *serverWatch) mark() {
	cpu, err := procCPU(w.pid)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.markAt, w.cpuAt = time.Now(), cpu
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *serverWatch) stop() {
	w.once.Do(func() { close(w.quit) })
	w.wg.Wait()
}

// result stops the sampling and returns the measurements.
func (w *serverWatch) result() *serverStats {
	w.stop()
	w.sample()
	cpu, cerr := procCPU(w.pid)
	rss, hwm, merr := procMem(w.pid)
	end := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	st := &serverStats{PID: w.pid, RSSPeakBytes: w.peak,
		RSSEndBytes: rss, HWMBytes: hwm}
	for _, err := range []error{w.err, cerr, merr} {
		if err != nil && st.Error == "" {
			st.Error = err.Error()
		}
	}
	if cerr == nil {
		total := cpu - w.cpu0
		st.CPUSeconds = total.Seconds()
		st.CPUPercent = 100 * total.Seconds() / end.Sub(w.start).Seconds()
		if !w.markAt.IsZero() {
			send := cpu - w.cpuAt
			st.SendCPUSecs = send.Seconds()
			st.SendCPUPct = 100 * send.Seconds() / end.Sub(w.markAt).Seconds()
		}
	}
	return st
}
