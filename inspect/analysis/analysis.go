package analysis

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// Flags are the findings of Wireshark's TCP analysis that a segment
// carries. Each is defined by the rule of the tcp.analysis field of the
// same name.
type Flags uint16

// The findings, in the order String lists them.
const (
	// Retransmission: data (or a SYN or FIN) that does not advance the
	// sequence number and is neither fast nor out of order.
	Retransmission Flags = 1 << iota
	// FastRetransmission: a retransmission of the byte that two or more
	// duplicate ACKs asked for, within 20 ms of the last of them.
	FastRetransmission
	// SpuriousRetransmission: data the receiver had already acknowledged.
	SpuriousRetransmission
	// OutOfOrder: data behind the highest sequence number seen, arriving
	// within the handshake's round-trip time (3 ms without a handshake).
	OutOfOrder
	// LostSegment: data beyond the next expected sequence number, so the
	// capture missed what came before (tcp.analysis.lost_segment,
	// "previous segment not captured").
	LostSegment
	// AckedUnseen: an ACK of bytes that the capture never saw
	// (tcp.analysis.ack_lost_segment).
	AckedUnseen
	// DupAck: an empty segment that repeats the previous ACK, window and
	// sequence number.
	DupAck
	// KeepAlive: 0 or 1 byte at one below the next sequence number.
	KeepAlive
	// KeepAliveAck: the repeated ACK that answers a keepalive.
	KeepAliveAck
	// ZeroWindow: the sender's receive window is 0, its buffer is full.
	ZeroWindow
	// ZeroWindowProbe: 1 byte at the next sequence number while the
	// receiver's window is 0.
	ZeroWindowProbe
	// ZeroWindowProbeAck: the answer to a probe that keeps the window 0.
	ZeroWindowProbeAck
	// WindowUpdate: an empty segment that changes only the window.
	WindowUpdate
	// WindowFull: data that reaches the end of the receiver's window,
	// once the window scale is known from the handshake.
	WindowFull
)

// flagNames are the tcp.analysis field names of the flags, in order.
var flagNames = [...]string{
	"retransmission", "fast_retransmission", "spurious_retransmission",
	"out_of_order", "lost_segment", "ack_lost_segment", "duplicate_ack",
	"keep_alive", "keep_alive_ack", "zero_window", "zero_window_probe",
	"zero_window_probe_ack", "window_update", "window_full",
}

// String returns the flags as their tcp.analysis field names, separated
// by spaces, or "" for none.
func (f Flags) String() string {
	var names []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, " ")
}

// Step is the part a segment plays in its connection's life, for
// colouring its note.
type Step uint8

// The steps.
const (
	Other     Step = iota // an ACK, a keepalive, a window update
	Handshake             // SYN, SYN-ACK and the ACK that opens
	Data                  // bytes sent for the first time
	Teardown              // FINs and their ACKs
	Reset                 // an RST
	Trouble               // loss, repeats, a full window
)

// Result is what an Analyzer learned about one segment.
type Result struct {
	Dir    capture.Dir // which way it travels
	Flags  Flags
	DupAck int // with DupAck: how many duplicates of this ACK so far
	Step   Step
	Note   string // plain words: what the segment means
}

// DefaultMaxConns is the number of connections an Analyzer keeps when
// Config.MaxConns is 0.
const DefaultMaxConns = 4096

// Config configures an Analyzer.
type Config struct {
	// Ports are the servers' ports, to tell the client when the SYN was
	// not captured.
	Ports []int
	// MaxConns bounds the connections kept; DefaultMaxConns when 0.
	MaxConns int
}

// Analyzer follows TCP connections segment by segment. Its methods are
// for one goroutine at a time.
type Analyzer struct {
	cfg   Config
	conns map[key]*conn
	clock uint64 // counts segments, to find the least recently active
}

// key names a connection in either direction: a is the smaller end.
type key struct{ a, b netip.AddrPort }

