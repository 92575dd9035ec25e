package capture

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ringBlockTimeout is how long the kernel waits before handing over a
// block of the ring that is not full: the longest a lone packet waits.
const ringBlockTimeout = 10 // milliseconds

// mmapRing maps the ring; tests replace it to make mapping fail.
var mmapRing = unix.Mmap

// ring is a TPACKET_V3 receive ring: memory shared with the kernel,
// made of blocks that the kernel fills with frames and hands over whole.
// A reader wakes once per block instead of once per frame, and reads
// frames without a system call or a copy. This is what libpcap uses.
type ring struct {
	mem       []byte
	blockSize int
	blocks    int
	blk       int  // the block being read
	left      int  // frames left in it
	off       int  // offset of the next frame in it
	release   int  // a block to give back to the kernel, or -1
	cooked    bool // packets without a link header: give each an SLL2 one
	ready     func(fd uintptr) bool
}

// setupRing asks for a TPACKET_V3 ring of about size bytes on fd, before
// bind, with blocks that hold at least one frame of snapLen bytes.
func setupRing(fd, size, snapLen int) (*ring, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("TPACKET_V3: %w", err)
	}
	blockSize := 1 << 20
	for blockSize < snapLen+4096 {
		blockSize <<= 1
	}
	const frameSize = 2048
	blocks := max(size/blockSize, 2)
	req := unix.TpacketReq3{
		Block_size:     uint32(blockSize),
		Block_nr:       uint32(blocks),
		Frame_size:     frameSize,
		Frame_nr:       uint32(blocks * blockSize / frameSize),
		Retire_blk_tov: ringBlockTimeout,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("PACKET_RX_RING: %w", err)
	}
	mem, err := mmapRing(fd, 0, blocks*blockSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		// While the ring is set, the kernel puts every frame in it and
		// none in the socket's queue, where recvmmsg reads: give it up.
		if uerr := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &unix.TpacketReq3{}); uerr != nil {
			return nil, fmt.Errorf("mapping the ring: %w; then giving it up: %w", err, uerr)
		}
		return nil, fmt.Errorf("mapping the ring: %w", err)
	}
	r := &ring{mem: mem, blockSize: blockSize, blocks: blocks, release: -1}
	r.ready = func(uintptr) bool { return r.userOwns(r.blk) }
	return r, nil
}

// status returns the status word of block b.
func (r *ring) status(b int) *uint32 {
	desc := (*unix.TpacketBlockDesc)(unsafe.Pointer(&r.mem[b*r.blockSize]))
	return &(*unix.TpacketHdrV1)(unsafe.Pointer(&desc.Hdr[0])).Block_status
}

// userOwns reports whether the kernel has handed block b over.
func (r *ring) userOwns(b int) bool {
	return atomic.LoadUint32(r.status(b))&unix.TP_STATUS_USER != 0
}

// next returns the next frame in the ring, or ok false when the current
// block is still the kernel's and the caller must wait. The frame stays
// valid until the next call: its block is given back only then.
func (r *ring) next() (frame []byte, ts time.Time, wire int, ok bool) {
	if r.release >= 0 {
		atomic.StoreUint32(r.status(r.release), unix.TP_STATUS_KERNEL)
		r.release = -1
	}
	for r.left == 0 {
		if !r.userOwns(r.blk) {
			return nil, time.Time{}, 0, false
		}
		desc := (*unix.TpacketBlockDesc)(unsafe.Pointer(&r.mem[r.blk*r.blockSize]))
		h := (*unix.TpacketHdrV1)(unsafe.Pointer(&desc.Hdr[0]))
		r.left, r.off = int(h.Num_pkts), int(h.Offset_to_first_pkt)
		if r.left == 0 {
			atomic.StoreUint32(&h.Block_status, unix.TP_STATUS_KERNEL)
			r.blk = (r.blk + 1) % r.blocks
		}
	}
	base := r.blk * r.blockSize
	ph := (*unix.Tpacket3Hdr)(unsafe.Pointer(&r.mem[base+r.off]))
	start := base + r.off + int(ph.Mac)
	end := min(start+int(ph.Snaplen), base+r.blockSize)
	wire = int(ph.Len)
	if r.cooked {
		// The kernel left PACKET_RESERVE bytes before the packet, and
		// put the packet's address after the frame header.
		sa := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&r.mem[base+r.off+unix.SizeofTpacket3Hdr]))
		start -= sll2Len
		putSLL2(r.mem[start:start+sll2Len], sa)
		wire += sll2Len
	}
	frame = r.mem[start:end:end]
	ts = time.Unix(int64(ph.Sec), int64(ph.Nsec))
	r.left--
	r.off += int(ph.Next_offset)
	if r.left == 0 {
		r.release = r.blk
		r.blk = (r.blk + 1) % r.blocks
	}
	return frame, ts, wire, true
}

// unmap frees the ring. Only the reading goroutine may call it, since
// frames it returned point into the ring.
func (r *ring) unmap() {
	if r.mem != nil {
		unix.Munmap(r.mem)
		r.mem = nil
	}
}

// detach gives the ring's memory back to the kernel while keeping the
// frames handed out readable: it puts a private copy of the ring in its
// place, at the same address, in one step (mremap), so a reader in
// another goroutine sees the same bytes before and after. The copy is
// freed by unmap, like the ring.
func (r *ring) detach() error {
	if r.mem == nil {
		return nil // freed already
	}
	n := uintptr(len(r.mem))
	cp, err := unix.MmapPtr(-1, 0, nil, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return fmt.Errorf("copying the ring: %w", err)
	}
	copy(unsafe.Slice((*byte)(cp), n), r.mem)
	_, err = unix.MremapPtr(cp, n, unsafe.Pointer(&r.mem[0]), n, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED)
	if err != nil {
		unix.MunmapPtr(cp, n)
		return fmt.Errorf("putting the copy in the ring's place: %w", err)
	}
	return nil
}
