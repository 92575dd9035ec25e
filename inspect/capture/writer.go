package capture

import (
	"bufio"
	"io"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Writer writes packets to a pcap file that tcpdump and Wireshark open.
// A Writer is used by one goroutine at a time.
type Writer struct {
	bw *bufio.Writer
	pw *pcapgo.Writer
}

// NewWriter writes the pcap file header for frames of the given link
// type and snap length (DefaultSnapLen when 0) and returns a Writer.
// Call Flush when done.
func NewWriter(w io.Writer, link layers.LinkType, snapLen int) (*Writer, error) {
	if snapLen <= 0 {
		snapLen = DefaultSnapLen
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(uint32(snapLen), link); err != nil {
		return nil, err
	}
	return &Writer{bw: bw, pw: pw}, nil
}

// WritePacket writes p's frame with its time and length on the wire.
// Packets built by hand, without a Frame, are not written.
func (w *Writer) WritePacket(p *Packet) error {
	if p.Frame == nil {
		return nil
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Frame), Length: max(p.WireLen, len(p.Frame))}
	return w.pw.WritePacket(ci, p.Frame)
}

// Flush writes buffered packets to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
