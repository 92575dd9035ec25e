package capture

import (
	"net/netip"
	"strconv"
)

// flagText is tcpdump's way of writing TCP flags: one letter each, and a
// dot for ACK, in tcpdump's order.
var flagText = [...]struct {
	f Flags
	c byte
}{{FIN, 'F'}, {SYN, 'S'}, {RST, 'R'}, {PSH, 'P'}, {ACK, '.'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'W'}}

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
// newline and without the word IP, with the sequence numbers relative
// to each side's first (SYN included), which the packet carries:
//
//	15:04:05.000000 127.0.0.1.50412 > 127.0.0.1.3008: Flags [S], seq 0, win 65495, length 0
//
// A segment with data shows the range it carries (seq 1:6). The time is
// printed in p.Time's location. It does not allocate when dst has room.
// A Printer writes lines exactly as tcpdump does.
func AppendLine(dst []byte, p *Packet) []byte {
	dst = p.Time.AppendFormat(dst, "15:04:05.000000")
	dst = append(dst, ' ')
	if p.Malformed != "" {
		return appendMalformed(dst, p)
	}
	dst = appendEndpoint(dst, p.Src)
	dst = append(dst, " > "...)
	dst = appendEndpoint(dst, p.Dst)
	dst = append(dst, ": Flags "...)
	dst = AppendFlags(dst, p.Flags)
	dst = appendNumbers(dst, p, p.Seq, p.Ack)
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
//
// Each row starts with a tab. Offsets take four hex digits, and more
// past 0xffff, so they never wrap. Bytes outside printable ASCII, and
// spaces, show as dots, as in tcpdump.
func AppendHex(dst, b []byte) []byte { return appendDump(dst, b, true) }

// AppendHexOnly appends the dump of AppendHex without the ASCII column,
// as tcpdump -x prints it.
func AppendHexOnly(dst, b []byte) []byte { return appendDump(dst, b, false) }

func appendDump(dst, b []byte, ascii bool) []byte {
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		dst = append(dst, "\t0x"...)
		dst = appendHexDigits(dst, uint64(off), 4)
		dst = append(dst, ": "...)
		for i := 0; i < 16; i++ {
			if i%2 == 0 {
				dst = append(dst, ' ')
			}
			if i < len(row) {
				dst = appendHexDigits(dst, uint64(row[i]), 2)
			} else if ascii {
				dst = append(dst, ' ', ' ')
			}
		}
		if ascii {
			dst = append(dst, ' ', ' ')
			for _, c := range row {
				if c <= ' ' || c > '~' { // as tcpdump: no space either
					c = '.'
				}
				dst = append(dst, c)
			}
		} else {
			// tcpdump -x ends a short row after its last byte.
			for len(dst) > 0 && dst[len(dst)-1] == ' ' {
				dst = dst[:len(dst)-1]
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// Hex returns the dump AppendHex makes.
func Hex(b []byte) string { return string(AppendHex(nil, b)) }
