package ui

import (
	"net/netip"
	"slices"

	"github.com/socketlab/socketlab/inspect/analysis"
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

// stepOf maps the analysis's step to the colour classes of the Packets
// pane. Trouble (loss, repeats, a full window) takes the colour of a
// reset: something went wrong.
func stepOf(s analysis.Step) step {
	switch s {
	case analysis.Handshake:
		return stepHandshake
	case analysis.Data:
		return stepData
	case analysis.Teardown:
		return stepTeardown
	case analysis.Reset, analysis.Trouble:
		return stepReset
	}
	return stepOther
}

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

// connState is what the model keeps about one connection besides what
// the analysis knows: which end is the client.
type connState struct {
	client      netip.AddrPort // the end that sent the SYN, or a guess
	lastTouched uint64         // model sequence of the latest packet
}

// guessClient names the client end when no packet of the connection
// was seen: the end whose peer uses one of the server ports, else the
// end with the higher (ephemeral) port.
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
