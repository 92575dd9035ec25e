package analysis

import (
	"fmt"
	"strconv"

	"github.com/socketlab/socketlab/inspect/capture"
)

// note says in plain words what p, sent by fwd to rev, means, given the
// findings in r, and which step it is. It reads the connection as it
// was before p.
func (c *conn) note(fwd, rev *half, p *capture.Packet, r Result) (string, Step) {
	side, other := "client", "server"
	if r.Dir == capture.ServerToClient {
		side, other = other, side
	}
	f, n := r.Flags, p.Len
	switch {
	case p.Flags&capture.RST != 0:
		return c.resetNote(fwd, rev, p, side, other), Reset
	case p.Flags&(capture.SYN|capture.ACK) == capture.SYN:
		if f&(Retransmission|OutOfOrder|SpuriousRetransmission|FastRetransmission) != 0 {
			return "handshake 1/3 again: client repeats its SYN, no answer came " +
				"(retransmission)", Trouble
		}
		return "handshake 1/3: client asks to connect (SYN), " +
			"its first sequence number", Handshake
	case p.Flags&capture.SYN != 0:
		if f&(Retransmission|OutOfOrder|SpuriousRetransmission|FastRetransmission) != 0 {
			return "handshake 2/3 again: server repeats its SYN-ACK " +
				"(retransmission)", Trouble
		}
		return "handshake 2/3: server agrees (SYN-ACK) and " +
			"acknowledges the client's SYN", Handshake
	case p.Flags&capture.FIN != 0:
		return finNote(fwd, rev, p, f, side, other)
	case n > 0:
		return dataNote(fwd, rev, p, r, side, other)
	}
	return ackNote(c, fwd, rev, p, r, side, other)
}

// repeatNote describes data that was sent before, or "" when f says it
// is new.
func repeatNote(f Flags, bytes, side, other string) string {
	switch {
	case f&SpuriousRetransmission != 0:
		return side + " sends " + bytes + " again that " + other +
			" had already acknowledged (spurious retransmission)"
	case f&FastRetransmission != 0:
		return side + " resends " + bytes + " at once (fast retransmission): " +
			other + "'s duplicate ACKs said they were lost"
	case f&OutOfOrder != 0:
		return side + "'s " + bytes + " arrive out of order: they belong " +
			"before bytes already seen"
	case f&Retransmission != 0:
		return side + " sends " + bytes + " again (retransmission): the " +
			"first copy was lost or its ACK came late"
	}
	return ""
}

func finNote(fwd, rev *half, p *capture.Packet, f Flags, side, other string) (string, Step) {
	if s := repeatNote(f, "its FIN", side, other); s != "" && fwd.fin {
		return "teardown: " + s, Trouble
	}
	what := side + " has no more to send (FIN); " + other + " may still send"
	if rev.fin {
		what = side + " is done too (FIN)"
	}
	if p.Len > 0 {
		what = fmt.Sprintf("%s sends %s, then %s", side, plural(p.Len, "byte"),
			what[len(side)+1:])
	}
	return "teardown: " + what, Teardown
}

func dataNote(fwd, rev *half, p *capture.Packet, r Result, side, other string) (string, Step) {
	f, bytes := r.Flags, plural(p.Len, "byte")
	switch {
	case f&ZeroWindowProbe != 0:
		return "window probe: " + side + " sends 1 byte to ask whether " +
			other + " has room again, as " + other + "'s window is 0", Trouble
	case f&KeepAlive != 0 && rev.window == 0:
		return "window probe: " + side + " asks whether " + other +
			" has room again, as " + other + "'s window is 0", Trouble
	case f&KeepAlive != 0:
		return "keepalive: " + side + " repeats its last byte to check " +
			"that the quiet connection is alive", Other
	}
	if s := repeatNote(f, bytes, side, other); s != "" {
		return s, Trouble
	}
	s := side + " sends " + bytes
	st := Data
	if f&LostSegment != 0 {
		s += fmt.Sprintf("; the capture missed %s before them",
			plural(int(p.RawSeq-fwd.nextseq), "byte"))
		st = Trouble
	}
	if rev.fin {
		s += " — " + other + " has finished sending, " + side + "→" + other +
			" is still open"
	}
	if f&WindowFull != 0 {
		s += "; they fill " + other + "'s receive window: " + side +
			" must wait for room (window full)"
	}
	if f&ZeroWindow != 0 {
		s += "; " + side + "'s own receive buffer is full (window 0)"
		st = Trouble
	}
	if f&AckedUnseen != 0 {
		s += "; it acknowledges bytes the capture did not see"
		st = Trouble
	}
	return s, st
}

