package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/bpf"

	"github.com/socketlab/socketlab/inspect/filter"
)

// This file reads what a BSD BPF device (/dev/bpf* on macOS and
// FreeBSD) returns from read. It is plain Go, built on every system, so
// that its tests run on any.

// bpfLayout describes the records of a BPF device's read buffer. Each
// record is a struct bpf_hdr, bh_hdrlen bytes long, then bh_caplen bytes
// of the frame; the next record starts at the next multiple of align
// (BPF_WORDALIGN). A bpf_hdr holds the timestamp (seconds and
// microseconds), bh_caplen, bh_datalen (the length on the wire) and
// bh_hdrlen, in the machine's byte order.
type bpfLayout struct {
	tsLen int // bytes of the timestamp: 8 (two int32) or 16 (two int64)
	align int // BPF_ALIGNMENT
	order binary.ByteOrder
}

// The layouts of the systems Live captures on with BPF, on their 64-bit
// little-endian machines: macOS keeps a 32-bit timeval and aligns to 4
// bytes; FreeBSD keeps a struct timeval of two longs and aligns to a
// long.
var (
	darwinBPF  = bpfLayout{tsLen: 8, align: 4, order: binary.LittleEndian}
	freebsdBPF = bpfLayout{tsLen: 16, align: 8, order: binary.LittleEndian}
)

// minHdr returns the length of a bpf_hdr's fields, without padding.
func (l bpfLayout) minHdr() int { return l.tsLen + 4 + 4 + 2 }

// bpfRecords walks the records of one read's buffer. A record that does
// not fit the buffer ends the walk with an error; nothing is read
// outside the buffer.
type bpfRecords struct {
	l   bpfLayout
	buf []byte
	off int
}

// reset starts a walk over buf.
func (r *bpfRecords) reset(buf []byte) { r.buf, r.off = buf, 0 }

// next returns the next record's frame (aliasing the buffer), its
// timestamp and its length on the wire. more is false at the end of the
// buffer. After an error the rest of the buffer is skipped.
func (r *bpfRecords) next() (frame []byte, ts time.Time, wire int, more bool, err error) {
	rest := r.buf[min(r.off, len(r.buf)):]
	if len(rest) == 0 {
		return nil, time.Time{}, 0, false, nil
	}
	l := r.l
	if len(rest) < l.minHdr() {
		r.off = len(r.buf)
		return nil, time.Time{}, 0, true, fmt.Errorf("capture: a BPF record of %d bytes is shorter than its header", len(rest))
	}
	var sec, usec int64
	if l.tsLen == 8 {
		sec, usec = int64(int32(l.order.Uint32(rest))), int64(int32(l.order.Uint32(rest[4:])))
	} else {
		sec, usec = int64(l.order.Uint64(rest)), int64(l.order.Uint64(rest[8:]))
	}
	caplen := int(l.order.Uint32(rest[l.tsLen:]))
	wire = int(l.order.Uint32(rest[l.tsLen+4:]))
	hdrlen := int(l.order.Uint16(rest[l.tsLen+8:]))
	if hdrlen < l.minHdr() || hdrlen > len(rest) || caplen > len(rest)-hdrlen {
		r.off = len(r.buf)
		return nil, time.Time{}, 0, true, fmt.Errorf("capture: a BPF record (header %d bytes, frame %d) does not fit the %d bytes left", hdrlen, caplen, len(rest))
	}
	frame = rest[hdrlen : hdrlen+caplen : hdrlen+caplen]
	// The next record starts at the next multiple of align.
	n := hdrlen + caplen
	n = (n + l.align - 1) &^ (l.align - 1)
	r.off += n
	return frame, time.Unix(sec, usec*1000), max(wire, caplen), true, nil
}

// linkFilter returns the program a live capture attaches for frames of
// link: the TCP segments of cfg.Ports (every TCP segment when there are
// none) that cfg.Filter keeps, and at most cfg.SnapLen bytes of each.
// For the link types of Linux (Ethernet, raw IP) it is kernelFilter's
// program; for others, such as the NULL frames of lo0 on macOS, it is
// compiled from the expression "tcp port P or …".
func linkFilter(link LinkType, cfg Config) ([]bpf.RawInstruction, error) {
	if link == LinkEthernet || link == LinkRaw {
		return kernelFilter(uint32(link), cfg)
	}
	ports := filter.TCPPorts(cfg.Ports)
	if ports == nil {
		ports = tcpOnly
	}
	return filter.And(ports, cfg.Filter).Assemble(uint32(link), uint32(cfg.SnapLen))
}

// bpfReader hands out, one at a time, the frames of the record buffers
// a BPF device returns from read. A frame stays valid until the next
// read. The device is opened with a read timeout, so that a read
// returns now and then even when no frame comes (n is 0 then): a Next
// waiting on a closed reader returns within that timeout.
type bpfReader struct {
	name string
	buf  []byte
	recs bpfRecords

	read     func(buf []byte) (int, error) // one read of the device
	counters func() (drops uint64, err error)
	closeFD  func() error

	stopping atomic.Bool
	// mu is held for reading while the device is read or asked for its
	// counters, and for writing to close it.
	mu     sync.RWMutex
	closed bool
	drops  uint64 // the final count, once closed
}

// next returns the next frame, its timestamp and its length on the
// wire. The frame aliases the read buffer.
func (r *bpfReader) next() ([]byte, time.Time, int, error) {
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
		n, err := r.read(r.buf)
		r.mu.RUnlock()
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return nil, time.Time{}, 0, fmt.Errorf("capture: reading %s: %w", r.name, err)
		}
		r.recs.reset(r.buf[:min(max(n, 0), len(r.buf))])
	}
}

// stats returns the frames the device dropped since it was opened.
func (r *bpfReader) stats() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return r.drops
	}
	d, err := r.counters()
	if err != nil {
		return 0
	}
	return d
}

// close closes the device once the read in progress, if any, has
// returned (within the device's read timeout).
func (r *bpfReader) close() error {
	r.stopping.Store(true)
	drops := r.stats()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed, r.drops = true, drops
	return r.closeFD()
}