// half is what one direction of a connection has shown so far. The
// first two groups follow Wireshark's sequence analysis and window
// scaling; the last serves the notes.
type half struct {
	nextseq   uint32 // the highest sequence number sent, plus one
	nextKnown bool
	nextTime  time.Time // when nextseq last advanced
	maxToAck  uint32    // the end of the bytes seen without a hole
	maxKnown  bool
	lastack   uint32 // the latest acknowledgement number sent
	hasAck    bool   // lastack is set: the latest segment had ACK
	ackTime   time.Time
	window    uint16
	dupacks   int   // duplicate ACKs in a row; -1 after an unseen ACK
	lastFlags Flags // the findings of the latest segment

	scale   scale // the window scale this side announced
	shift   uint8 // with scale == scaled: the shift count
	lastSyn bool  // the latest segment was a SYN, whose window is unscaled

	isn    uint32 // the SYN's sequence number, with syn
	syn    bool   // a SYN was sent this way
	fin    bool   // a FIN was sent this way
	finSeq uint32 // the sequence number the FIN took
	sent   int64  // bytes sent for the first time
}

// conn is one connection.
type conn struct {
	client   netip.AddrPort
	h        [2]half // client to server, server to client
	synTime  time.Time
	irtt     time.Duration // the handshake's round trip, once known
	opened   bool          // the handshake's last ACK was seen
	lastSeen uint64
}

// New returns an Analyzer configured by cfg.
func New(cfg Config) *Analyzer {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	return &Analyzer{cfg: cfg, conns: make(map[key]*conn)}
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func keyOf(src, dst netip.AddrPort) key {
	if src.Compare(dst) > 0 {
		src, dst = dst, src
	}
	return key{src, dst}
}

// Analyze returns what p means, given the segments of its connection
// seen before it. A malformed packet gets a note and nothing else.
func (a *Analyzer) Analyze(p *capture.Packet) Result {
	if p.Malformed != "" {
		return Result{Dir: p.Dir, Step: Reset, Note: "malformed: " + p.Malformed}
	}
	src, dst := unmap(p.Src), unmap(p.Dst)
	k := keyOf(src, dst)
	c := a.conns[k]
	syn := p.Flags&(capture.SYN|capture.ACK) == capture.SYN
	if c == nil || syn && !(c.h[0].syn && c.client == src && c.h[0].isn == p.RawSeq) {
		c = a.start(k, src, dst, p)
	}
	a.clock++
	c.lastSeen = a.clock
	d := capture.ClientToServer
	switch {
	case p.Dir == capture.ClientToServer && src != c.client:
		c.client = src
	case p.Dir == capture.ServerToClient && dst != c.client:
		c.client = dst
	}
	if src != c.client {
		d = capture.ServerToClient
	}
	i := 0
	if d == capture.ServerToClient {
		i = 1
	}
	fwd, rev := &c.h[i], &c.h[1-i]
	r := Result{Dir: d}
	r.Flags, r.DupAck = c.sequence(fwd, rev, p)
	r.Note, r.Step = c.note(fwd, rev, p, r)
	c.learn(fwd, rev, p, r.Flags)
	return r
}

// start makes a new connection for p, which goes from src to dst,
// forgetting the least recently active half of the connections when the
// Analyzer is full.
func (a *Analyzer) start(k key, src, dst netip.AddrPort, p *capture.Packet) *conn {
	if _, ok := a.conns[k]; !ok && len(a.conns) >= a.cfg.MaxConns {
		seen := make([]uint64, 0, len(a.conns))
		for _, c := range a.conns {
			seen = append(seen, c.lastSeen)
		}
		slices.Sort(seen)
		cut := seen[len(seen)/2]
		for k, c := range a.conns {
			if c.lastSeen <= cut {
				delete(a.conns, k)
			}
		}
	}
	c := &conn{client: a.guessClient(src, dst, p)}
	a.conns[k] = c
	return c
}

// guessClient names the client of a new connection: the sender of a
// SYN, the sender of a SYN-ACK's peer, the side the capture named, the
// end whose peer is on a server port, else the end with the higher
// (ephemeral) port.
func (a *Analyzer) guessClient(src, dst netip.AddrPort, p *capture.Packet) netip.AddrPort {
	switch {
	case p.Flags&(capture.SYN|capture.ACK) == capture.SYN:
		return src
	case p.Flags&capture.SYN != 0:
		return dst
	case p.Dir == capture.ClientToServer:
		return src
	case p.Dir == capture.ServerToClient:
		return dst
	case slices.Contains(a.cfg.Ports, int(dst.Port())):
		return src
	case slices.Contains(a.cfg.Ports, int(src.Port())):
		return dst
	case src.Port() > dst.Port():
		return src
	}
	return dst
}

// scale says what the handshake told of a side's window scale.
type scale uint8

const (
	scaleUnknown scale = iota // no SYN seen
	scaleNone                 // the handshake agreed on no scaling
	scaled                    // the side's SYN announced a shift
)

// windowScale returns the window scale option of a SYN, as tshark reads
// it (at most 14), from the captured headers.
func windowScale(p *capture.Packet) (uint8, bool) {
	ip := p.IP()
	var tcp []byte
	switch {
	case len(ip) >= 20 && ip[0]>>4 == 4 && len(ip) >= int(ip[0]&0xf)*4:
		tcp = ip[int(ip[0]&0xf)*4:]
	case len(ip) >= 40 && ip[0]>>4 == 6 && ip[6] == 6:
		tcp = ip[40:]
	}
	if len(tcp) < 20 {
		return 0, false
	}
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		return 0, false
	}
	for opts := tcp[20:off]; len(opts) > 0; {
		switch kind := opts[0]; {
		case kind == 0:
			return 0, false
		case kind == 1:
			opts = opts[1:]
			continue
		case len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts):
			return 0, false
		case kind == 3 && opts[1] == 3:
			return min(opts[2], 14), true
		}
		opts = opts[opts[1]:]
	}
	return 0, false
}

