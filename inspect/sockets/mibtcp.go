package sockets

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
)

// This file reads the TCP tables Windows' IP Helper API returns from
// GetExtendedTcpTable with TCP_TABLE_OWNER_PID_ALL, the way Read does on
// Windows. It is plain Go, built on every system, so that its tests run
// on any.
//
// A table is a DWORD count of rows, then the rows. The DWORDs are in the
// machine's order (little-endian on every Windows Go builds for); the
// addresses are bytes in network order, and each port is in network
// order in the first two bytes of its DWORD.
//
//	MIB_TCPROW_OWNER_PID (24 bytes): dwState, dwLocalAddr, dwLocalPort,
//	  dwRemoteAddr, dwRemotePort, dwOwningPid
//	MIB_TCP6ROW_OWNER_PID (56 bytes): ucLocalAddr[16], dwLocalScopeId,
//	  dwLocalPort, ucRemoteAddr[16], dwRemoteScopeId, dwRemotePort,
//	  dwState, dwOwningPid

// The sizes of the rows.
const (
	mibTCPRowLen  = 24
	mibTCP6RowLen = 56
)

// mibStates names MIB_TCP_STATE values with the names Read gives on
// Linux.
var mibStates = [...]string{
	1:  "CLOSE",
	2:  "LISTEN",
	3:  "SYN_SENT",
	4:  "SYN_RECV",
	5:  "ESTABLISHED",
	6:  "FIN_WAIT1",
	7:  "FIN_WAIT2",
	8:  "CLOSE_WAIT",
	9:  "CLOSING",
	10: "LAST_ACK",
	11: "TIME_WAIT",
	12: "DELETE_TCB",
}

func mibStateName(st uint32) string {
	if st < uint32(len(mibStates)) && mibStates[st] != "" {
		return mibStates[st]
	}
	return fmt.Sprintf("UNKNOWN(%d)", st)
}

// parseMIBTCPTable appends to out the rows of a MIB_TCPTABLE_OWNER_PID
// (ipv6 false) or MIB_TCP6TABLE_OWNER_PID (ipv6 true) that f selects. A
// count that promises more rows than buf holds is an error.
func parseMIBTCPTable(buf []byte, ipv6 bool, f Filter, out []Socket) ([]Socket, error) {
	rowLen, family := mibTCPRowLen, "IPv4"
	if ipv6 {
		rowLen, family = mibTCP6RowLen, "IPv6"
	}
	if len(buf) < 4 {
		return out, fmt.Errorf("a TCP table of %d bytes has no row count", len(buf))
	}
	le := binary.LittleEndian
	n := uint64(le.Uint32(buf))
	if n > uint64(len(buf)-4)/uint64(rowLen) {
		return out, fmt.Errorf("a TCP table of %d bytes claims %d rows", len(buf), n)
	}
	port := func(b []byte) int { return int(binary.BigEndian.Uint16(b)) }
	for i := range int(n) {
		r := buf[4+i*rowLen : 4+(i+1)*rowLen]
		var local, remote netip.Addr
		var lport, rport int
		var state, pid uint32
		if ipv6 {
			local = netip.AddrFrom16([16]byte(r[0:16]))
			lport = port(r[20:])
			remote = netip.AddrFrom16([16]byte(r[24:40]))
			rport = port(r[44:])
			state, pid = le.Uint32(r[48:]), le.Uint32(r[52:])
		} else {
			state = le.Uint32(r[0:])
			local, lport = netip.AddrFrom4([4]byte(r[4:8])), port(r[8:])
			remote, rport = netip.AddrFrom4([4]byte(r[12:16])), port(r[16:])
			pid = le.Uint32(r[20:])
		}
		if !f.All && !slices.Contains(f.Ports, lport) && !(rport != 0 && slices.Contains(f.Ports, rport)) {
			continue
		}
		s := Socket{
			Kind: TCP, Family: family,
			LocalAddr: local.String(), LocalPort: lport,
			RemoteAddr: remote.String(), RemotePort: rport,
			State: mibStateName(state), PID: int(pid),
		}
		if state == 2 { // LISTEN: the remote side is all zeros
			s.RemoteAddr, s.RemotePort = "", 0
		}
		if ipv6 {
			s.V4Mapped = local.Is4In6() || remote.Is4In6()
		}
		out = append(out, s)
	}
	return out, nil
}
