package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// useRing says whether Live asks for a TPACKET_V3 ring; tests turn it
// off to exercise the recvmmsg path that kernels without one use.
var useRing = true

// batch is how many frames one recvmmsg system call may return.
const batch = 16

// liveReader reads frames from an AF_PACKET socket bound to one
// interface. The socket is non-blocking and wrapped in an *os.File, so a
// read waits in Go's netpoller and Close wakes it at once. Frames are
// read in batches with recvmmsg, each into its own slot, so a frame
// stays valid until the slot is refilled, after the whole batch.
type liveReader struct {
	f  *os.File
	rc syscall.RawConn

	slots [batch]slot
	hdrs  [batch]unix.Mmsghdr
	read  func(fd uintptr) bool // preallocated, so reading does not allocate

	// Results of the last recvmmsg, written by read.
	n     int // frames received
	pos   int // the next frame to hand out
	errno unix.Errno

	loopback bool // drop outgoing copies: lo delivers every frame twice
	cooked   bool // packets come without a link header (-i any): add SLL2's

	ring      *ring        // the TPACKET_V3 ring, when the kernel gave one
	stopping  atomic.Bool  // set by close
	ringState atomic.Int32 // ringIdle, ringReading or ringGone
	ringMu    sync.Mutex   // held to detach the ring or to free it once detached

	mu     sync.Mutex
	drops  uint64
	closed bool
}

// slot is the memory one frame is received into.
type slot struct {
	buf []byte
	oob []byte
	sa  unix.RawSockaddrLinklayer
	iov unix.Iovec
}

// openLive opens the AF_PACKET socket described by cfg. The interface
// "any", as in tcpdump, captures on every interface: the socket is a
// cooked one (SOCK_DGRAM), which receives packets without their
// link-level header, and each is given a LINUX_SLL2 header that says
// on which interface and in which direction it went, as libpcap does.
func openLive(cfg Config) (*liveReader, LinkType, error) {
	var ifindex int
	var link, filterLink LinkType
	var loopback bool
	sockType, anyLo := unix.SOCK_RAW, 0
	if cfg.Interface == "any" {
		link, filterLink, sockType = LinkLinuxSLL2, LinkRaw, unix.SOCK_DGRAM
		anyLo = loopbackIndex()
	} else {
		ifi, err := net.InterfaceByName(cfg.Interface)
		if err != nil {
			return nil, 0, fmt.Errorf("capture: interface %q: %w (see ip link, or -i any)", cfg.Interface, err)
		}
		l, err := linkTypeOf(ifi.Name)
		if err != nil {
			return nil, 0, err
		}
		link, filterLink, ifindex = LinkType(l), LinkType(l), ifi.Index
		loopback = ifi.Flags&net.FlagLoopback != 0
	}

	// Protocol 0 receives nothing until bind, so no frame slips in
	// before the filter is attached.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, 0, &PermissionError{Interface: cfg.Interface, Err: err}
		}
		return nil, 0, fmt.Errorf("capture: opening a packet socket: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	// A cooked socket's filter sees the packet from its IP header on.
	filter, err := kernelFilter(uint32(filterLink), cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("capture: %s: %w", cfg.Interface, err)
	}
	if loopback {
		// Every frame on lo is seen twice, once leaving (PACKET_OUTGOING)
		// and once arriving. Like libpcap, keep only the arriving copy.
		// Kernels before 4.20 lack the option: drop outgoing in BPF.
		if unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1) != nil {
			filter = append(outgoingPrefix(), filter...)
		}
	}
	if anyLo > 0 {
		// On any, lo's frames come twice as well, and the option
		// would drop the outgoing frames of every interface.
		filter = append(outgoingOnPrefix(uint32(anyLo)), filter...)
	}
	fprog := make([]unix.SockFilter, len(filter))
	for i, ins := range filter {
		fprog[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
		&unix.SockFprog{Len: uint16(len(fprog)), Filter: &fprog[0]})
	if err != nil {
		return nil, 0, fmt.Errorf("capture: attaching the filter to the socket: %w", err)
	}
	// SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN;
	// SO_RCVBUF is capped at rmem_max.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, cfg.BufferBytes) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, cfg.BufferBytes)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return nil, 0, fmt.Errorf("capture: asking for timestamps: %w", err)
	}
	// A TPACKET_V3 ring when the kernel offers one; otherwise recvmmsg
	// into the slots below.
	cooked := sockType == unix.SOCK_DGRAM
	if cooked {
		// Room in the ring before each packet for its SLL2 header.
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_RESERVE, sll2Len); err != nil {
			return nil, 0, fmt.Errorf("capture: making room for headers: %w", err)
		}
	}
	var rg *ring
	if useRing {
		rg, _ = setupRing(fd, cfg.BufferBytes, cfg.SnapLen)
	}
	if rg != nil {
		rg.cooked = cooked
	}
	sll := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sll); err != nil {
		return nil, 0, fmt.Errorf("capture: binding to %s: %w", cfg.Interface, err)
	}
	// Counters accumulated before bind are meaningless: reset them.
	unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)

	r := &liveReader{
		f:        os.NewFile(uintptr(fd), "packet:"+cfg.Interface),
		loopback: loopback,
		cooked:   cooked,
		ring:     rg,
	}
	r.rc, err = r.f.SyscallConn()
	if err != nil {
		r.f.Close()
		ok = true
		return nil, 0, fmt.Errorf("capture: %w", err)
	}
	// The slots' buffers are allocated now but the kernel only backs the
	// pages a frame touches, so a batch of small frames stays small.
	oobLen := unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{}))) * 2
	for i := range r.slots {
		if r.ring != nil {
			break
		}
		sl := &r.slots[i]
		sl.buf = make([]byte, cfg.SnapLen)
		sl.oob = make([]byte, oobLen)
		if cooked {
			// The packet goes after the room for its SLL2 header.
			sl.buf = make([]byte, sll2Len+cfg.SnapLen)
			sl.iov.Base = &sl.buf[sll2Len]
		} else {
			sl.iov.Base = &sl.buf[0]
		}
		sl.iov.SetLen(cfg.SnapLen)
		h := &r.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&sl.sa))
		h.Iov = &sl.iov
		h.Iovlen = 1
		h.Control = &sl.oob[0]
	}
	r.read = r.recvmmsg
	ok = true
	return r, link, nil
}

