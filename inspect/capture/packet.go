package capture

import (
	"net/netip"
	"time"
)

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
// direction of the connection (as tcpdump prints them); RawSeq and RawAck
// are the numbers on the wire. Len is the TCP payload length; Payload
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

	payloadOff int // where Payload starts in Frame
}

// Stats are a live source's counters.
type Stats struct {
	Packets uint64 // frames delivered to the reader
	Drops   uint64 // frames the kernel dropped because the reader fell behind
	Skipped uint64 // frames read but passed over because they are not TCP
}
