package capture

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// TimeFormat says how a Printer writes each packet's time, as tcpdump's
// -t options do.
type TimeFormat uint8

// The time formats, named after the tcpdump option that asks for each.
const (
	TimeOfDay   TimeFormat = iota // 15:04:05.000000, tcpdump's default
	TimeNone                      // -t: no time
	TimeUnix                      // -tt: seconds since 1970, 1796396228.529583
	TimeDelta                     // -ttt: since the packet before,  00:00:00.000016
	TimeOfDate                    // -tttt: 2026-12-04 15:04:05.000000
	timeFormats                   // how many there are
)

// PrintOptions are a tcpdump user's habits: what a Printer shows of
// each packet besides its TCP header.
type PrintOptions struct {
	Time     TimeFormat
	Absolute bool // -S: sequence numbers as on the wire
	Link     bool // -e: the link-level header
	Verbose  bool // -v: IP id, ttl and the rest, checksums, TCP options
}

// Printer writes packets as tcpdump prints them, line by line. Like
// tcpdump it remembers what lines depend on: the time of the packet
// before (-ttt) and the first sequence numbers of each connection, so
// that a SYN and a SYN-ACK (or the first packet seen of a connection)
// show the numbers on the wire and later packets show them relative to
// those.
// It remembers at most maxFlows connections, and starts again empty when
// it has seen more. A Printer is used by one goroutine at a time.
type Printer struct {
	opt   PrintOptions
	prev  time.Time
	seqs  map[seqKey]seqBase
	names map[uint32]string // interface names by index, for LINUX_SLL2
}

// seqKey names a connection in one orientation, as tcpdump orders it:
// the lower port first, or the lower address when the ports are equal.
type seqKey struct {
	a, b netip.AddrPort
}

// seqBase holds the numbers a connection's relative numbers count
// from: those of the side a (seq) and of the side b (ack).
type seqBase struct{ seq, ack uint32 }

// NewPrinter returns a Printer with the given options.
func NewPrinter(opt PrintOptions) *Printer {
	if opt.Time >= timeFormats {
		opt.Time = TimeOfDay
	}
	return &Printer{opt: opt, seqs: make(map[seqKey]seqBase), names: make(map[uint32]string)}
}

// AppendLine appends p as tcpdump prints it, without a final newline
// (with -v, an IPv4 packet takes two lines, as in tcpdump):
//
//	15:04:05.000000 IP 127.0.0.1.50412 > 127.0.0.1.3008: Flags [S], seq 3804923597, win 65495, length 0
//
// TCP options are shown with -v only. It does not allocate when dst has
// room, apart from naming a LINUX_SLL2 interface the first time.
func (pr *Printer) AppendLine(dst []byte, p *Packet) []byte {
	dst = pr.appendTime(dst, p.Time)
	if p.Malformed != "" {
		return appendMalformed(dst, p)
	}
	ip := p.ipHeader()
	dst = pr.appendLink(dst, p)
	if !pr.opt.Link {
		// With -e, the link header says what follows instead.
		if p.Src.Addr().Is4() {
			dst = append(dst, "IP "...)
		} else {
			dst = append(dst, "IP6 "...)
		}
	}
	if pr.opt.Verbose && ip != nil {
		dst = appendIPVerbose(dst, ip)
	}
	seq, ack, sackBase := pr.numbers(p)
	dst = appendEndpoint(dst, p.Src)
	dst = append(dst, " > "...)
	dst = appendEndpoint(dst, p.Dst)
	dst = append(dst, ": Flags "...)
	dst = AppendFlags(dst, p.Flags)
	tcp := p.tcpHeader()
	if pr.opt.Verbose && ip != nil && tcp != nil {
		dst = appendChecksum(dst, p, ip)
	}
	dst = appendNumbers(dst, p, seq, ack)
	if p.Flags&URG != 0 && tcp != nil {
		dst = append(dst, ", urg "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(tcp[18:20])), 10)
	}
	if pr.opt.Verbose && len(tcp) > 20 {
		dst = appendOptions(dst, tcp[20:], sackBase)
	}
	dst = append(dst, ", length "...)
	dst = strconv.AppendInt(dst, int64(p.Len), 10)
	if pr.opt.Verbose && p.Flags&RST != 0 && len(p.Payload) > 0 {
		dst = appendResetData(dst, p.Payload)
	}
	return dst
}

