package capture

import (
	"encoding/binary"
	"strconv"
)

// appendIPVerbose writes what tcpdump -v shows of an IP header: for
// IPv4 a parenthesis, then a line break, as tcpdump puts the TCP part
// on a line of its own; for IPv6 a parenthesis on the same line.
//
//	(tos 0x0, ttl 64, id 63460, offset 0, flags [DF], proto TCP (6), length 60)
//	(flowlabel 0xab57a, hlim 64, next-header TCP (6) payload length: 40)
func appendIPVerbose(dst, ip []byte) []byte {
	if len(ip) >= 20 && ip[0]>>4 == 4 {
		dst = append(dst, "(tos 0x"...)
		dst = strconv.AppendUint(dst, uint64(ip[1]), 16)
		switch ip[1] & 3 {
		case 1:
			dst = append(dst, ",ECT(1)"...)
		case 2:
			dst = append(dst, ",ECT(0)"...)
		case 3:
			dst = append(dst, ",CE"...)
		}
		dst = append(dst, ", ttl "...)
		dst = strconv.AppendUint(dst, uint64(ip[8]), 10)
		dst = append(dst, ", id "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ip[4:6])), 10)
		frag := binary.BigEndian.Uint16(ip[6:8])
		dst = append(dst, ", offset "...)
		dst = strconv.AppendUint(dst, uint64(frag&0x1fff)*8, 10)
		dst = append(dst, ", flags ["...)
		dst = appendFragFlags(dst, frag)
		dst = append(dst, "], proto TCP (6), length "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ip[2:4])), 10)
		hdr := max(20, min(int(ip[0]&0xf)*4, len(ip)))
		if sum := foldSum(addSum(0, ip[:hdr])); sum != 0xffff {
			stored := binary.BigEndian.Uint16(ip[10:12])
			dst = append(dst, ", bad cksum "...)
			dst = strconv.AppendUint(dst, uint64(stored), 16)
			dst = append(dst, " (->"...)
			dst = strconv.AppendUint(dst, uint64(^foldSum(addSum(0, ip[:10])+addSum(0, ip[12:hdr]))), 16)
			dst = append(dst, ")!"...)
		}
		return append(dst, ")\n    "...)
	}
	if len(ip) >= 40 {
		flow := binary.BigEndian.Uint32(ip[0:4])
		dst = append(dst, '(')
		if class := flow >> 20 & 0xff; class != 0 {
			dst = append(dst, "class 0x"...)
			dst = appendHexDigits(dst, uint64(class), 2)
			dst = append(dst, ", "...)
		}
		if label := flow & 0xfffff; label != 0 {
			dst = append(dst, "flowlabel 0x"...)
			dst = appendHexDigits(dst, uint64(label), 5)
			dst = append(dst, ", "...)
		}
		dst = append(dst, "hlim "...)
		dst = strconv.AppendUint(dst, uint64(ip[7]), 10)
		dst = append(dst, ", next-header TCP (6) payload length: "...)
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(ip[4:6])), 10)
		return append(dst, ") "...)
	}
	return dst
}

// appendFragFlags writes the IPv4 fragment flags as tcpdump does:
// "DF", "+" for more fragments, "none" for neither.
func appendFragFlags(dst []byte, frag uint16) []byte {
	n := len(dst)
	for _, f := range [...]struct {
		bit  uint16
		name string
	}{{0x2000, "+"}, {0x4000, "DF"}, {0x8000, "rsvd"}} {
		if frag&f.bit != 0 {
			if len(dst) > n {
				dst = append(dst, ", "...)
			}
			dst = append(dst, f.name...)
		}
	}
	if len(dst) == n {
		dst = append(dst, "none"...)
	}
	return dst
}

