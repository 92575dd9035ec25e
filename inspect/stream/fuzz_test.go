package stream

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// segments turns fuzz bytes into segments between two pairs of ends:
// each 12 bytes give the sender, flags, sequence and acknowledgement
// numbers (near each other, so that they overlap and leave holes) and a
// payload length.
func segments(data []byte) []capture.Packet {
	ends := []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:3008"),
		netip.MustParseAddrPort("[::1]:40001"), netip.MustParseAddrPort("[::ffff:127.0.0.1]:3008"),
	}
	payload := make([]byte, 300)
	var ps []capture.Packet
	at := time.Unix(1, 0)
	for len(data) >= 12 {
		b := data[:12]
		data = data[12:]
		from := int(b[0] % 4)
		to := from ^ 1
		n := int(b[1]) + int(b[2]&1)<<8
		n = min(n, len(payload))
		at = at.Add(time.Duration(b[3]) * 10 * time.Millisecond)
		ps = append(ps, capture.Packet{
			Time: at, Src: ends[from], Dst: ends[to],
			Flags:  capture.Flags(b[4]),
			RawSeq: uint32(binary.BigEndian.Uint16(b[5:7]) & 0x3ff),
			RawAck: uint32(binary.BigEndian.Uint16(b[7:9]) & 0x3ff),
			Window: binary.BigEndian.Uint16(b[9:11]),
			Len:    n, Payload: payload[:n-int(b[11]%4)%max(n, 1)],
		})
	}
	return ps
}

// FuzzTracker feeds any sequence of segments: nothing panics, the bytes
// held stay within the bounds, and every byte shown or marked missing
// was sent.
func FuzzTracker(f *testing.F) {
	f.Add([]byte("\x00\x10\x00\x01\x12\x00\x01\x00\x00\xff\xff\x00\x01\x10\x00\x01\x12\x00\x01\x00\x11\xff\xff\x00"))
	f.Add(make([]byte, 120))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps := segments(data)
		now := time.Unix(1, 0)
		tr := New(Config{MaxBytes: 2000, MaxPending: 700, MaxPendingTotal: 1000,
			MaxConversations: 2, Now: func() time.Time { return now }})
		for i := range ps {
			tr.Add(&ps[i])
			now = now.Add(100 * time.Millisecond)
			tr.mu.Lock()
			held := 0
			for _, c := range tr.convs {
				held += c.halves[0].held + c.halves[1].held
				if c.held > 2000 {
					t.Fatalf("a conversation keeps %d, limit 2000", c.held)
				}
			}
			if held != tr.pending || held > 1000 {
				t.Fatalf("%d bytes wait, %d counted, limit 1000", held, tr.pending)
			}
			tr.mu.Unlock()
		}
		tr.FlushAll()
		for _, c := range tr.Conversations() {
			full, _ := tr.Conversation(c.Client, c.Server)
			for _, ch := range full.Chunks {
				if ch.Gap < 0 || ch.Gap != 0 && len(ch.Data) != 0 {
					t.Fatalf("bad chunk %+v", ch)
				}
			}
		}
	})
}