// Sequence numbers compare modulo 2^32.
func lt(a, b uint32) bool { return int32(a-b) < 0 }
func gt(a, b uint32) bool { return int32(a-b) > 0 }

// Thresholds of Wireshark's analysis.
const (
	fastWindow      = 20 * time.Millisecond // a fast retransmission follows the dup ACKs within this
	defaultOutOfOrd = 3 * time.Millisecond  // out-of-order threshold without a handshake
)

// sequence applies Wireshark's sequence analysis to p, sent by fwd to
// rev, and returns its flags and duplicate-ACK count. It changes only
// the duplicate-ACK counters; learn records the rest.
func (c *conn) sequence(fwd, rev *half, p *capture.Packet) (Flags, int) {
	seq, seglen, win := p.RawSeq, uint32(p.Len), p.Window
	ack, hasAck := p.RawAck, p.Flags&capture.ACK != 0
	if !hasAck {
		ack = 0
	}
	synFinRst := p.Flags&(capture.SYN|capture.FIN|capture.RST) != 0
	sameAck := hasAck == fwd.hasAck && ack == fwd.lastack
	atNext := fwd.nextKnown && seq == fwd.nextseq
	var f Flags
	dup := 0

	// Checks that settle an empty segment end at done.
	switch {
	case seglen == 1 && atNext && rev.window == 0:
		f |= ZeroWindowProbe
		goto done
	}
	if win == 0 && !synFinRst {
		f |= ZeroWindow
	}
	if fwd.nextKnown && gt(seq, fwd.nextseq) && p.Flags&capture.RST == 0 {
		f |= LostSegment
	}
	if seglen <= 1 && fwd.nextKnown && seq == fwd.nextseq-1 && !synFinRst {
		f |= KeepAlive
	}
	if seglen == 0 && win != 0 && win != fwd.window && atNext && sameAck && !synFinRst {
		f |= WindowUpdate
	}
	if seglen > 0 && rev.scale != scaleUnknown && !synFinRst {
		shift := uint8(0)
		if rev.scale == scaled && !rev.lastSyn {
			shift = rev.shift
		}
		if seq+seglen == rev.lastack+uint32(rev.window)<<shift {
			f |= WindowFull
		}
	}
	if seglen == 0 && win != 0 && win == fwd.window && atNext && sameAck && !synFinRst {
		if rev.lastFlags&KeepAlive != 0 {
			f |= KeepAliveAck
			goto done
		}
	}
	if seglen == 0 && win == 0 && fwd.window == 0 && atNext && sameAck && !synFinRst &&
		rev.lastFlags&ZeroWindowProbe != 0 {
		f |= ZeroWindowProbeAck
		goto done
	}
	if seglen == 0 && win != 0 && win == fwd.window && atNext && sameAck && !synFinRst {
		if fwd.dupacks < 0 {
			fwd.dupacks = 1
		} else {
			fwd.dupacks++
		}
		f |= DupAck
		dup = fwd.dupacks
	}
done:
	if !sameAck {
		fwd.dupacks = 0
	}
	if rev.maxKnown && hasAck && gt(ack, rev.maxToAck) {
		// Said once until the other side speaks again.
		if rev.dupacks == 0 {
			f |= AckedUnseen
		}
		rev.dupacks = -1
		rev.maxToAck = rev.nextseq
	}
	if (seglen > 0 || p.Flags&(capture.SYN|capture.FIN) != 0) && f&KeepAlive == 0 {
		back := fwd.nextKnown && lt(seq, fwd.nextseq)
		if seglen > 1 && fwd.nextKnown && fwd.nextseq-1 == seq {
			back = false // new data after a probe's byte
		}
		end := seq + seglen
		if p.Flags&(capture.SYN|capture.FIN) != 0 {
			end++
		}
		threshold := defaultOutOfOrd
		if c.irtt > 0 {
			threshold = c.irtt
		}
		switch {
		case seglen > 0 && rev.hasAck && rev.lastack != 0 && !gt(seq+seglen, rev.lastack):
			f |= SpuriousRetransmission
		case back && rev.dupacks >= 2 && rev.lastack == seq && p.Time.Sub(rev.ackTime) < fastWindow:
			f |= FastRetransmission
		case back && p.Time.Sub(fwd.nextTime) < threshold && fwd.nextseq != end:
			f |= OutOfOrder
		case back:
			f |= Retransmission
		}
	}
	return f, dup
}