// recvmmsg is the function the netpoller runs when the socket may be
// readable; it reports false to wait for more.
func (r *liveReader) recvmmsg(fd uintptr) bool {
	for i := range r.hdrs {
		r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrLinklayer
		r.hdrs[i].Hdr.SetControllen(len(r.slots[i].oob))
		r.hdrs[i].Len = 0
	}
	for {
		// MSG_TRUNC makes the kernel report each frame's full length even
		// when only the snap length fits the buffer.
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
			batch, unix.MSG_TRUNC, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		r.n, r.pos, r.errno = int(n), 0, e
		return true
	}
}

// next returns the next frame, its kernel timestamp and its length on
// the wire. The frame aliases a slot's buffer.
func (r *liveReader) next() ([]byte, time.Time, int, error) {
	if r.ring != nil {
		return r.nextRing()
	}
	for {
		if r.pos >= r.n {
			if err := r.rc.Read(r.read); err != nil {
				return nil, time.Time{}, 0, errSourceClosed
			}
			if r.errno != 0 {
				return nil, time.Time{}, 0, fmt.Errorf("capture: reading %s: %w", r.f.Name(), r.errno)
			}
			continue
		}
		i := r.pos
		r.pos++
		sl := &r.slots[i]
		if r.loopback && sl.sa.Pkttype == unix.PACKET_OUTGOING {
			continue // a second copy the filter did not catch
		}
		wire := int(r.hdrs[i].Len)
		caplen := min(wire, len(sl.buf))
		if r.cooked {
			caplen = min(wire, len(sl.buf)-sll2Len) + sll2Len
			wire += sll2Len
			putSLL2(sl.buf[:sll2Len], &sl.sa)
		}
		return sl.buf[:caplen], timestamp(sl.oob[:r.hdrs[i].Hdr.Controllen]), wire, nil
	}
}

// The states of the ring, which say who may free it. While the reader
// is in Next (ringReading), the reader frees it when it sees the source
// closed. Between two calls of Next (ringIdle) the caller still reads
// the last frame, so Close cannot free the ring: it detaches it instead
// (ringGone), and the next call of Next, if one comes, frees the copy.
const (
	ringIdle int32 = iota
	ringReading
	ringGone
)

// nextRing returns the next frame from the ring, waiting in the
// netpoller until the kernel hands a block over.
func (r *liveReader) nextRing() ([]byte, time.Time, int, error) {
	if !r.ringState.CompareAndSwap(ringIdle, ringReading) {
		// Close detached the ring, or is detaching it.
		r.ringMu.Lock()
		r.ring.unmap()
		r.ringMu.Unlock()
		return nil, time.Time{}, 0, errSourceClosed
	}
	for {
		if r.stopping.Load() {
			r.ring.unmap()
			r.ringState.Store(ringGone)
			return nil, time.Time{}, 0, errSourceClosed
		}
		if frame, ts, wire, ok := r.ring.next(); ok {
			r.ringState.Store(ringIdle)
			// Close may have come while the state said reading, and
			// left the ring to this goroutine.
			if r.stopping.Load() {
				r.detachRing()
			}
			return frame, ts, wire, nil
		}
		if err := r.rc.Read(r.ring.ready); err != nil {
			r.ring.unmap()
			r.ringState.Store(ringGone)
			return nil, time.Time{}, 0, errSourceClosed
		}
	}
}