func ackNote(c *conn, fwd, rev *half, p *capture.Packet, r Result, side, other string) (string, Step) {
	f, upTo := r.Flags, strconv.FormatUint(uint64(p.Ack), 10)
	switch {
	case f&ZeroWindowProbeAck != 0:
		return side + "'s window is still 0: no room yet (answer to the " +
			"window probe)", Trouble
	case f&KeepAlive != 0 && rev.window == 0:
		return "window probe: " + side + " asks whether " + other +
			" has room again, as " + other + "'s window is 0 (sent like a keepalive)", Trouble
	case f&KeepAlive != 0:
		return "keepalive: " + side + " checks that the quiet connection " +
			"is still alive (sequence number one below the next byte, no data)", Other
	case f&KeepAliveAck != 0:
		return side + " answers the keepalive: still here (keepalive ACK)", Other
	case f&ZeroWindow != 0:
		return side + "'s receive buffer is full (window 0): " + other +
			" must wait before sending more", Trouble
	case f&WindowUpdate != 0:
		return side + " has room again (window update): " + other +
			" may send more", Other
	case f&DupAck != 0:
		return fmt.Sprintf("%s acknowledges bytes up to %s again (duplicate "+
			"ACK #%d): it still waits for the bytes after them", side, upTo,
			r.DupAck), Trouble
	case f&AckedUnseen != 0:
		return side + " acknowledges bytes up to " + upTo + ", some of " +
			"which the capture did not see", Trouble
	case !c.opened && r.Dir == capture.ClientToServer && fwd.syn && rev.syn &&
		p.Flags&capture.ACK != 0 && p.RawAck == rev.isn+1:
		return "handshake 3/3: client acknowledges — connection open", Handshake
	case rev.fin && p.Flags&capture.ACK != 0 && p.RawAck == rev.finSeq+1:
		switch {
		case fwd.fin:
			return "teardown: last ACK — connection closed", Teardown
		}
		return "teardown: " + side + " acknowledges " + other + "'s FIN; " +
			side + "→" + other + " is still open", Teardown
	case f&LostSegment != 0:
		return fmt.Sprintf("%s acknowledges bytes up to %s; the capture "+
			"missed %s that %s sent before", side, upTo,
			plural(int(p.RawSeq-fwd.nextseq), "byte"), side), Trouble
	case fwd.fin && !rev.fin:
		return side + " acknowledges bytes up to " + upTo + " — " + side +
			" has finished sending, " + other + "→" + side +
			" is still open", Other
	}
	return side + " acknowledges bytes up to " + upTo, Other
}

// resetNote names the likely cause of an RST sent by fwd.
func (c *conn) resetNote(fwd, rev *half, p *capture.Packet, side, other string) string {
	switch {
	case rev.syn && !fwd.syn && !c.opened:
		return fmt.Sprintf("%s refuses the connection (RST): nothing listens "+
			"on port %d — %s gets 'connection refused'", side, p.Src.Port(), other)
	case fwd.fin:
		return side + " had already closed its socket and data still came, " +
			"so its kernel resets (RST) — " + other + " gets 'connection reset by peer'"
	case rev.sent > 0:
		return side + " resets (RST) instead of a FIN: likely it closed its " +
			"socket before reading all that " + other + " sent (or aborted " +
			"with SetLinger(0)) — " + other + " gets 'connection reset by peer'"
	}
	return side + " aborts the connection (RST): no goodbye, for example " +
		"SetLinger(0) before Close — " + other + " gets 'connection reset by peer'"
}

// plural returns "1 byte" or "N bytes".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
