package stream

import (
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/reassembly"

	"github.com/socketlab/socketlab/inspect/capture"
)

// context carries the capture info, and the packet, into the stream
// callbacks.
type context struct {
	ci  gopacket.CaptureInfo
	pkt *capture.Packet
}

func (c *context) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// factory creates one tcpStream per connection the assembler sees.
// Its methods run inside Tracker.Add, with the Tracker's lock held.
type factory struct{ t *Tracker }

func (f factory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	p := ac.(*context).pkt
	// The reassembly's "client" is whoever sent the first segment seen.
	// Ours is the side that sent the SYN, or else the side that is not
	// a server port.
	first := capture.ClientToServer
	switch {
	case p.Flags&capture.SYN != 0 && p.Flags&capture.ACK == 0:
	case p.Flags&capture.SYN != 0:
		first = capture.ServerToClient
	case hasPort(f.t.cfg.Ports, p.Src.Port()) && !hasPort(f.t.cfg.Ports, p.Dst.Port()):
		first = capture.ServerToClient
	case p.Dir != capture.DirUnknown:
		first = p.Dir
	}
	k := Key{Client: p.Src, Server: p.Dst}
	if first == capture.ServerToClient {
		k = Key{Client: p.Dst, Server: p.Src}
	}
	c := f.t.open(k, p.Time, p.Flags&(capture.SYN|capture.ACK) == capture.SYN)
	if c.Client != k.Client {
		// An earlier segment decided the other way round; keep to it.
		first = first.Reverse()
	}
	return &tcpStream{t: f.t, first: first, c: c}
}

// tcpStream receives the reassembled bytes of one connection, both
// directions.
type tcpStream struct {
	t     *Tracker
	first capture.Dir // our direction for reassembly.TCPDirClientToServer
	c     *conv
}

func (s *tcpStream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, ac reassembly.AssemblerContext) bool {
	// Start even when the SYN was missed: a capture often begins in the
	// middle of a connection.
	*start = true
	if !s.c.evicted {
		s.c.Last = ci.Timestamp
		if tcp.RST {
			s.c.Closed = true
		}
	}
	return true
}

func (s *tcpStream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, end, skip := sg.Info()
	if s.c.evicted {
		return
	}
	if skip > 0 {
		s.c.Missing += int64(skip)
	}
	length, _ := sg.Lengths()
	d := s.first
	if dir == reassembly.TCPDirServerToClient {
		d = d.Reverse()
	}
	if length > 0 {
		s.c.append(d, sg.Fetch(length), s.t.cfg.MaxBytes)
	}
	if end {
		s.c.fin[d-capture.ClientToServer] = true
		if s.c.fin[0] && s.c.fin[1] {
			s.c.Closed = true
		}
	}
}

// ReassemblyComplete is called after both FINs, and also when Flush
// gives up on an idle connection; so it does not mark the conversation
// closed (FINs and RSTs do). If the connection speaks again, the
// assembler starts a new stream and open continues this conversation.
func (s *tcpStream) ReassemblyComplete(ac reassembly.AssemblerContext) bool {
	return true // the assembler may forget the connection
}

func hasPort(ports []int, port uint16) bool {
	for _, p := range ports {
		if p == int(port) {
			return true
		}
	}
	return false
}
