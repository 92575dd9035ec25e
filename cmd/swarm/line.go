package main

import (
	"bytes"
	"strconv"
)

// A swarm line is what a sending client writes, one per "\n":
//
//	sw<run> <sender> <seq> <t> <sum> <pad>
//
// run is six hex digits that tell this run's lines from anyone else's;
// sender is the sender's index (or "p" and a client index for a settle
// probe); seq counts that sender's lines from 0; t is the send time in
// nanoseconds since swarm started; sum is the FNV-1a hash of everything
// before it, in eight hex digits; pad is a fixed pattern that makes the
// whole line, newline included, exactly size bytes. The receiver checks
// the hash and compares the pad with the pattern, so a changed, cut or
// lengthened line is caught without hashing the pad byte by byte.

// minSize is the smallest -size that fits the longest header.
const minSize = 64

// maxSize is the largest -size swarm accepts: far above the protocol's
// 4096-byte limit, to try a server's handling of long lines, but small
// enough for every client to buffer one whole.
const maxSize = 64 << 10

// kind is what parse found in a chat payload.
type kind uint8

const (
	kindLine    kind = iota // a valid line from one of this run's senders
	kindProbe               // a valid settle probe
	kindForeign             // not this run's: another program's chat
	kindCorrupt             // this run's tag, but the line was changed
)

// codec builds and checks the lines of one run.
type codec struct {
	run  [6]byte
	size int    // bytes per line, newline included
	pad  []byte // the pad pattern, size bytes long
}

func newCodec(run uint32, size int) *codec {
	c := &codec{size: size, pad: make([]byte, size)}
	const hex = "0123456789abcdef"
	for i := range c.run {
		c.run[i] = hex[run>>(20-4*i)&0xf]
	}
	for i := range c.pad {
		c.pad[i] = 'a' + byte(i%26)
	}
	return c
}

// appendLine appends one line from sender (or, for a probe, from client
// -1-sender) to dst.
func (c *codec) appendLine(dst []byte, sender, seq int, t int64) []byte {
	start := len(dst)
	dst = append(dst, 's', 'w')
	dst = append(dst, c.run[:]...)
	dst = append(dst, ' ')
	if sender < 0 {
		dst = append(dst, 'p')
		sender = -1 - sender
	}
	dst = strconv.AppendUint(dst, uint64(sender), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(seq), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, t, 10)
	sum := fnv32(dst[start:])
	dst = append(dst, ' ')
	for i := 28; i >= 0; i -= 4 {
		dst = append(dst, "0123456789abcdef"[sum>>i&0xf])
	}
	dst = append(dst, ' ')
	if n := c.size - 1 - (len(dst) - start); n > 0 {
		dst = append(dst, c.pad[:n]...)
	}
	return append(dst, '\n')
}

// parse checks a chat payload (the text after "User N: ", without the
// newline). For kindLine it returns the sender, for kindProbe the probing
// client; seq and t as sent.
func (c *codec) parse(p []byte) (k kind, sender, seq int, t int64) {
	if len(p) < 9 || p[0] != 's' || p[1] != 'w' || p[8] != ' ' {
		return kindForeign, 0, 0, 0
	}
	if !bytes.Equal(p[2:8], c.run[:]) {
		return kindForeign, 0, 0, 0
	}
	if len(p) != c.size-1 {
		return kindCorrupt, 0, 0, 0
	}
	i := 9
	k = kindLine
	if p[i] == 'p' {
		k = kindProbe
		i++
	}
	var ok bool
	var v uint64
	if v, i, ok = number(p, i, ' '); !ok {
		return kindCorrupt, 0, 0, 0
	}
	sender = int(v)
	if v, i, ok = number(p, i, ' '); !ok {
		return kindCorrupt, 0, 0, 0
	}
	seq = int(v)
	if v, i, ok = number(p, i, ' '); !ok {
		return kindCorrupt, 0, 0, 0
	}
	t = int64(v)
	end := i - 1 // the space before the sum
	if i+9 > len(p) || p[i+8] != ' ' {
		return kindCorrupt, 0, 0, 0
	}
	var sum uint32
	for _, b := range p[i : i+8] {
		switch {
		case '0' <= b && b <= '9':
			sum = sum<<4 | uint32(b-'0')
		case 'a' <= b && b <= 'f':
			sum = sum<<4 | uint32(b-'a'+10)
		default:
			return kindCorrupt, 0, 0, 0
		}
	}
	if sum != fnv32(p[:end]) {
		return kindCorrupt, 0, 0, 0
	}
	rest := p[i+9:]
	if !bytes.Equal(rest, c.pad[:len(rest)]) {
		return kindCorrupt, 0, 0, 0
	}
	return k, sender, seq, t
}

// number parses the decimal digits at p[i:] up to sep and returns the
// value and the index after sep. Fewer than 1 or more than 18 digits
// are not a number.
func number(p []byte, i int, sep byte) (v uint64, next int, ok bool) {
	start := i
	for i < len(p) && '0' <= p[i] && p[i] <= '9' {
		v = v*10 + uint64(p[i]-'0')
		i++
	}
	n := i - start
	if n == 0 || n > 18 || i >= len(p) || p[i] != sep {
		return 0, i, false
	}
	return v, i + 1, true
}

// fnv32 is the 32-bit FNV-1a hash of b. Changing any one byte of b
// always changes the hash.
func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}
