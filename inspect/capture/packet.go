package capture

import (
	"fmt"
	"net/netip"
	"time"
)

// LinkType is the link-layer header type of a frame, numbered as pcap
// and pcapng files number it (LINKTYPE_*): 1 for Ethernet, 276 for
// LINUX_SLL2. It has 32 bits, since pcap files use numbers above 255.
type LinkType uint32

// The link types inspect decodes.
const (
	LinkNull      LinkType = 0   // BSD loopback: a 4-byte address family in host order
	LinkEthernet  LinkType = 1   // Ethernet, and Linux's lo
	LinkRaw       LinkType = 101 // raw IP, version in the first nibble
	LinkLoop      LinkType = 108 // OpenBSD loopback: the family in network order
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture, 16-byte header
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
	linkRawBSD    LinkType = 12  // raw IP as some BSDs number it
	linkRawOld    LinkType = 14  // raw IP as OpenBSD once numbered it
)

// String names the link type as gopacket does ("Ethernet", "Linux
// SLL"); a type inspect does not decode is named by its number: "link
// type 300".
func (l LinkType) String() string {
	switch l {
	case LinkNull:
		return "Null"
	case LinkEthernet:
		return "Ethernet"
	case LinkRaw, linkRawBSD, linkRawOld:
		return "Raw"
	case LinkLoop:
		return "Loop"
	case LinkLinuxSLL:
		return "Linux SLL"
	case LinkIPv4:
		return "IPv4"
	case LinkIPv6:
		return "IPv6"
	case LinkLinuxSLL2:
		return "Linux SLL2"
	}
	return fmt.Sprintf("link type %d", uint32(l))
}

// Flags holds the TCP control bits of a segment.
type Flags uint8

// The TCP control bits, in header order.
const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

// Packet is one decoded TCP segment: a plain value, safe to copy and to
// hand to another goroutine once Payload is owned by the receiver.
//
// Seq and Ack are relative to the first sequence number seen in each
// direction of the connection, so a SYN's Seq is 0 (tcpdump, and a
// Printer, show a SYN's real number); RawSeq and RawAck are the numbers
// on the wire. Len is the TCP payload length; Payload
// holds at most the captured bytes of it. Malformed is non-empty when
// the frame could not be decoded as IPv4/IPv6 + TCP, and then says why.
//
// A Packet filled by Source.Next borrows Payload and Frame from the
// source's buffer: they stay valid only until the next call to Next.
// Call Copy to keep a packet longer or to hand it to another goroutine.
type Packet struct {
	Index     uint64 // 1 for the first packet of a source
	Time      time.Time
	Src, Dst  netip.AddrPort
	Flags     Flags
	Seq, Ack  uint32
	RawSeq    uint32
	RawAck    uint32
	Window    uint16
	Len       int
	Payload   []byte
	WireLen   int // the frame's length on the wire
	Malformed string

	// Dir says which way the segment travels: the side that sent the
	// SYN is the client; when the SYN was not seen, the side whose port
	// is one of the source's ports is the server.
	Dir Dir

	// Frame is the captured frame, link-layer header included, as it
	// would be written to a pcap file. Payload is a part of it.
	Frame []byte

	// Link is the link type of Frame. A pcapng file may hold frames
	// of several link types, one per interface.
	Link LinkType

	netOff     int // where the IP header starts in Frame
	tcpOff     int // where the TCP header starts in Frame
	payloadOff int // where Payload starts in Frame
}

// Stats are a live source's counters.
type Stats struct {
	Packets uint64 // frames delivered to the reader
	Drops   uint64 // frames the kernel dropped because the reader fell behind
	Skipped uint64 // frames read but passed over because they are not TCP
}
