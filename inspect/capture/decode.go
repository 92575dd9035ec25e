package capture

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// maxFlows bounds the table that remembers each direction's first
// sequence number. When it fills up, it starts again empty: numbers of
// old connections then restart from their next packet.
const maxFlows = 1 << 16

// decoder turns frames of one link type into Packets. Its layers are
// allocated once and reused, so decoding a well-formed TCP frame does not
// allocate. A decoder is used by one goroutine at a time.
type decoder struct {
	link    layers.LinkType
	parser  *gopacket.DecodingLayerParser // starts at the link layer
	parser6 *gopacket.DecodingLayerParser // raw IP links: frames of IPv6
	decoded []gopacket.LayerType

	eth layers.Ethernet
	lb  layers.Loopback
	sll layers.LinuxSLL
	ip4 layers.IPv4
	ip6 layers.IPv6
	tcp layers.TCP

	ports []int // the server ports, to tell directions without a SYN
	flows map[flowKey]flowState
	index uint64
}

// flowKey names one direction of a connection.
type flowKey struct{ src, dst netip.AddrPort }

// flowState is what the decoder remembers about one direction.
type flowState struct {
	base    uint32 // the sequence number that prints as 0
	hasBase bool
	dir     Dir
}

// errLinkType reports a link type the decoder cannot read.
type errLinkType layers.LinkType

func (e errLinkType) Error() string {
	return fmt.Sprintf("link type %d (%s) is not supported: inspect "+
		"reads Ethernet, NULL/loopback, Linux cooked and raw IP captures",
		int(e), layers.LinkType(e))
}

// newDecoder returns a decoder for frames of the given link type.
func newDecoder(link layers.LinkType) (*decoder, error) {
	d := &decoder{
		link:    link,
		decoded: make([]gopacket.LayerType, 0, 8),
		flows:   make(map[flowKey]flowState),
	}
	layersUsed := []gopacket.DecodingLayer{&d.eth, &d.lb, &d.sll, &d.ip4, &d.ip6, &d.tcp}
	var first gopacket.LayerType
	switch link {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12:
		// Raw IP: the version nibble picks the parser (see decode).
		first = layers.LayerTypeIPv4
		d.parser6 = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, layersUsed...)
		d.parser6.IgnoreUnsupported = true
	default:
		return nil, errLinkType(link)
	}
	d.parser = gopacket.NewDecodingLayerParser(first, layersUsed...)
	d.parser.IgnoreUnsupported = true
	return d, nil
}

// decode fills p from frame. It reports false when the frame is not a
// TCP segment (ARP, UDP, …) and should be passed over; a frame that
// claims to be TCP but cannot be read is returned with p.Malformed set.
func (d *decoder) decode(frame []byte, ts time.Time, wireLen int, p *Packet) bool {
	*p = Packet{Time: ts, Frame: frame, WireLen: wireLen}
	parser := d.parser
	if d.parser6 != nil && len(frame) > 0 && frame[0]>>4 == 6 {
		parser = d.parser6
	}
	err := parser.DecodeLayers(frame, &d.decoded)
	var net gopacket.LayerType
	tcp := false
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			net = t
		case layers.LayerTypeTCP:
			tcp = true
		}
	}
	switch net {
	case layers.LayerTypeIPv4:
		p.Src = netip.AddrPortFrom(addr4(d.ip4.SrcIP), 0)
		p.Dst = netip.AddrPortFrom(addr4(d.ip4.DstIP), 0)
		if d.ip4.Protocol != layers.IPProtocolTCP {
			return false
		}
		if !tcp && err == nil && (d.ip4.FragOffset != 0 || d.ip4.Flags&layers.IPv4MoreFragments != 0) {
			return d.malformed(p, "IPv4 fragment (fragments are not reassembled)")
		}
	case layers.LayerTypeIPv6:
		p.Src = netip.AddrPortFrom(addr16(d.ip6.SrcIP), 0)
		p.Dst = netip.AddrPortFrom(addr16(d.ip6.DstIP), 0)
		if d.ip6.NextHeader != layers.IPProtocolTCP {
			return false
		}
	default:
		if err != nil {
			return d.malformed(p, err.Error())
		}
		return false // not IP: ARP and friends
	}
	if !tcp {
		if err == nil {
			return d.malformed(p, "no TCP header")
		}
		return d.malformed(p, "TCP: "+err.Error())
	}
	t := &d.tcp
	p.Src = netip.AddrPortFrom(p.Src.Addr(), uint16(t.SrcPort))
	p.Dst = netip.AddrPortFrom(p.Dst.Addr(), uint16(t.DstPort))
	p.Flags = tcpFlags(t)
	p.RawSeq, p.RawAck = t.Seq, t.Ack
	p.Window = t.Window
	p.Payload = t.Payload
	hdr := int(t.DataOffset) * 4
	switch net {
	case layers.LayerTypeIPv4:
		p.Len = int(d.ip4.Length) - int(d.ip4.IHL)*4 - hdr
	case layers.LayerTypeIPv6:
		p.Len = int(d.ip6.Length) - hdr
	}
	if p.Len < len(p.Payload) {
		p.Len = len(p.Payload)
	}
	// Payload is a slice of frame that runs to the frame's end of
	// capacity, so the difference of capacities is its offset.
	p.payloadOff = cap(frame) - cap(p.Payload)
	d.index++
	p.Index = d.index
	d.relative(p)
	return true
}