// appendResetData writes the data an RST carries, as tcpdump -v does:
// " [RST hello^J]", at most 30 bytes ("[RST+" when there are more),
// control characters as ^J, bytes past ASCII as M- and their ASCII.
func appendResetData(dst, data []byte) []byte {
	dst = append(dst, " [RST"...)
	if len(data) > 30 {
		data = data[:30]
		dst = append(dst, '+')
	}
	dst = append(dst, ' ')
	for _, c := range data {
		if c > 0x7f {
			c &= 0x7f
			dst = append(dst, "M-"...)
		}
		if c < ' ' || c == 0x7f {
			c ^= 0x40
			dst = append(dst, '^')
		}
		dst = append(dst, c)
	}
	return append(dst, ']')
}

// numbers returns the sequence and acknowledgement numbers to print,
// and what SACK blocks count from, as tcpdump works them out: a packet
// without ACK, and the first with ACK of a connection or with SYN,
// shows the numbers on the wire; later packets count from the latter.
func (pr *Printer) numbers(p *Packet) (seq, ack, sackBase uint32) {
	seq, ack = p.RawSeq, p.RawAck
	if pr.opt.Absolute || p.Flags&ACK == 0 {
		// tcpdump starts counting at the first packet with ACK: a
		// SYN, the first packet of a connection, has none.
		return seq, ack, 0
	}
	key, rev := seqKey{p.Src, p.Dst}, false
	if p.Src.Port() > p.Dst.Port() ||
		p.Src.Port() == p.Dst.Port() && p.Src.Addr().Compare(p.Dst.Addr()) > 0 {
		key, rev = seqKey{p.Dst, p.Src}, true
	}
	base, seen := pr.seqs[key]
	if !seen || p.Flags&SYN != 0 {
		// A new connection: its numbers print as they are, and those
		// of later packets count from them.
		if rev {
			base = seqBase{seq: ack - 1, ack: seq}
		} else {
			base = seqBase{seq: seq, ack: ack - 1}
		}
		if len(pr.seqs) >= maxFlows {
			clear(pr.seqs)
		}
		pr.seqs[key] = base
		if rev {
			return seq, ack, base.seq
		}
		return seq, ack, base.ack
	}
	if rev {
		return seq - base.ack, ack - base.seq, base.seq
	}
	return seq - base.seq, ack - base.ack, base.ack
}

// appendNumbers writes seq, ack and win as tcpdump does: seq when the
// segment carries data or SYN, FIN or RST, with the range of the data;
// ack when ACK is set.
func appendNumbers(dst []byte, p *Packet, seq, ack uint32) []byte {
	if p.Len > 0 || p.Flags&(SYN|FIN|RST) != 0 {
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(seq), 10)
		if p.Len > 0 {
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(seq+uint32(p.Len)), 10)
		}
	}
	if p.Flags&ACK != 0 {
		dst = append(dst, ", ack "...)
		dst = strconv.AppendUint(dst, uint64(ack), 10)
	}
	dst = append(dst, ", win "...)
	return strconv.AppendUint(dst, uint64(p.Window), 10)
}

