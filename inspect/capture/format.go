package capture

import (
	"net/netip"
	"strconv"
)

// flagText is tcpdump's way of writing TCP flags: one letter each, and a
// dot for ACK.
var flagText = [...]struct {
	f Flags
	c byte
}{{FIN, 'F'}, {SYN, 'S'}, {RST, 'R'}, {PSH, 'P'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'W'}, {ACK, '.'}}

// AppendFlags appends the flags in tcpdump's notation, such as "[S.]".
func AppendFlags(dst []byte, f Flags) []byte {
	dst = append(dst, '[')
	for _, t := range flagText {
		if f&t.f != 0 {
			dst = append(dst, t.c)
		}
	}
	if f == 0 {
		dst = append(dst, "none"...)
	}
	return append(dst, ']')
}

// String returns the flags in tcpdump's notation, such as "[P.]".
func (f Flags) String() string { return string(AppendFlags(nil, f)) }

// AppendLine appends p as one line in tcpdump's style, without a
// newline:
//
//	15:04:05.000000 127.0.0.1.50412 > 127.0.0.1.3008: Flags [S], seq 0, win 65495, length 0
//
// Sequence numbers are relative; a segment with data shows the range it
// carries (seq 1:6). The time is printed in p.Time's location. It does
// not allocate when dst has room.
func AppendLine(dst []byte, p *Packet) []byte {
	dst = p.Time.AppendFormat(dst, "15:04:05.000000")
	dst = append(dst, ' ')
	if p.Malformed != "" {
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
	dst = appendEndpoint(dst, p.Src)
	dst = append(dst, " > "...)
	dst = appendEndpoint(dst, p.Dst)
	dst = append(dst, ": Flags "...)
	dst = AppendFlags(dst, p.Flags)
	if p.Len > 0 {
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(p.Seq), 10)
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(p.Seq+uint32(p.Len)), 10)
	} else if p.Flags&(SYN|FIN|RST) != 0 || p.Flags&ACK == 0 {
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(p.Seq), 10)
	}
	if p.Flags&ACK != 0 {
		dst = append(dst, ", ack "...)
		dst = strconv.AppendUint(dst, uint64(p.Ack), 10)
	}
	dst = append(dst, ", win "...)
	dst = strconv.AppendUint(dst, uint64(p.Window), 10)
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(p.Len), 10)
}

// Line returns p formatted by AppendLine.
func Line(p *Packet) string { return string(AppendLine(make([]byte, 0, 128), p)) }

// appendEndpoint writes an address and port as tcpdump does, joined by
// a dot: 127.0.0.1.3008, ::1.3008.
func appendEndpoint(dst []byte, ap netip.AddrPort) []byte {
	dst = ap.Addr().AppendTo(dst)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, uint64(ap.Port()), 10)
}

func appendMaybePort(dst []byte, ap netip.AddrPort) []byte {
	if ap.Port() == 0 {
		return ap.Addr().AppendTo(dst)
	}
	return appendEndpoint(dst, ap)
}

// Describe returns a plain-words note for the handshake and teardown
// steps, or "" for other segments:
//
//	SYN: client asks to open
//	SYN-ACK: server agrees
//	ACK: handshake done
//	FIN: no more data from this side
//	RST: connection reset
//
// "handshake done" is recognised from relative numbers alone: the first
// empty ACK, with seq 1 and ack 1.
func Describe(p *Packet) string {
	switch {
	case p.Malformed != "":
		return "malformed: " + p.Malformed
	case p.Flags&RST != 0:
		return "RST: connection reset"
	case p.Flags&SYN != 0 && p.Flags&ACK == 0:
		return "SYN: client asks to open"
	case p.Flags&SYN != 0:
		return "SYN-ACK: server agrees"
	case p.Flags&FIN != 0:
		return "FIN: no more data from this side"
	case p.Flags == ACK && p.Len == 0 && p.Seq == 1 && p.Ack == 1:
		return "ACK: handshake done"
	}
	return ""
}

// AppendHex appends a hex and ASCII dump of b, 16 bytes a row, in the
// style of tcpdump -X, each row ending in a newline:
//
//	0x0000:  6865 6c6c 6f0a                           hello.
func AppendHex(dst, b []byte) []byte {
	const digits = "0123456789abcdef"
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		dst = append(dst, "\t0x"...)
		for shift := 12; shift >= 0; shift -= 4 {
			dst = append(dst, digits[off>>shift&0xf])
		}
		dst = append(dst, ": "...)
		for i := 0; i < 16; i++ {
			if i%2 == 0 {
				dst = append(dst, ' ')
			}
			if i < len(row) {
				dst = append(dst, digits[row[i]>>4], digits[row[i]&0xf])
			} else {
				dst = append(dst, ' ', ' ')
			}
		}
		dst = append(dst, ' ', ' ')
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			dst = append(dst, c)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// Hex returns the dump AppendHex makes.
func Hex(b []byte) string { return string(AppendHex(nil, b)) }
