package stream

import (
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// BenchmarkAddInOrder measures one in-order 1400-byte segment, the
// common case under a flood.
func BenchmarkAddInOrder(b *testing.B) {
	ps := recording(b, "echo4.pcap")
	syn := ps[0]
	data := make([]byte, 1400)
	p := ps[3] // the client's first data segment
	p.Payload, p.Len = data, len(data)
	tr := New(Config{Now: func() time.Time { return p.Time }})
	tr.Add(&syn)
	seq := p.RawSeq
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.RawSeq = seq + uint32(i*len(data))
		p.Flags = capture.ACK | capture.PSH
		tr.Add(&p)
	}
}
