package capture

import (
	"testing"
	"time"
)

// fuzzLinks are the link types FuzzDecode picks from.
var fuzzLinks = []LinkType{LinkEthernet, LinkNull, LinkRaw, LinkLinuxSLL, LinkLoop,
	LinkLinuxSLL2, LinkIPv6}

// FuzzDecode feeds arbitrary frames to the decoder of each link type.
// It must never panic, and whatever it returns must format. The seeds in
// testdata/fuzz/FuzzDecode are frames of the recorded sessions, whole
// and cut short.
func FuzzDecode(f *testing.F) {
	for _, p := range mustReadFile(f, "testdata/echo4.pcap")[:4] {
		f.Add(uint8(0), p.Frame)
		f.Add(uint8(2), p.Frame[14:])
		f.Add(uint8(0), p.Frame[:40])
	}
	f.Fuzz(func(t *testing.T, link uint8, frame []byte) {
		d, err := newDecoder(fuzzLinks[int(link)%len(fuzzLinks)])
		if err != nil {
			t.Fatal(err)
		}
		d.ports = []int{3008}
		var p Packet
		if !d.decode(frame, time.Unix(0, 0), len(frame), &p) {
			return
		}
		line := Line(&p)
		_ = Describe(&p)
		_ = Hex(p.Payload)
		pr := NewPrinter(PrintOptions{Verbose: true, Link: true, Time: TimeDelta})
		_ = pr.AppendLine(nil, &p)
		_ = AppendHexOnly(nil, p.IP())
		c := p.Copy()
		if string(c.Payload) != string(p.Payload) {
			t.Fatalf("Copy changed the payload: %q vs %q", c.Payload, p.Payload)
		}
		if p.Malformed == "" && len(p.Payload) > p.Len {
			t.Fatalf("payload of %d bytes but length %d: %s", len(p.Payload), p.Len, line)
		}
	})
}

func TestMalformedFrames(t *testing.T) {
	frames := mustReadFile(t, "testdata/echo4.pcap")
	data := frames[3].Frame // the first "hello\n" segment
	tests := []struct {
		name  string
		frame []byte
	}{
		{"an Ethernet header cut short", data[:10]},
		{"an IPv4 header cut short", data[:14+12]},
		{"a TCP header cut short", data[:14+20+8]},
		{"a TCP data offset beyond the frame", func() []byte {
			b := append([]byte(nil), data[:14+20+20]...)
			b[14+20+12] = 0xf0
			return b
		}()},
		{"an IPv4 header length below 20", func() []byte {
			b := append([]byte(nil), data...)
			b[14] = 0x41
			return b
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is reported as malformed", func(t *testing.T) {
			d, _ := newDecoder(LinkEthernet)
			var p Packet
			if !d.decode(tt.frame, time.Unix(0, 0), len(tt.frame), &p) {
				t.Fatal("decoder passed the frame over as not TCP")
			}
			if p.Malformed == "" {
				t.Fatalf("not marked malformed: %s", Line(&p))
			}
			t.Log(Line(&p))
		})
	}
	t.Run("an ARP frame is passed over", func(t *testing.T) {
		d, _ := newDecoder(LinkEthernet)
		arp := append([]byte(nil), data[:42]...)
		arp[12], arp[13] = 0x08, 0x06
		var p Packet
		if d.decode(arp, time.Unix(0, 0), len(arp), &p) {
			t.Errorf("ARP frame delivered: %s", Line(&p))
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	frames := mustReadFile(b, "testdata/echo4.pcap")
	d, err := newDecoder(LinkEthernet)
	if err != nil {
		b.Fatal(err)
	}
	ts := time.Now()
	var p Packet
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := frames[i%len(frames)].Frame
		if !d.decode(f, ts, len(f), &p) || p.Malformed != "" {
			b.Fatal("frame not decoded")
		}
	}
}

func BenchmarkDecodeAndFormat(b *testing.B) {
	frames := mustReadFile(b, "testdata/echo4.pcap")
	d, _ := newDecoder(LinkEthernet)
	ts := time.Now()
	var p Packet
	line := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := frames[i%len(frames)].Frame
		d.decode(f, ts, len(f), &p)
		line = AppendLine(line[:0], &p)
		line = AppendHex(line, p.Payload)
	}
}

func BenchmarkReadFile(b *testing.B) {
	b.ReportAllocs()
	var p Packet
	n := 0
	for b.Loop() {
		src, err := OpenFile("testdata/echo4.pcap")
		if err != nil {
			b.Fatal(err)
		}
		for src.Next(&p) == nil {
			n++
		}
		src.Close()
	}
	b.ReportMetric(float64(n)/float64(b.N), "packets/op")
}
