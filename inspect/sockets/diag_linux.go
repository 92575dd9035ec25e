package sockets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// This file asks the kernel's sock_diag netlink service for the facts
// /proc leaves out. The request and reply layouts are those of
// linux/sock_diag.h, linux/unix_diag.h and linux/inet_diag.h; x/sys/unix
// has the constants of netlink but not these structures.

// listenExtra is what sock_diag adds to a listening TCP socket.
type listenExtra struct {
	backlog  uint32 // the accept queue's limit, ss's Send-Q
	v6Only   bool   // IPV6_V6ONLY: an IPv6 socket that refuses IPv4
	knownV6O bool   // the kernel reported v6Only
}

const (
	diagUnixReqLen = 24 // struct unix_diag_req
	diagUnixMsgLen = 16 // struct unix_diag_msg
	diagInetReqLen = 56 // struct inet_diag_req_v2
	diagInetMsgLen = 72 // struct inet_diag_msg

	udiagShowName  = 0x01
	udiagShowPeer  = 0x04
	udiagShowRQLen = 0x10
	unixDiagName   = 0 // UNIX_DIAG_NAME
	unixDiagPeer   = 2 // UNIX_DIAG_PEER
	unixDiagRQLen  = 4 // UNIX_DIAG_RQLEN

	inetDiagSKV6Only    = 11 // INET_DIAG_SKV6ONLY
	inetDiagReqBytecode = 1  // INET_DIAG_REQ_BYTECODE
	inetDiagBCJmp       = 1  // INET_DIAG_BC_JMP
	inetDiagBCSEq       = 11 // INET_DIAG_BC_S_EQ
	inetDiagBCDEq       = 12 // INET_DIAG_BC_D_EQ
	tcpListen           = 10
)

// diagConn is a netlink sock_diag socket and its receive buffer, reused
// by every dump of one Read.
type diagConn struct {
	fd  int
	buf []byte
	seq uint32
}

func openDiag(buf []byte) (*diagConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// A reply never takes this long; the timeout only makes sure a
	// misbehaving kernel cannot hang the inspector.
	tv := unix.NsecToTimeval(int64(2 * time.Second))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	return &diagConn{fd: fd, buf: buf}, nil
}

func (c *diagConn) Close() error { return unix.Close(c.fd) }

// dump sends a SOCK_DIAG_BY_FAMILY dump request with body req and calls
// fn with the body of every reply message until the kernel says done.
func (c *diagConn) dump(req []byte, fn func(msg []byte)) error {
	c.seq++
	msg := make([]byte, unix.SizeofNlMsghdr+len(req))
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(msg[8:], c.seq)
	copy(msg[unix.SizeofNlMsghdr:], req)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return os.NewSyscallError("sendto", err)
	}
	for {
		n, err := unix.Read(c.fd, c.buf)
		if err == unix.EINTR {
			continue // a signal (a profiler's, say) cut the wait short
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		b := c.buf[:n]
		for len(b) >= unix.SizeofNlMsghdr {
			l := int(ne.Uint32(b[0:]))
			typ := ne.Uint16(b[4:])
			seq := ne.Uint32(b[8:])
			if l < unix.SizeofNlMsghdr || l > len(b) {
				return fmt.Errorf("sock_diag: bad message length %d", l)
			}
			body := b[unix.SizeofNlMsghdr:l]
			if next := nlAlign(l); next < len(b) {
				b = b[next:]
			} else {
				b = nil
			}
			if seq != c.seq {
				continue
			}
			switch typ {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(body) >= 4 {
					if e := int32(ne.Uint32(body)); e < 0 {
						return os.NewSyscallError("sock_diag", unix.Errno(-e))
					}
				}
				return nil
			}
			fn(body)
		}
	}
}

// unixSockets appends to out every Unix socket of this network
// namespace: its name, type, state, inode, peer and queue lengths, all
// from one dump. The name comes as the bytes the socket was bound to,
// so, unlike a line of /proc/net/unix, a name that holds a newline
// cannot end its row early and forge another.
func (c *diagConn) unixSockets(out []Socket) ([]Socket, error) {
	var req [diagUnixReqLen]byte
	ne := binary.NativeEndian
	req[0] = unix.AF_UNIX
	ne.PutUint32(req[4:], ^uint32(0)) // every state
	ne.PutUint32(req[12:], udiagShowName|udiagShowPeer|udiagShowRQLen)
	err := c.dump(req[:], func(m []byte) {
		if len(m) < diagUnixMsgLen {
			return
		}
		s := Socket{Kind: Unix, Family: "unix",
			Type:  unixTypeName(uint16(m[1])),
			State: unixDiagStateName(m[2]),
			Inode: uint64(ne.Uint32(m[4:]))}
		eachAttr(m[diagUnixMsgLen:], func(typ uint16, v []byte) {
			switch {
			case typ == unixDiagName:
				s.Path = boundName(v)
			case typ == unixDiagPeer && len(v) >= 4:
				s.PeerInode = uint64(ne.Uint32(v))
			case typ == unixDiagRQLen && len(v) >= 8:
				s.RecvQ, s.SendQ = int(ne.Uint32(v)), int(ne.Uint32(v[4:]))
			}
		})
		out = append(out, s)
	})
	return out, err
}