// appendTime writes t in the printer's time format, then a space.
func (pr *Printer) appendTime(dst []byte, t time.Time) []byte {
	switch pr.opt.Time {
	case TimeNone:
		return dst
	case TimeUnix:
		dst = strconv.AppendInt(dst, t.Unix(), 10)
		dst = append(dst, '.')
		dst = appendPadded(dst, uint64(t.Nanosecond()/1000), 6)
	case TimeDelta:
		// tcpdump subtracts times cut to the microsecond.
		t = t.Truncate(time.Microsecond)
		d := time.Duration(0)
		if !pr.prev.IsZero() {
			d = t.Sub(pr.prev)
		}
		pr.prev = t
		sign := byte(' ')
		if d < 0 {
			sign, d = '-', -d
		}
		us := uint64(d / time.Microsecond)
		dst = append(dst, sign)
		dst = appendPadded(dst, us/3600e6, 2)
		dst = append(dst, ':')
		dst = appendPadded(dst, us/60e6%60, 2)
		dst = append(dst, ':')
		dst = appendPadded(dst, us/1e6%60, 2)
		dst = append(dst, '.')
		dst = appendPadded(dst, us%1e6, 6)
	case TimeOfDate:
		dst = t.AppendFormat(dst, "2006-01-02 15:04:05.000000")
	default:
		dst = t.AppendFormat(dst, "15:04:05.000000")
	}
	return append(dst, ' ')
}

// appendPadded writes v in decimal with at least width digits.
func appendPadded(dst []byte, v uint64, width int) []byte {
	return appendDigits(dst, v, 10, width)
}