// malformed marks p as a frame that could not be decoded.
func (d *decoder) malformed(p *Packet, why string) bool {
	p.Malformed = why
	d.index++
	p.Index = d.index
	return true
}

// relative sets p.Seq, p.Ack and p.Dir from what the decoder remembers
// about the connection, as tcpdump prints relative sequence numbers.
func (d *decoder) relative(p *Packet) {
	if len(d.flows) >= maxFlows {
		clear(d.flows)
	}
	fwd := flowKey{p.Src, p.Dst}
	rev := flowKey{p.Dst, p.Src}
	f, r := d.flows[fwd], d.flows[rev]
	if p.Flags&SYN != 0 {
		if p.Flags&ACK == 0 {
			// A new connection: forget an old one on the same ports.
			f = flowState{dir: ClientToServer}
			r = flowState{dir: ServerToClient}
		} else if f.dir == DirUnknown {
			f.dir, r.dir = ServerToClient, ClientToServer
		}
		f.base, f.hasBase = p.RawSeq, true
	}
	if f.dir == DirUnknown {
		switch {
		case hasPort(d.ports, p.Dst.Port()):
			f.dir, r.dir = ClientToServer, ServerToClient
		case hasPort(d.ports, p.Src.Port()):
			f.dir, r.dir = ServerToClient, ClientToServer
		}
	}
	if !f.hasBase {
		f.base, f.hasBase = p.RawSeq, true
	}
	if p.Flags&ACK != 0 && !r.hasBase {
		// The other side has not been seen yet: its next byte is what
		// this segment acknowledges, so that byte prints as 0.
		r.base, r.hasBase = p.RawAck, true
	}
	p.Seq = p.RawSeq - f.base
	if p.Flags&ACK != 0 {
		p.Ack = p.RawAck - r.base
	}
	p.Dir = f.dir
	d.flows[fwd], d.flows[rev] = f, r
}

func hasPort(ports []int, port uint16) bool {
	for _, p := range ports {
		if p == int(port) {
			return true
		}
	}
	return false
}

func tcpFlags(t *layers.TCP) Flags {
	var f Flags
	if t.FIN {
		f |= FIN
	}
	if t.SYN {
		f |= SYN
	}
	if t.RST {
		f |= RST
	}
	if t.PSH {
		f |= PSH
	}
	if t.ACK {
		f |= ACK
	}
	if t.URG {
		f |= URG
	}
	if t.ECE {
		f |= ECE
	}
	if t.CWR {
		f |= CWR
	}
	return f
}

func addr4(ip []byte) netip.Addr {
	if len(ip) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(ip))
}

func addr16(ip []byte) netip.Addr {
	if len(ip) != 16 {
		return netip.Addr{}
	}
	return netip.AddrFrom16([16]byte(ip))
}