// appendChecksum writes the TCP checksum as tcpdump -v does: ", cksum
// 0xfe30 (correct)", or "(incorrect -> 0x4835)" with the right one. On
// loopback most are incorrect: the kernel leaves them to a network card
// that never sees them. A segment not captured whole gets none.
func appendChecksum(dst []byte, p *Packet, ip []byte) []byte {
	var sum uint32
	var n int
	switch {
	case len(ip) >= 20 && ip[0]>>4 == 4:
		n = int(binary.BigEndian.Uint16(ip[2:4])) - int(ip[0]&0xf)*4
		sum = addSum(0, ip[12:20])
	case len(ip) < 40:
		return dst
	default:
		n = int(binary.BigEndian.Uint16(ip[4:6])) - (len(ip) - 40)
		sum = addSum(0, ip[8:40])
	}
	if n < 20 || p.tcpOff+n > len(p.Frame) {
		return dst
	}
	seg := p.Frame[p.tcpOff : p.tcpOff+n]
	sum += 6 + uint32(n)
	sum = addSum(sum, seg[:16]) + addSum(0, seg[18:])
	good := ^foldSum(sum)
	stored := binary.BigEndian.Uint16(seg[16:18])
	dst = append(dst, ", cksum 0x"...)
	dst = appendHexDigits(dst, uint64(stored), 4)
	if stored == good {
		return append(dst, " (correct)"...)
	}
	dst = append(dst, " (incorrect -> 0x"...)
	dst = appendHexDigits(dst, uint64(good), 4)
	return append(dst, ')')
}

// addSum adds b to the Internet checksum sum, as 16-bit big-endian
// words; an odd last byte is padded with a zero.
func addSum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

// foldSum folds the carries of a checksum into its 16 bits.
func foldSum(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// The TCP options tcpdump names.
const (
	optEOL       = 0
	optNOP       = 1
	optMSS       = 2
	optWScale    = 3
	optSACKOK    = 4
	optSACK      = 5
	optTimestamp = 8
)

// appendOptions writes a TCP header's options as tcpdump does:
// ", options [mss 65495,sackOK,TS val 1 ecr 0,nop,wscale 10]". SACK
// blocks count from sackBase, as the ack does.
func appendOptions(dst, opts []byte, sackBase uint32) []byte {
	dst = append(dst, ", options ["...)
	for i := 0; len(opts) > 0; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		kind := opts[0]
		if kind == optEOL || kind == optNOP {
			if kind == optEOL {
				dst = append(dst, "eol"...)
			} else {
				dst = append(dst, "nop"...)
			}
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			dst = append(dst, "bad opt"...)
			break
		}
		data := opts[2:opts[1]]
		opts = opts[opts[1]:]
		switch {
		case kind == optMSS && len(data) == 2:
			dst = append(dst, "mss "...)
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint16(data)), 10)
		case kind == optWScale && len(data) == 1:
			dst = append(dst, "wscale "...)
			dst = strconv.AppendUint(dst, uint64(data[0]), 10)
		case kind == optSACKOK && len(data) == 0:
			dst = append(dst, "sackOK"...)
		case kind == optSACK && len(data)%8 == 0:
			dst = append(dst, "sack "...)
			dst = strconv.AppendUint(dst, uint64(len(data)/8), 10)
			dst = append(dst, ' ')
			for ; len(data) >= 8; data = data[8:] {
				dst = append(dst, '{')
				dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(data)-sackBase), 10)
				dst = append(dst, ':')
				dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(data[4:])-sackBase), 10)
				dst = append(dst, '}')
			}
		case kind == optTimestamp && len(data) == 8:
			dst = append(dst, "TS val "...)
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(data)), 10)
			dst = append(dst, " ecr "...)
			dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(data[4:])), 10)
		default:
			dst = append(dst, "unknown-"...)
			dst = strconv.AppendUint(dst, uint64(kind), 10)
			if len(data) > 0 {
				dst = append(dst, " 0x"...)
				for _, c := range data {
					dst = appendHexDigits(dst, uint64(c), 2)
				}
			}
		}
	}
	return append(dst, ']')
}

// appendHexDigits writes v in lower-case hex with at least width
// digits, and more when v needs them: offsets never wrap.
func appendHexDigits(dst []byte, v uint64, width int) []byte {
	return appendDigits(dst, v, 16, width)
}
