//go:build darwin || freebsd

package capture

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// bpfBufLen is the read buffer asked of a BPF device; the system may
// grant less (macOS allows 512 KiB by default), and reads use what it
// grants.
const bpfBufLen = 1 << 20

// bpfWait is how long one read waits for a frame before it looks
// whether Close was called: a closed source's Next returns within it.
const bpfWait = 100 * time.Millisecond

// liveReader reads frames from a BPF device bound to one interface. A
// read returns a buffer of records (see bpfRecords), handed out one
// frame at a time; a frame stays valid until the next read.
type liveReader struct {
	fd   int
	name string
	buf  []byte
	recs bpfRecords

	stopping atomic.Bool
	// mu is held for reading while the device is read or asked for its
	// counters, and for writing to close it.
	mu     sync.RWMutex
	closed bool
	drops  uint64 // the final count, once closed
}

// openLive opens a BPF device, binds it to cfg.Interface and attaches
// the port filter, which the kernel runs on each frame.
func openLive(cfg Config) (*liveReader, LinkType, error) {
	if _, err := net.InterfaceByName(cfg.Interface); err != nil {
		return nil, 0, fmt.Errorf("capture: interface %q: %w (see ifconfig -l)", cfg.Interface, err)
	}
	fd, err := openBPF()
	if err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			return nil, 0, &PermissionError{Interface: cfg.Interface, Err: err}
		}
		return nil, 0, fmt.Errorf("capture: opening a BPF device: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			syscall.Close(fd)
		}
	}()
	fail := func(what string, err error) (*liveReader, LinkType, error) {
		return nil, 0, fmt.Errorf("capture: %s on %s: %w", what, cfg.Interface, err)
	}
	// The buffer length must be set before the interface.
	if _, err := syscall.SetBpfBuflen(fd, bpfBufLen); err != nil {
		return fail("setting the buffer length", err)
	}
	if err := syscall.SetBpfInterface(fd, cfg.Interface); err != nil {
		return fail("binding the BPF device", err)
	}
	// Immediate mode hands each frame over as it comes, not when the
	// buffer is full; the timeout bounds how long a read waits.
	if err := syscall.SetBpfImmediate(fd, 1); err != nil {
		return fail("asking for immediate mode", err)
	}
	tv := syscall.NsecToTimeval(int64(bpfWait))
	if err := syscall.SetBpfTimeout(fd, &tv); err != nil {
		return fail("setting the read timeout", err)
	}
	dlt, err := syscall.BpfDatalink(fd)
	if err != nil {
		return fail("asking for the link type", err)
	}
	link := LinkType(dlt)
	prog, err := linkFilter(link, cfg)
	if err != nil {
		return fail("compiling the port filter", err)
	}
	insns := make([]syscall.BpfInsn, len(prog))
	for i, in := range prog {
		insns[i] = syscall.BpfInsn{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	if err := syscall.SetBpf(fd, insns); err != nil {
		return fail("attaching the port filter", err)
	}
	// A read must offer exactly the buffer length the device uses.
	n, err := syscall.BpfBuflen(fd)
	if err != nil {
		return fail("asking for the buffer length", err)
	}
	layout := darwinBPF
	if runtime.GOOS == "freebsd" {
		layout = freebsdBPF
	}
	var h syscall.BpfHdr
	layout.tsLen = int(unsafe.Offsetof(h.Caplen))
	ok = true
	return &liveReader{fd: fd, name: cfg.Interface, buf: make([]byte, n),
		recs: bpfRecords{l: layout}}, link, nil
}

// openBPF opens the first free BPF device: /dev/bpf, which hands out a
// fresh one on each open where the system has it (FreeBSD), else
// /dev/bpf0, /dev/bpf1, … (macOS), passing over those in use.
func openBPF() (int, error) {
	fd, err := syscall.Open("/dev/bpf", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err == nil || !errors.Is(err, syscall.ENOENT) {
		return fd, err
	}
	for i := 0; i < 256; i++ {
		fd, err = syscall.Open("/dev/bpf"+strconv.Itoa(i), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if !errors.Is(err, syscall.EBUSY) {
			return fd, err
		}
	}
	return -1, fmt.Errorf("every BPF device is in use: %w", err)
}

// next returns the next frame, its timestamp and its length on the
// wire. The frame aliases the read buffer.
func (r *liveReader) next() ([]byte, time.Time, int, error) {
	for {
		frame, ts, wire, more, err := r.recs.next()
		if err != nil {
			return nil, time.Time{}, 0, err
		}
		if more {
			return frame, ts, wire, nil
		}
		if r.stopping.Load() {
			return nil, time.Time{}, 0, errSourceClosed
		}
		r.mu.RLock()
		if r.closed {
			r.mu.RUnlock()
			return nil, time.Time{}, 0, errSourceClosed
		}
		n, err := syscall.Read(r.fd, r.buf)
		r.mu.RUnlock()
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return nil, time.Time{}, 0, fmt.Errorf("capture: reading %s: %w", r.name, err)
		}
		r.recs.reset(r.buf[:max(n, 0)])
	}
}

// stats returns the frames the device dropped since it was opened.
func (r *liveReader) stats() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return r.drops
	}
	st, err := syscall.BpfStats(r.fd)
	if err != nil {
		return 0
	}
	return uint64(st.Drop)
}

// close closes the device once the read in progress, if any, has timed
// out (bpfWait at most).
func (r *liveReader) close() error {
	r.stopping.Store(true)
	drops := r.stats()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed, r.drops = true, drops
	return syscall.Close(r.fd)
}
