package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// raiseNoFile raises the soft limit on open files to the hard limit and
// returns the new soft limit. Every client is one file descriptor.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// clockTicks is USER_HZ, the unit of CPU times in /proc/PID/stat; it is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

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

// procCPU returns the user plus system CPU time of process pid.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces; the fields
	// after it start with the state, field 3 of proc(5).
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// procMem returns the resident set size of process pid and its peak
// (VmHWM), in bytes.
func procMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(k) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		default:
			continue
		}
		num, _ := bytes.CutSuffix(bytes.TrimSpace(v), []byte(" kB"))
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %v", pid, k, err)
		}
		*dst = n << 10
	}
	return rss, hwm, sc.Err()
}

// selfCPU returns the CPU time swarm itself has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
