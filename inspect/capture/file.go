package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/socketlab/socketlab/inspect/visible"
)

// FileError describes a pcap or pcapng file that cannot be read: which file, at
// which byte offset, and what is wrong there.
type FileError struct {
	Path   string
	Offset int64
	Err    error
}

// Error shows the path literally (visible.String): a file name may hold
// a line break or an escape sequence.
func (e *FileError) Error() string {
	return fmt.Sprintf("%s: at byte %d: %v", visible.String(e.Path), e.Offset, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// The magic numbers that open a pcap file (as read little-endian) and a
// pcapng file.
const (
	magicMicros  = 0xa1b2c3d4
	magicNanos   = 0xa1b23c4d
	magicNg      = 0x0a0d0d0a
	maxRecordLen = 1 << 20 // a larger record length means a corrupt file
)

// fileReader reads the records of a pcap file or the blocks of a pcapng
// file (see pcapng.go), tracking the byte offset for error messages.
type fileReader struct {
	path    string
	f       *os.File
	br      *bufio.Reader
	size    int64 // the file's size when last asked, or -1 when it is not a regular file
	off     int64
	linkOff int64 // where the link type is written
	order   binary.ByteOrder
	nanos   bool
	snap    uint32
	hdr     [16]byte
	buf     []byte
	ng      *ngState // nil for a pcap file
	link    LinkType // the link type of the last frame read
	err     error    // the first error, returned from then on
}

// OpenFile opens a pcap or pcapng file, such as one written by tcpdump
// -w, Wireshark or inspect packets -w. Reading a file needs no privileges.
func OpenFile(path string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", literalPath(err))
	}
	r := &fileReader{path: path, f: f, br: bufio.NewReaderSize(f, 1<<16), size: -1}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		r.size = st.Size()
	}
	link, err := r.header()
	if err != nil {
		f.Close()
		return nil, err
	}
	dec, err := newFileDecoder(link)
	if err != nil {
		f.Close()
		return nil, &FileError{Path: path, Offset: r.linkOff, Err: err}
	}
	snap := int(r.snap)
	if snap <= 0 {
		snap = DefaultSnapLen
	}
	return &Source{name: path, r: r, file: r, dec: dec, snapLen: snap}, nil
}

// grownTo reports whether the file now holds at least end bytes. The
// size is asked again only when the one known is short: a capture that
// dumpcap or tcpdump -w is still writing grows while it is read.
func (r *fileReader) grownTo(end int64) bool {
	if end <= r.size {
		return true
	}
	if st, err := r.f.Stat(); err == nil {
		r.size = st.Size()
	}
	return end <= r.size
}

func (r *fileReader) fail(off int64, format string, args ...any) error {
	return &FileError{Path: r.path, Offset: off, Err: fmt.Errorf(format, args...)}
}

// newFileDecoder returns a decoder for a file's link type.
func newFileDecoder(link uint32) (*decoder, error) {
	return newDecoder(LinkType(link))
}

// header reads the file header and returns the link type.
func (r *fileReader) header() (uint32, error) {
	var h [24]byte
	magic, err := r.br.Peek(4)
	if err != nil {
		if len(magic) == 0 {
			return 0, r.fail(0, "empty file, not a pcap capture")
		}
		return 0, r.fail(int64(len(magic)), "file ends inside the pcap header (%d of 24 bytes)", len(magic))
	}
	copy(h[:4], magic)
	switch binary.LittleEndian.Uint32(h[:4]) {
	case magicNg:
		return r.ngOpen()
	case magicMicros:
		r.order = binary.LittleEndian
	case magicNanos:
		r.order, r.nanos = binary.LittleEndian, true
	default:
		switch binary.BigEndian.Uint32(h[:4]) {
		case magicMicros:
			r.order = binary.BigEndian
		case magicNanos:
			r.order, r.nanos = binary.BigEndian, true
		default:
			return 0, r.fail(0, "not a pcap file (magic number %#08x)", binary.LittleEndian.Uint32(h[:4]))
		}
	}
	if n, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, r.fail(int64(n), "file ends inside the pcap header (%d of 24 bytes)", n)
	}
	if major := r.order.Uint16(h[4:6]); major != 2 {
		return 0, r.fail(4, "pcap version %d.%d is not supported (want 2.4)", major, r.order.Uint16(h[6:8]))
	}
	r.snap = r.order.Uint32(h[16:20])
	r.off, r.linkOff = 24, 20
	// The top bits may say how long a frame check sequence is
	// (LT_FCS_LENGTH); the link type is the rest.
	r.link = LinkType(r.order.Uint32(h[20:24]) & 0x03ffffff)
	return uint32(r.link), nil
}

// next returns the next record's frame, which aliases r.buf.
// After an error it returns the same error again.
func (r *fileReader) next() ([]byte, time.Time, int, error) {
	if r.err != nil {
		return nil, time.Time{}, 0, r.err
	}
	data, ts, wire, err := r.record()
	if err != nil && err != io.EOF {
		r.err = err
	}
	return data, ts, wire, err
}

// record reads the next record of a pcap file or the next packet of a
// pcapng file.
func (r *fileReader) record() ([]byte, time.Time, int, error) {
	if r.ng != nil {
		return r.ngNext()
	}
	start := r.off
	n, err := io.ReadFull(r.br, r.hdr[:])
	if err == io.EOF {
		return nil, time.Time{}, 0, io.EOF
	}
	if err != nil {
		return nil, time.Time{}, 0, r.fail(start, "file is truncated: the record header has %d of 16 bytes", n)
	}
	sec := r.order.Uint32(r.hdr[0:4])
	frac := r.order.Uint32(r.hdr[4:8])
	caplen := r.order.Uint32(r.hdr[8:12])
	wire := r.order.Uint32(r.hdr[12:16])
	limit := max(r.snap, DefaultSnapLen)
	if caplen > limit || caplen > maxRecordLen {
		return nil, time.Time{}, 0, r.fail(start, "record claims %d captured bytes, more than the snap length %d: the file is corrupt", caplen, limit)
	}
	if wire < caplen {
		return nil, time.Time{}, 0, r.fail(start, "record claims %d captured bytes of a %d-byte frame: the file is corrupt", caplen, wire)
	}
	data := r.frame(caplen)
	if n, err := io.ReadFull(r.br, data); err != nil {
		return nil, time.Time{}, 0, r.fail(start, "file is truncated: the record has %d of its %d bytes", n, caplen)
	}
	r.off += 16 + int64(caplen)
	nsec := int64(frac)
	if !r.nanos {
		nsec *= 1000
	}
	return data, time.Unix(int64(sec), nsec), int(wire), nil
}

// frame returns r.buf cut to n bytes. The buffer grows as larger
// records come, doubling, so that it costs what the file holds, not what
// its header allows.
func (r *fileReader) frame(n uint32) []byte {
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, max(int(n), min(2*cap(r.buf), maxRecordLen), 4096))
	}
	return r.buf[:n]
}

func (r *fileReader) stats() uint64 { return 0 }

func (r *fileReader) close() error { return r.f.Close() }

// Unread describes the packets of a pcapng file that were not read
// because inspect cannot decode their interface's link type: how many,
// of which interfaces and link types. It returns "" when every packet
// was read, and for live sources. Call it from the goroutine that calls
// Next, once Next has returned io.EOF.
func (s *Source) Unread() string {
	if r, ok := s.r.(*fileReader); ok && r.ng != nil {
		return r.ng.unreadText()
	}
	return ""
}
