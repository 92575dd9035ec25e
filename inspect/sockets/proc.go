package sockets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
)

// tcpRow is one line of /proc/net/tcp or /proc/net/tcp6, parsed without
// allocating. It becomes a Socket only if the filter keeps it.
type tcpRow struct {
	local, remote netip.AddrPort
	state         uint8
	sendQ, recvQ  uint32
	inode         uint64
}

// unixRow is one line of /proc/net/unix.
type unixRow struct {
	flags uint32
	typ   uint16
	state uint8
	inode uint64
	path  string
}

// scanTCP calls fn for each socket line of a /proc/net/tcp or tcp6 table
// read from r. buf is the line buffer to use; it must hold a whole line.
// A line that does not parse is an error, because it means the kernel's
// format changed and every row after it would be wrong too.
func scanTCP(r io.Reader, buf []byte, fn func(tcpRow)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(buf, len(buf))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if n == 1 {
			continue // the header
		}
		row, err := parseTCPLine(line)
		if err != nil {
			return fmt.Errorf("line %d: %v: %q", n, err, line)
		}
		fn(row)
	}
	return sc.Err()
}

// parseTCPLine parses a line such as
//
//	0: 0100007F:0BC0 00000000:0000 0A 00000000:00000000 00:00000000 00000000  0  0 1119 …
//
// whose fields are sl, local and remote address, state, tx_queue:rx_queue,
// tr:tm->when, retrnsmt, uid, timeout and inode.
func parseTCPLine(line []byte) (tcpRow, error) {
	var row tcpRow
	var f [10][]byte
	rest := line
	for i := range f {
		f[i], rest = nextField(rest)
		if len(f[i]) == 0 {
			return row, fmt.Errorf("want 10 fields, found %d", i)
		}
	}
	var ok bool
	if row.local, ok = parseHexAddrPort(f[1]); !ok {
		return row, fmt.Errorf("bad local address %q", f[1])
	}
	if row.remote, ok = parseHexAddrPort(f[2]); !ok {
		return row, fmt.Errorf("bad remote address %q", f[2])
	}
	st, ok := parseHex(f[3])
	if !ok || st > 0xff {
		return row, fmt.Errorf("bad state %q", f[3])
	}
	row.state = uint8(st)
	tx, rx, found := bytes.Cut(f[4], []byte{':'})
	sq, ok1 := parseHex(tx)
	rq, ok2 := parseHex(rx)
	if !found || !ok1 || !ok2 || sq > 1<<32-1 || rq > 1<<32-1 {
		return row, fmt.Errorf("bad queues %q", f[4])
	}
	row.sendQ, row.recvQ = uint32(sq), uint32(rq)
	if row.inode, ok = parseDec(f[9]); !ok {
		return row, fmt.Errorf("bad inode %q", f[9])
	}
	return row, nil
}

// parseHexAddrPort parses the kernel's ADDR:PORT form. ADDR is 8 or 32
// hex digits holding the address as 32-bit words in host byte order;
// PORT is 4 hex digits, a plain number.
func parseHexAddrPort(b []byte) (netip.AddrPort, bool) {
	a, p, found := bytes.Cut(b, []byte{':'})
	port, ok := parseHex(p)
	if !found || !ok || len(p) != 4 {
		return netip.AddrPort{}, false
	}
	var ip [16]byte
	switch len(a) {
	case 8, 32:
	default:
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(a); i += 8 {
		w, ok := parseHex(a[i : i+8])
		if !ok {
			return netip.AddrPort{}, false
		}
		binary.NativeEndian.PutUint32(ip[i/2:], uint32(w))
	}
	var addr netip.Addr
	if len(a) == 8 {
		addr = netip.AddrFrom4([4]byte(ip[:4]))
	} else {
		addr = netip.AddrFrom16(ip)
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}

// scanUnix calls fn for each socket line of /proc/net/unix read from r.
//
// Lines that do not parse are skipped rather than reported: the kernel
// prints a path as it is, so a socket bound to a path containing a
// newline splits its line in two, and that must not hide the rest of
// the table.
func scanUnix(r io.Reader, buf []byte, fn func(unixRow)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(buf, len(buf))
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue // the header
		}
		if row, ok := parseUnixLine(sc.Bytes()); ok {
			fn(row)
		}
	}
	return sc.Err()
}

// parseUnixLine parses a line such as
//
//	00000000eab812de: 00000002 00000000 00010000 0001 01 10416 /tmp/x.sock
//
// whose fields are Num, RefCount, Protocol, Flags, Type, St, Inode and,
// after one space, the path if the socket has one.
func parseUnixLine(line []byte) (unixRow, bool) {
	var row unixRow
	var f [7][]byte
	rest := line
	for i := range f {
		f[i], rest = nextField(rest)
		if len(f[i]) == 0 {
			return row, false
		}
	}
	if f[0][len(f[0])-1] != ':' {
		return row, false
	}
	flags, ok1 := parseHex(f[3])
	typ, ok2 := parseHex(f[4])
	st, ok3 := parseHex(f[5])
	ino, ok4 := parseDec(f[6])
	if !ok1 || !ok2 || !ok3 || !ok4 || flags > 1<<32-1 || typ > 0xffff || st > 0xff {
		return row, false
	}
	row.flags, row.typ, row.state, row.inode = uint32(flags), uint16(typ), uint8(st), ino
	if len(rest) > 1 && rest[0] == ' ' {
		row.path = string(rest[1:])
	}
	return row, true
}

// nextField returns the first space-separated field of b and what
// follows it, starting with the separating space.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' {
		j++
	}
	return b[i:j], b[j:]
}

// parseHex parses up to 16 hex digits.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

// parseDec parses up to 19 decimal digits.
func parseDec(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