// boundName turns a bound address (sun_path as the kernel keeps it) into
// the name /proc/net/unix and ss print: a path up to its NUL, or for the
// abstract namespace "@" and the name with each NUL written as "@".
func boundName(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if b[0] != 0 {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	name := []byte(string(b))
	for i, c := range name {
		if c == 0 {
			name[i] = '@'
		}
	}
	return string(name)
}

// listeners returns the listening TCP sockets of family (AF_INET or
// AF_INET6), by inode.
func (c *diagConn) listeners(family uint8, into map[uint64]listenExtra) error {
	var req [diagInetReqLen]byte
	req[0] = family
	req[1] = unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(req[4:], 1<<tcpListen)
	return c.dump(req[:], func(m []byte) {
		if len(m) < diagInetMsgLen {
			return
		}
		ne := binary.NativeEndian
		x := listenExtra{backlog: ne.Uint32(m[60:])}
		eachAttr(m[diagInetMsgLen:], func(typ uint16, v []byte) {
			if typ == inetDiagSKV6Only && len(v) >= 1 {
				x.v6Only, x.knownV6O = v[0] != 0, true
			}
		})
		into[uint64(ne.Uint32(m[68:]))] = x
	})
}

// diagTCPRow is one TCP socket of a sock_diag dump: what /proc/net/tcp
// says of it, and for a listener what sock_diag adds.
type diagTCPRow struct {
	tcpRow
	listen listenExtra
}

// tcp dumps the TCP sockets of family (AF_INET or AF_INET6) in every
// state and calls fn with each. If ports is not empty, the request
// carries a filter (INET_DIAG_REQ_BYTECODE) so that the kernel sends
// only the sockets whose local or remote port is one of ports. fn must
// still check the ports: a number outside 0–65535 cannot be put in the
// program as it is, and the kernel may send a socket it matches.
func (c *diagConn) tcp(family uint8, ports []int, fn func(*diagTCPRow)) error {
	req := make([]byte, diagInetReqLen, diagInetReqLen+4+24*len(ports))
	req[0] = family
	req[1] = unix.IPPROTO_TCP
	ne := binary.NativeEndian
	ne.PutUint32(req[4:], ^uint32(0)) // every state
	if len(ports) > 0 {
		bc := portFilter(ports)
		req = ne.AppendUint16(req, uint16(4+len(bc)))
		req = ne.AppendUint16(req, inetDiagReqBytecode)
		req = append(req, bc...)
	}
	var row diagTCPRow
	return c.dump(req, func(m []byte) {
		if len(m) < diagInetMsgLen || m[0] != family {
			return
		}
		be := binary.BigEndian
		var src, dst [16]byte
		copy(src[:], m[8:24])
		copy(dst[:], m[24:40])
		lport, rport := be.Uint16(m[4:]), be.Uint16(m[6:])
		row = diagTCPRow{}
		if family == unix.AF_INET {
			row.local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(src[:4])), lport)
			row.remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(dst[:4])), rport)
		} else {
			row.local = netip.AddrPortFrom(netip.AddrFrom16(src), lport)
			row.remote = netip.AddrPortFrom(netip.AddrFrom16(dst), rport)
		}
		row.state = m[1]
		row.recvQ, row.sendQ = ne.Uint32(m[56:]), ne.Uint32(m[60:])
		row.inode = uint64(ne.Uint32(m[68:]))
		if row.state == tcpListen {
			row.listen.backlog = row.sendQ
			eachAttr(m[diagInetMsgLen:], func(typ uint16, v []byte) {
				if typ == inetDiagSKV6Only && len(v) >= 1 {
					row.listen.v6Only, row.listen.knownV6O = v[0] != 0, true
				}
			})
		}
		fn(&row)
	})
}

// portFilter returns an inet_diag bytecode program that accepts a socket
// whose local or remote port is one of ports. The kernel runs it from
// the start: a test that holds goes on to the next instruction (yes),
// one that fails jumps ahead by no bytes; the socket is accepted when
// the program ends exactly at its last byte and rejected when a jump
// goes past it. Every test but the last is followed by a jump to the
// end, so the program reads
//
//	sport == p1 ? accept : dport == p1 ? accept : sport == p2 ? … : reject
func portFilter(ports []int) []byte {
	const testLen, jumpLen = 8, 4 // a comparison takes two ops, a jump one
	n := 2 * len(ports)
	size := n*testLen + (n-1)*jumpLen
	bc := make([]byte, 0, size)
	op := func(code, yes uint8, no int) {
		bc = append(bc, code, yes)
		bc = binary.NativeEndian.AppendUint16(bc, uint16(no))
	}
	for i := range n {
		code := uint8(inetDiagBCSEq)
		if i%2 == 1 {
			code = inetDiagBCDEq
		}
		port := uint16(ports[i/2])
		if i == n-1 {
			op(code, testLen, testLen+4) // fails: jump past the end
			op(0, 0, int(port))
			break
		}
		op(code, testLen, testLen+jumpLen) // fails: skip the jump
		op(0, 0, int(port))
		op(inetDiagBCJmp, jumpLen, size-len(bc)) // holds: jump to the end
	}
	return bc
}

// eachAttr calls fn for each netlink attribute (struct rtattr) in b.
func eachAttr(b []byte, fn func(typ uint16, v []byte)) {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			return
		}
		fn(binary.NativeEndian.Uint16(b[2:]), b[4:l])
		if next := nlAlign(l); next < len(b) {
			b = b[next:]
		} else {
			return
		}
	}
}

func nlAlign(n int) int { return (n + 3) &^ 3 }
