package ui

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
)

// FuzzModel feeds the model packets made from arbitrary bytes — any
// flags, numbers, lengths and payloads, in any order — and draws them:
// nothing may panic, and the ring must stay within its bounds.
func FuzzModel(f *testing.F) {
	f.Add([]byte{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x12, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3, 'h', 'i', '\n'})
	f.Add([]byte{0x11, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9, 0xff, 0, 0x04})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := stream.New(stream.Config{Ports: []int{3008}, MaxBytes: 32, MaxConversations: 2})
		u := New(Options{RingSize: 8, PayloadKeep: 16, StreamBytes: 32, Streams: 2,
			Conversations: tr, ServerPorts: []int{3008}})
		ends := []netip.AddrPort{client, server, netip.MustParseAddrPort("[::1]:3008"),
			netip.MustParseAddrPort("[::ffff:127.0.0.1]:50001")}
		for i := uint64(1); len(data) >= 11; i++ {
			p := capture.Packet{Index: i, Time: t0,
				Src: ends[data[0]>>6&3], Dst: ends[data[0]>>4&3], Flags: capture.Flags(data[1]),
				Seq: binary.BigEndian.Uint32(data[2:]), Ack: binary.BigEndian.Uint32(data[6:]),
				Len: int(data[10]),
			}
			data = data[11:]
			n := min(p.Len, len(data))
			if data0 := p.Len; data0%7 == 3 {
				p.Malformed = "fuzzed"
			}
			p.Payload, data = data[:n], data[n:]
			tr.Add(&p)
			u.m.AddPackets([]capture.Packet{p})
			if u.m.Len() > 8 {
				t.Fatalf("the ring holds %d packets, limit 8", u.m.Len())
			}
		}
		draw(t, u, 100, 30)
		press(u, key(tcell.KeyRune, 'j'))
	})
}