// detachRing detaches the ring if no one else has, and Next is not
// running: once the source is closed, the kernel's ring is given back
// without waiting for another call of Next.
func (r *liveReader) detachRing() {
	if r.ring != nil && r.ringState.CompareAndSwap(ringIdle, ringGone) {
		r.ringMu.Lock()
		defer r.ringMu.Unlock()
		// If the copy cannot be made, the ring stays mapped until the
		// next call of Next frees it, as it would have without detach.
		r.ring.detach()
	}
}

// timestamp returns the kernel's receive time from the control message
// in oob, or the time now if there is none.
func timestamp(oob []byte) time.Time {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS &&
			int(h.Len) >= unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{}))) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			return time.Unix(int64(ts.Sec), int64(ts.Nsec))
		}
		oob = oob[min(unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)), len(oob)):]
	}
	return time.Now()
}

// stats adds the kernel's drop counter, which resets on every read, to
// the running total.
func (r *liveReader) stats() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.rc.Control(func(fd uintptr) {
			// The V3 statistics start with the same two counters.
			if st, err := unix.GetsockoptTpacketStatsV3(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
				r.drops += uint64(st.Drops)
			}
		})
	}
	return r.drops
}

// close reads the drop counter one last time and closes the socket,
// waking a read in progress.
func (r *liveReader) close() error {
	r.stats()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.stopping.Store(true)
	r.detachRing()
	return r.f.Close()
}

// putSLL2 writes the LINUX_SLL2 header of a packet that a cooked
// socket received from sa, as libpcap writes it for -i any.
func putSLL2(h []byte, sa *unix.RawSockaddrLinklayer) {
	// The protocol is in network order in sa already.
	binary.NativeEndian.PutUint16(h[0:2], sa.Protocol)
	h[2], h[3] = 0, 0
	binary.BigEndian.PutUint32(h[4:8], uint32(sa.Ifindex))
	binary.BigEndian.PutUint16(h[8:10], sa.Hatype)
	h[10], h[11] = sa.Pkttype, sa.Halen
	copy(h[12:20], sa.Addr[:])
}

// loopbackIndex returns the index of the loopback interface, or 0.
func loopbackIndex() int {
	ifs, _ := net.Interfaces()
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 {
			return ifi.Index
		}
	}
	return 0
}

// outgoingOnPrefix drops the frames the kernel marks PACKET_OUTGOING on
// the interface of the given index, and only there.
func outgoingOnPrefix(ifindex uint32) []bpf.RawInstruction {
	raw, _ := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtInterfaceIndex},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: ifindex, SkipFalse: 3},
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.PACKET_OUTGOING, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	})
	return raw
}

// linkTypeOf maps the interface's ARPHRD hardware type to the link type
// its frames carry on an AF_PACKET SOCK_RAW socket.
func linkTypeOf(name string) (layers.LinkType, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return 0, fmt.Errorf("capture: reading the link type of %s: %w", name, err)
	}
	arphrd, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("capture: link type of %s: %w", name, err)
	}
	switch arphrd {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		// Linux gives lo an all-zero Ethernet header.
		return layers.LinkTypeEthernet, nil
	case unix.ARPHRD_NONE, unix.ARPHRD_PPP, 519: // 519: ARPHRD_RAWIP
		return layers.LinkTypeRaw, nil
	}
	return 0, fmt.Errorf("capture: %s has hardware type %d (ARPHRD), which inspect cannot decode; try -i lo", name, arphrd)
}

// htons returns v as a socket field in network byte order holds it,
// on a machine of either byte order.
func htons(v uint16) uint16 { return toNetwork(binary.NativeEndian, v) }

// toNetwork returns the number whose bytes, in the machine's byte order
// (native), are v's in network (big-endian) order.
func toNetwork(native binary.ByteOrder, v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return native.Uint16(b[:])
}

// rcvbuf returns the socket's receive buffer size as the kernel reports
// it (twice the size asked for, for its bookkeeping).
func (r *liveReader) rcvbuf() int {
	n := 0
	r.rc.Control(func(fd uintptr) {
		n, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	return n
}
