//go:build darwin || freebsd

package capture

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
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

// liveReader reads frames from a BPF device bound to one interface
// (see bpfReader).
type liveReader = bpfReader

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
		return fail("compiling the filter", err)
	}
	insns := make([]syscall.BpfInsn, len(prog))
	for i, in := range prog {
		insns[i] = syscall.BpfInsn{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	if err := syscall.SetBpf(fd, insns); err != nil {
		return fail("attaching the filter to the device", err)
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
	return &liveReader{
		name: cfg.Interface,
		buf:  make([]byte, n),
		recs: bpfRecords{l: layout},
		read: func(b []byte) (int, error) { return syscall.Read(fd, b) },
		counters: func() (uint64, error) {
			st, err := syscall.BpfStats(fd)
			if err != nil {
				return 0, err
			}
			return uint64(st.Drop), nil
		},
		closeFD: func() error { return syscall.Close(fd) },
	}, link, nil
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
