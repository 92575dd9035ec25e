package ui

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/socketlab/socketlab/inspect/capture"
)

// step classifies a packet for colouring its note.
type step uint8

const (
	stepOther step = iota
	stepHandshake
	stepData
	stepTeardown
	stepReset
)

// connKey names a TCP connection independently of direction: a is the
// smaller endpoint. Addresses are unmapped, so ::ffff:127.0.0.1 and
// 127.0.0.1 name the same end. A tap connection has no addresses: it is
// named by its relay and the relay's connection number.
type connKey struct {
	a, b netip.AddrPort
	tap  string
	conn uint64
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func keyOf(src, dst netip.AddrPort) connKey {
	src, dst = unmap(src), unmap(dst)
	if src.Compare(dst) > 0 {
		src, dst = dst, src
	}
	return connKey{a: src, b: dst}
}

// connState is what the model has learned about one connection from the
// packets it has seen.
type connState struct {
	client      netip.AddrPort // the end that sent the SYN, or a guess
	known       bool           // client was learned from a SYN
	synAck      bool           // SYN-ACK seen, the third ACK not yet
	fins        int            // FINs seen (0, 1 or 2)
	finAcked    bool           // the last ACK after two FINs was seen
	lastTouched uint64         // model sequence of the latest packet
	next        [2]uint32      // the next stream byte expected, per direction
	have        [2]bool        // next is known
}

// guessClient names the client end when the SYN was not seen: the end
// whose peer uses one of the server ports, else the end with the higher
// (ephemeral) port.
func guessClient(src, dst netip.AddrPort, serverPorts []int) netip.AddrPort {
	switch {
	case slices.Contains(serverPorts, int(dst.Port())):
		return src
	case slices.Contains(serverPorts, int(src.Port())):
		return dst
	case src.Port() > dst.Port():
		return src
	}
	return dst
}

// observe updates c with packet p, which travels in direction d, and
// returns a plain-words note about it.
func (c *connState) observe(p *capture.Packet, d capture.Dir) (string, step) {
	side, other := "client", "server"
	if d == capture.ServerToClient {
		side, other = other, side
	}
	f := p.Flags
	switch {
	case f&capture.RST != 0:
		return side + " aborts the connection (RST): no goodbye, " +
			other + " gets 'connection reset'", stepReset
	case f&capture.SYN != 0 && f&capture.ACK == 0:
		return "handshake 1/3: client asks to connect (SYN), " +
			"its first sequence number", stepHandshake
	case f&capture.SYN != 0:
		c.synAck = true
		return "handshake 2/3: server agrees (SYN-ACK) and " +
			"acknowledges the client's SYN", stepHandshake
	case f&capture.FIN != 0:
		c.fins++
		what := side + " has no more to send (FIN)"
		if c.fins > 1 {
			what = side + " is done too (FIN)"
		}
		if p.Len > 0 {
			what = fmt.Sprintf("%s sends %s, then %s", side,
				plural(p.Len, "byte"), what[len(side)+1:])
		}
		return "teardown: " + what, stepTeardown
	case p.Len > 0:
		c.synAck = false
		return fmt.Sprintf("%s sends %s", side, plural(p.Len, "byte")),
			stepData
	case c.synAck && d == capture.ClientToServer:
		c.synAck = false
		return "handshake 3/3: client acknowledges — connection open",
			stepHandshake
	case c.fins >= 2 && !c.finAcked:
		c.finAcked = true
		return "teardown: last ACK — connection closed", stepTeardown
	case c.fins > 0:
		return fmt.Sprintf("teardown: %s acknowledges the FIN", side),
			stepTeardown
	}
	return fmt.Sprintf("%s acknowledges bytes up to %d", side, p.Ack),
		stepOther
}
