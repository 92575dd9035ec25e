package sockets

import "fmt"

// tcpStates names the kernel's TCP states (include/net/tcp_states.h) by
// the names /proc and the TCP standard use. State 12, NEW_SYN_RECV, is a
// connection request still in the handshake: it is shown as SYN_RECV,
// as ss does.
var tcpStates = [...]string{
	1:  "ESTABLISHED",
	2:  "SYN_SENT",
	3:  "SYN_RECV",
	4:  "FIN_WAIT1",
	5:  "FIN_WAIT2",
	6:  "TIME_WAIT",
	7:  "CLOSE",
	8:  "CLOSE_WAIT",
	9:  "LAST_ACK",
	10: "LISTEN",
	11: "CLOSING",
	12: "SYN_RECV",
}

// tcpStateName returns the name of kernel TCP state st.
func tcpStateName(st uint8) string {
	if int(st) < len(tcpStates) && tcpStates[st] != "" {
		return tcpStates[st]
	}
	return fmt.Sprintf("UNKNOWN(%d)", st)
}

// Flags and values of /proc/net/unix.
const (
	unixAcceptCon = 0x10000 // __SO_ACCEPTCON: the socket is listening

	unixStream    = 1 // SOCK_STREAM
	unixDgram     = 2 // SOCK_DGRAM
	unixSeqPacket = 5 // SOCK_SEQPACKET
)

// unixTypeName returns the name of socket type typ.
func unixTypeName(typ uint16) string {
	switch typ {
	case unixStream:
		return "stream"
	case unixDgram:
		return "dgram"
	case unixSeqPacket:
		return "seqpacket"
	}
	return fmt.Sprintf("type%d", typ)
}

// unixStateName names the state of a Unix socket from the Flags and St
// columns of /proc/net/unix. St is the socket layer's state
// (SS_UNCONNECTED, SS_CONNECTING, …), not a TCP state; a listening
// socket is SS_UNCONNECTED with the accept flag set.
func unixStateName(flags uint32, st uint8) string {
	if flags&unixAcceptCon != 0 {
		return "LISTEN"
	}
	switch st {
	case 0:
		return "FREE"
	case 1:
		return "UNCONNECTED"
	case 2:
		return "CONNECTING"
	case 3:
		return "ESTABLISHED"
	case 4:
		return "DISCONNECTING"
	}
	return fmt.Sprintf("UNKNOWN(%d)", st)
}

// unixDiagStateName names the state sock_diag gives a Unix socket (the
// TCP state numbers the kernel reuses for it) with the names
// unixStateName gives the same socket from /proc/net/unix.
func unixDiagStateName(st uint8) string {
	switch st {
	case 10: // TCP_LISTEN
		return "LISTEN"
	case 1: // TCP_ESTABLISHED
		return "ESTABLISHED"
	case 2: // TCP_SYN_SENT
		return "CONNECTING"
	case 7: // TCP_CLOSE
		return "UNCONNECTED"
	}
	return fmt.Sprintf("UNKNOWN(%d)", st)
}

// stateRank orders states in a table: listeners first, then live
// connections, then connections on their way out.
func stateRank(s string) int {
	switch s {
	case "LISTEN":
		return 0
	case "SYN_SENT", "SYN_RECV", "CONNECTING":
		return 1
	case "ESTABLISHED":
		return 2
	case "UNCONNECTED":
		return 3
	case "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "DISCONNECTING":
		return 4
	case "TIME_WAIT":
		return 5
	}
	return 6
}