// appendDigits writes v in base (lower-case letters past 9) with at
// least width digits, and more when v needs them: offsets never wrap.
func appendDigits(dst []byte, v uint64, base, width int) []byte {
	var b [64]byte
	s := strconv.AppendUint(b[:0], v, base)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendMalformed writes a frame that could not be decoded.
func appendMalformed(dst []byte, p *Packet) []byte {
	if p.Src.Addr().IsValid() {
		// The ports are known only if the TCP header was read.
		dst = appendMaybePort(dst, p.Src)
		dst = append(dst, " > "...)
		dst = appendMaybePort(dst, p.Dst)
		dst = append(dst, ": "...)
	}
	dst = append(dst, "malformed frame of "...)
	dst = strconv.AppendInt(dst, int64(p.WireLen), 10)
	dst = append(dst, " bytes: "...)
	return append(dst, p.Malformed...)
}

// ipHeader returns the captured IP header of p, or nil when p was not
// decoded from a frame.
func (p *Packet) ipHeader() []byte {
	// A decoded TCP header never starts at 0; a packet built by hand
	// has no offsets.
	if p.Frame == nil || p.tcpOff <= 0 || p.tcpOff > len(p.Frame) || p.netOff >= p.tcpOff {
		return nil
	}
	return p.Frame[p.netOff:p.tcpOff]
}

// tcpHeader returns the captured TCP header of p, options included, or
// nil when p was not decoded from a frame.
func (p *Packet) tcpHeader() []byte {
	if p.Frame == nil || p.tcpOff <= 0 || p.payloadOff > len(p.Frame) || p.payloadOff-p.tcpOff < 20 {
		return nil
	}
	return p.Frame[p.tcpOff:p.payloadOff]
}

// IP returns the captured IP packet that carried p, headers included,
// as tcpdump -x shows it; nil when p was not decoded from a frame.
func (p *Packet) IP() []byte {
	if p.ipHeader() == nil {
		return nil
	}
	return p.Frame[p.netOff:]
}

// appendLink writes what -e shows of the link-level header, and for
// LINUX_SLL2 the interface and direction that tcpdump always shows.
func (pr *Printer) appendLink(dst []byte, p *Packet) []byte {
	h := p.Frame[:min(p.netOff, len(p.Frame))]
	switch {
	case p.Link == LinkLinuxSLL2 && len(h) >= sll2Len:
		dst = appendLeft(dst, pr.ifName(binary.BigEndian.Uint32(h[4:8])), 5)
		dst = append(dst, ' ')
		dst = appendLeft(dst, pktType(h[10]), 3)
		dst = append(dst, ' ')
		if !pr.opt.Link {
			return dst
		}
		dst = append(dst, "ifindex "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(h[4:8])), 10)
		dst = append(dst, ' ')
		dst = appendLinkAddr(dst, h[12:20], int(h[11]))
		dst = append(dst, ' ')
		return appendEthertype(dst, binary.BigEndian.Uint16(h[0:2]), p.WireLen)
	case !pr.opt.Link:
		return dst
	case p.Link == LinkRaw || p.Link == LinkIPv4 || p.Link == LinkIPv6 ||
		p.Link == linkRawBSD || p.Link == linkRawOld:
		return append(dst, "ip: "...)
	case p.Link == LinkEthernet && len(h) >= 14:
		dst = appendLinkAddr(dst, h[6:12], 6)
		dst = append(dst, " > "...)
		dst = appendLinkAddr(dst, h[0:6], 6)
		dst = append(dst, ", "...)
		return appendEthertype(dst, binary.BigEndian.Uint16(h[len(h)-2:]), p.WireLen)
	case p.Link == LinkLinuxSLL && len(h) >= 16:
		t := pktType(h[1])
		for i := len(t); i < 3; i++ {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
		dst = append(dst, ' ')
		dst = appendLinkAddr(dst, h[6:14], int(binary.BigEndian.Uint16(h[4:6])))
		dst = append(dst, ' ')
		return appendEthertype(dst, binary.BigEndian.Uint16(h[14:16]), p.WireLen)
	case (p.Link == LinkNull || p.Link == LinkLoop) && len(h) >= 4:
		af := binary.NativeEndian.Uint32(h)
		if p.Link == LinkLoop {
			af = binary.BigEndian.Uint32(h)
		}
		dst = append(dst, "AF "...)
		if p.Src.Addr().Is4() {
			dst = append(dst, "IPv4 ("...)
		} else {
			dst = append(dst, "IPv6 ("...)
		}
		dst = strconv.AppendUint(dst, uint64(af), 10)
		dst = append(dst, "), length "...)
		dst = strconv.AppendInt(dst, int64(p.WireLen), 10)
		return append(dst, ": "...)
	}
	return dst
}

// appendEthertype writes "ethertype IPv4 (0x0800), length 74: ".
func appendEthertype(dst []byte, typ uint16, wire int) []byte {
	dst = append(dst, "ethertype "...)
	switch typ {
	case 0x0800:
		dst = append(dst, "IPv4"...)
	case 0x86dd:
		dst = append(dst, "IPv6"...)
	default:
		dst = append(dst, "Unknown"...)
	}
	dst = append(dst, " (0x"...)
	dst = appendHexDigits(dst, uint64(typ), 4)
	dst = append(dst, "), length "...)
	dst = strconv.AppendInt(dst, int64(wire), 10)
	return append(dst, ": "...)
}

// appendLinkAddr writes a link-level address of n bytes (at most those
// of a) as tcpdump does: 00:00:00:00:00:00.
func appendLinkAddr(dst, a []byte, n int) []byte {
	for i, c := range a[:min(n, len(a))] {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = appendHexDigits(dst, uint64(c), 2)
	}
	return dst
}

// pktType names a Linux packet type (PACKET_HOST, …) as tcpdump does.
func pktType(t byte) string {
	switch t {
	case 0:
		return "In"
	case 1:
		return "B"
	case 2:
		return "M"
	case 3:
		return "P"
	case 4:
		return "Out"
	}
	return "?"
}

// appendLeft writes s padded with spaces to width, like %-5s.
func appendLeft(dst []byte, s string, width int) []byte {
	dst = append(dst, s...)
	for i := len(s); i < width; i++ {
		dst = append(dst, ' ')
	}
	return dst
}

// ifName names the interface of an index on this machine, as tcpdump
// does (and warns that the capture may come from another machine), or
// "?" when no interface has it.
func (pr *Printer) ifName(index uint32) string {
	if name, ok := pr.names[index]; ok {
		return name
	}
	name := "?"
	if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
		name = ifi.Name
	}
	if len(pr.names) < 256 {
		pr.names[index] = name
	}
	return name
}
