package analysis

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// FuzzAnalyze feeds any sequence of segments between a few ends, with
// sequence and acknowledgement numbers close enough to repeat, overlap
// and leave holes: nothing panics, every segment gets a direction and a
// note, and the connections kept stay within the bound.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte("\x00\x10\x02\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x12\x00\x05\x00\x01\x00\x00\x02\x00\x00"))
	f.Add(make([]byte, 120))
	ends := []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:3008"),
		netip.MustParseAddrPort("[::1]:40001"), netip.MustParseAddrPort("[::ffff:127.0.0.1]:3008"),
		netip.MustParseAddrPort("127.0.0.1:40002"), netip.MustParseAddrPort("127.0.0.2:3008"),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := New(Config{Ports: []int{3008}, MaxConns: 2})
		at := time.Unix(1, 0)
		for ; len(data) >= 12; data = data[12:] {
			b := data[:12]
			from := int(b[0]) % len(ends)
			at = at.Add(time.Duration(b[1]) * time.Millisecond)
			p := capture.Packet{
				Time: at, Src: ends[from], Dst: ends[from^1],
				Flags:  capture.Flags(b[2]),
				RawSeq: uint32(binary.BigEndian.Uint16(b[3:5]) & 0x1ff),
				RawAck: uint32(binary.BigEndian.Uint16(b[5:7]) & 0x1ff),
				Window: binary.BigEndian.Uint16(b[7:9]) & 0x3,
				Len:    int(b[9] % 4),
				Dir:    capture.Dir(b[10] % 3),
			}
			if b[11] == 0 {
				p.Malformed = "cut short"
			}
			r := a.Analyze(&p)
			if r.Note == "" {
				t.Fatalf("no note for %+v", p)
			}
			if p.Malformed == "" && r.Dir != capture.ClientToServer && r.Dir != capture.ServerToClient {
				t.Fatalf("no direction for %+v", p)
			}
			if len(a.conns) > 2 {
				t.Fatalf("%d connections kept, limit 2", len(a.conns))
			}
		}
	})
}
