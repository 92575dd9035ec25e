package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// maxFlows bounds the table that remembers each direction's first
// sequence number. When it fills up, it starts again empty: numbers of
// old connections then restart from their next packet.
const maxFlows = 1 << 16

// decoder turns frames into Packets. Its layers are allocated once and
// reused, so decoding a well-formed TCP frame does not allocate. A
// decoder is used by one goroutine at a time.
type decoder struct {
	link    LinkType    // the source's link type
	parsers []linkParse // one per link type met so far
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

// linkParse holds the parsers of one link type. Raw IP links and
// LINUX_SLL2, which gopacket does not know, start at the IP layer: the
// version nibble or the SLL2 protocol field picks the parser.
type linkParse struct {
	link   LinkType
	parser *gopacket.DecodingLayerParser // starts at the link layer, or IPv4
	six    *gopacket.DecodingLayerParser // starts at IPv6, for raw links
	skip   int                           // header bytes before the IP header
}

// sll2Len is the length of a LINUX_SLL2 header: protocol, reserved,
// interface index, ARPHRD type, packet type, address length, address.
const sll2Len = 20

// flowKey names one direction of a connection.
type flowKey struct{ src, dst netip.AddrPort }

// flowState is what the decoder remembers about one direction.
type flowState struct {
	base    uint32 // the sequence number that prints as 0
	hasBase bool
	dir     Dir
}

// errLinkType reports a link type the decoder cannot read.
type errLinkType LinkType

func (e errLinkType) Error() string {
	return fmt.Sprintf("%s is not supported: inspect reads Ethernet, "+
		"NULL/loopback, Linux cooked (v1 and v2) and raw IP captures", linkText(LinkType(e)))
}

// linkText names a link type by its number, and by its name where it
// has a known one: "link type 1 (Ethernet)".
func linkText(link LinkType) string {
	name := link.String()
	if strings.HasPrefix(name, "link type") {
		return name
	}
	return fmt.Sprintf("link type %d (%s)", uint32(link), name)
}

// newDecoder returns a decoder for frames of the given link type.
func newDecoder(link LinkType) (*decoder, error) {
	d := &decoder{
		link:    link,
		decoded: make([]gopacket.LayerType, 0, 8),
		flows:   make(map[flowKey]flowState),
	}
	if _, err := d.parse(link); err != nil {
		return nil, err
	}
	return d, nil
}

// knownLink reports whether the decoder reads frames of a link type.
func knownLink(link LinkType) bool {
	switch link {
	case LinkEthernet, LinkNull, LinkLoop, LinkLinuxSLL, LinkLinuxSLL2,
		LinkRaw, LinkIPv4, LinkIPv6, linkRawBSD, linkRawOld:
		return true
	}
	return false
}

// parse returns the parsers for frames of the given link type, made
// the first time it is met.
func (d *decoder) parse(link LinkType) (*linkParse, error) {
	for i := range d.parsers {
		if d.parsers[i].link == link {
			return &d.parsers[i], nil
		}
	}
	if !knownLink(link) {
		return nil, errLinkType(link)
	}
	used := []gopacket.DecodingLayer{&d.eth, &d.lb, &d.sll, &d.ip4, &d.ip6, &d.tcp}
	lp := linkParse{link: link}
	first := layers.LayerTypeIPv4
	switch link {
	case LinkEthernet:
		first = layers.LayerTypeEthernet
	case LinkNull, LinkLoop:
		first = layers.LayerTypeLoopback
	case LinkLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case LinkLinuxSLL2:
		lp.skip = sll2Len
		lp.six = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, used...)
	default: // raw IP
		lp.six = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, used...)
	}
	lp.parser = gopacket.NewDecodingLayerParser(first, used...)
	lp.parser.IgnoreUnsupported = true
	if lp.six != nil {
		lp.six.IgnoreUnsupported = true
	}
	d.parsers = append(d.parsers, lp)
	return &d.parsers[len(d.parsers)-1], nil
}

// decode fills p from frame, of the decoder's link type. It reports
// false when the frame is not a TCP segment (ARP, UDP, …) and should be
// passed over; a frame that claims to be TCP but cannot be read is
// returned with p.Malformed set.
func (d *decoder) decode(frame []byte, ts time.Time, wireLen int, p *Packet) bool {
	return d.decodeLink(d.link, frame, ts, wireLen, p)
}

// decodeLink is decode for a frame of the given link type. A frame of a
// link type the decoder cannot read is passed over.
func (d *decoder) decodeLink(link LinkType, frame []byte, ts time.Time, wireLen int, p *Packet) bool {
	*p = Packet{Time: ts, Frame: frame, WireLen: wireLen, Link: link}
	lp, err := d.parse(link)
	if err != nil {
		return false
	}
	parser, data := lp.parser, frame
	if lp.skip > 0 {
		if len(frame) < lp.skip {
			return d.malformed(p, fmt.Sprintf("a Linux cooked v2 header of %d of its %d bytes", len(frame), lp.skip))
		}
		data = frame[lp.skip:]
		switch binary.BigEndian.Uint16(frame[0:2]) {
		case 0x0800:
		case 0x86dd:
			parser = lp.six
		default:
			return false // not IP: ARP and friends
		}
	} else if lp.six != nil && len(frame) > 0 && frame[0]>>4 == 6 {
		parser = lp.six
	}
	err = parser.DecodeLayers(data, &d.decoded)
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
		p.netOff = offset(frame, d.ip4.Contents)
		if d.ip4.Protocol != layers.IPProtocolTCP {
			return false
		}
		if !tcp && err == nil && (d.ip4.FragOffset != 0 || d.ip4.Flags&layers.IPv4MoreFragments != 0) {
			return d.malformed(p, "IPv4 fragment (fragments are not reassembled)")
		}
	case layers.LayerTypeIPv6:
		p.Src = netip.AddrPortFrom(addr16(d.ip6.SrcIP), 0)
		p.Dst = netip.AddrPortFrom(addr16(d.ip6.DstIP), 0)
		p.netOff = offset(frame, d.ip6.Contents)
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
	p.tcpOff = offset(frame, t.Contents)
	p.payloadOff = offset(frame, p.Payload)
	d.index++
	p.Index = d.index
	d.relative(p)
	return true
}

// offset returns where part, a slice of frame that runs to the end of
// frame's capacity, starts in frame: the difference of capacities.
func offset(frame, part []byte) int { return cap(frame) - cap(part) }

// malformed marks p as a frame that could not be decoded.
func (d *decoder) malformed(p *Packet, why string) bool {
	p.Malformed = why
	d.index++
	p.Index = d.index
	return true
}

// relative sets p.Seq, p.Ack and p.Dir from what the decoder remembers
// about the connection: each side's first sequence number counts as 0.
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