// learn records p, sent by fwd to rev, once sequence found its flags f.
func (c *conn) learn(fwd, rev *half, p *capture.Packet, f Flags) {
	seq, seglen := p.RawSeq, uint32(p.Len)
	next := seq + seglen
	if p.Flags&(capture.SYN|capture.FIN) != 0 {
		next++
	}
	// A window probe's byte does not count as sent: it is sent again.
	probe := f&ZeroWindowProbe != 0
	if !probe && (!fwd.nextKnown || gt(next, fwd.nextseq)) {
		if fwd.nextKnown && seglen > 0 {
			fwd.sent += int64(next - max32(seq, fwd.nextseq, fwd.nextKnown))
		} else {
			fwd.sent += int64(seglen)
		}
		fwd.nextseq, fwd.nextKnown, fwd.nextTime = next, true, p.Time
	}
	if !probe && (!fwd.maxKnown || seq == fwd.maxToAck) {
		fwd.maxToAck, fwd.maxKnown = fwd.nextseq, true
	}
	fwd.window = p.Window
	fwd.hasAck = p.Flags&capture.ACK != 0
	fwd.lastack = 0
	if fwd.hasAck {
		fwd.lastack = p.RawAck
	}
	fwd.ackTime = p.Time
	fwd.lastFlags = f
	fwd.lastSyn = p.Flags&capture.SYN != 0
	if fwd.lastSyn {
		// As Wireshark settles the scale: a SYN without the option
		// means no scaling either way; a SYN-ACK without it, after a
		// SYN with it, too.
		if n, ok := windowScale(p); ok {
			fwd.scale, fwd.shift = scaled, n
		}
		switch {
		case fwd.scale == scaleUnknown:
			fwd.scale, rev.scale = scaleNone, scaleNone
		case p.Flags&capture.ACK != 0 && rev.scale == scaleNone:
			fwd.scale = scaleNone
		}
	}
	switch {
	case p.Flags&(capture.SYN|capture.ACK) == capture.SYN:
		fwd.syn, fwd.isn = true, seq
		c.synTime = p.Time
	case p.Flags&capture.SYN != 0:
		fwd.syn, fwd.isn = true, seq
	case !c.opened && rev.syn && fwd.syn && fwd.hasAck && p.RawAck == rev.isn+1:
		c.opened = true
		if !c.synTime.IsZero() {
			c.irtt = p.Time.Sub(c.synTime)
		}
	}
	if p.Flags&capture.FIN != 0 && !fwd.fin {
		fwd.fin, fwd.finSeq = true, seq+seglen
	}
}

// max32 returns the later of a and b in sequence space, or a when b is
// not known.
func max32(a, b uint32, known bool) uint32 {
	if known && gt(b, a) {
		return b
	}
	return a
}
