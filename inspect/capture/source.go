package capture

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/net/bpf"

	"github.com/socketlab/socketlab/inspect/filter"
)

// The defaults Live uses for a zero Config field.
const (
	DefaultSnapLen     = 262144  // loopback GSO frames exceed 64 KiB
	DefaultBufferBytes = 8 << 20 // the kernel's receive buffer
)

// Config describes a live capture.
type Config struct {
	Interface   string // Host.Loopback when empty
	Ports       []int  // TCP ports to keep; every TCP segment when empty
	SnapLen     int    // bytes kept of each frame; DefaultSnapLen when 0
	BufferBytes int    // socket receive buffer; DefaultBufferBytes when 0

	// Filter is a tcpdump expression the kernel applies too: the
	// socket keeps the TCP segments of Ports that it keeps. Nil keeps
	// every segment of Ports.
	Filter *filter.Expr
}

// errSourceClosed ends a read interrupted by Close.
var errSourceClosed = errors.New("capture: source closed")

// frameReader is where a Source gets frames from: a live socket or a file.
type frameReader interface {
	next() (frame []byte, ts time.Time, wireLen int, err error)
	stats() (drops uint64)
	close() error
}

// Source delivers decoded TCP segments from a live interface or a pcap
// file. Next, SetPorts and LinkType must be called from one goroutine;
// Stats and Close may be called from any goroutine, also while Next waits.
type Source struct {
	name     string
	r        frameReader
	dec      *decoder
	file     *fileReader // nil for a live source
	snapLen  int
	packets  atomic.Uint64
	skipped  atomic.Uint64
	filter   []int           // user-space port filter (files only)
	match    *filter.Matcher // user-space expression filter (files only)
	closed   atomic.Bool
	snapshot atomic.Pointer[Stats]
}

// Live opens a live capture on cfg.Interface that keeps the TCP segments
// of cfg.Ports. It needs Host.Needs (CAP_NET_RAW on Linux): without it
// the error matches errors.Is(err, ErrPermission), and PermissionHelp
// says what to run. Live captures on Linux, macOS and FreeBSD
// (Host.Live); elsewhere its error matches ErrUnsupported.
func Live(cfg Config) (*Source, error) {
	if cfg.Interface == "" {
		cfg.Interface = Host.Loopback
	}
	if cfg.SnapLen <= 0 {
		cfg.SnapLen = DefaultSnapLen
	}
	if cfg.BufferBytes <= 0 {
		cfg.BufferBytes = DefaultBufferBytes
	}
	r, link, err := openLive(cfg)
	if err != nil {
		return nil, err
	}
	dec, err := newDecoder(link)
	if err != nil {
		r.close()
		return nil, err
	}
	dec.ports = cfg.Ports
	return &Source{name: cfg.Interface, r: r, dec: dec, snapLen: cfg.SnapLen}, nil
}

// Name returns the interface name or the file path.
func (s *Source) Name() string { return s.name }

// LinkType returns the link type of the frames, as a pcap file numbers
// it. A pcapng file may hold frames of other link types too, one per
// interface: each Packet's Link says which is its own. This is the
// first interface's.
func (s *Source) LinkType() LinkType { return s.dec.link }

// SnapLen returns the largest number of bytes kept of a frame.
func (s *Source) SnapLen() int { return s.snapLen }

// SetPorts sets the server ports. A file source then delivers only the
// segments to or from them (a live source is already filtered by the
// kernel); both use them to tell client from server when the SYN was
// not captured. Calling it with no ports delivers every TCP segment.
func (s *Source) SetPorts(ports []int) {
	s.dec.ports = ports
	if s.file != nil {
		s.filter = ports
	}
}

// Next fills p with the next TCP segment, waiting for one on a live
// source. p.Payload and p.Frame alias the source's buffer and are valid
// only until the next call; use p.Copy to keep them. A frame that cannot
// be decoded is returned with p.Malformed set; frames that are not TCP
// are passed over and counted in Stats().Skipped.
//
// Next returns io.EOF at the end of a file and after Close. Reading a
// well-formed segment does not allocate.
func (s *Source) Next(p *Packet) error {
	for {
		frame, ts, wire, err := s.r.next()
		if err != nil {
			if err == errSourceClosed || s.closed.Load() {
				return io.EOF
			}
			return err
		}
		link := s.dec.link
		if s.file != nil {
			link = s.file.link
		}
		if !s.keep(link, frame, wire) || !s.dec.decodeLink(link, frame, ts, wire, p) {
			s.skipped.Add(1)
			continue
		}
		if s.filter != nil && p.Malformed == "" &&
			!hasPort(s.filter, p.Src.Port()) && !hasPort(s.filter, p.Dst.Port()) {
			s.skipped.Add(1)
			continue
		}
		s.packets.Add(1)
		return nil
	}
}

// Stats returns the packets delivered so far and the frames the kernel
// dropped because the reader fell behind (always 0 for files).
func (s *Source) Stats() Stats {
	if st := s.snapshot.Load(); st != nil {
		return *st
	}
	return Stats{Packets: s.packets.Load(), Drops: s.r.stats(), Skipped: s.skipped.Load()}
}

// Close stops the source: a Next waiting for a packet returns io.EOF,
// and so does every later call. Stats keeps reporting the final counts.
// A live source on Linux reads from memory shared with the kernel (a
// ring); Close gives it back at once. The packet the last Next filled
// stays readable after Close, even while Close runs in another
// goroutine: the ring is replaced by a copy of itself, which the next
// call of Next frees.
func (s *Source) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	drops := s.r.stats()
	err := s.r.close()
	s.snapshot.Store(&Stats{Packets: s.packets.Load(), Drops: drops, Skipped: s.skipped.Load()})
	return err
}

// outgoingPrefix drops frames the kernel marks PACKET_OUTGOING, for
// kernels without PACKET_IGNORE_OUTGOING. The jumps of the program that
// follows are relative, so it can be appended unchanged.
func outgoingPrefix() []bpf.RawInstruction {
	raw, _ := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	})
	return raw
}
