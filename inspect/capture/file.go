package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// FileError describes a pcap file that cannot be read: which file, at
// which byte offset, and what is wrong there.
type FileError struct {
	Path   string
	Offset int64
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s: at byte %d: %v", e.Path, e.Offset, e.Err)
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

// fileReader reads the records of a pcap file (or, through pcapgo, a
// pcapng file), tracking the byte offset for error messages.
type fileReader struct {
	path  string
	f     *os.File
	br    *bufio.Reader
	off   int64
	order binary.ByteOrder
	nanos bool
	snap  uint32
	hdr   [16]byte
	buf   []byte
	ng    *pcapgo.NgReader
	cr    *countingReader
}

// OpenFile opens a pcap or pcapng file, such as one written by tcpdump
// -w, Wireshark or inspect packets -w. Reading a file needs no privileges.
func OpenFile(path string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	r := &fileReader{path: path, f: f, br: bufio.NewReaderSize(f, 1<<16)}
	link, err := r.header()
	if err != nil {
		f.Close()
		return nil, err
	}
	dec, err := newDecoder(link)
	if err != nil {
		f.Close()
		return nil, &FileError{Path: path, Offset: 20, Err: err}
	}
	snap := int(r.snap)
	if snap <= 0 {
		snap = DefaultSnapLen
	}
	return &Source{name: path, r: r, dec: dec, snapLen: snap}, nil
}

func (r *fileReader) fail(off int64, format string, args ...any) error {
	return &FileError{Path: r.path, Offset: off, Err: fmt.Errorf(format, args...)}
}

// header reads the file header and returns the link type.
func (r *fileReader) header() (layers.LinkType, error) {
	var h [24]byte
	n, err := io.ReadFull(r.br, h[:4])
	if err != nil {
		if n == 0 {
			return 0, r.fail(0, "empty file, not a pcap capture")
		}
		return 0, r.fail(int64(n), "file ends inside the pcap header (%d of 24 bytes)", n)
	}
	switch binary.LittleEndian.Uint32(h[:4]) {
	case magicNg:
		return r.ngHeader(h[:4])
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
	if n, err := io.ReadFull(r.br, h[4:]); err != nil {
		return 0, r.fail(int64(4+n), "file ends inside the pcap header (%d of 24 bytes)", 4+n)
	}
	if major := r.order.Uint16(h[4:6]); major != 2 {
		return 0, r.fail(4, "pcap version %d.%d is not supported (want 2.4)", major, r.order.Uint16(h[6:8]))
	}
	r.snap = r.order.Uint32(h[16:20])
	r.off = 24
	return layers.LinkType(r.order.Uint32(h[20:24]) & 0xffff), nil
}

// ngHeader hands a pcapng file to pcapgo's reader.
func (r *fileReader) ngHeader(magic []byte) (layers.LinkType, error) {
	head := bytesReader(magic)
	r.cr = &countingReader{r: io.MultiReader(&head, r.br)}
	ng, err := pcapgo.NewNgReader(r.cr, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		return 0, r.fail(r.cr.n, "reading the pcapng header: %v", err)
	}
	r.ng = ng
	if ng.NInterfaces() > 0 {
		if ifc, err := ng.Interface(0); err == nil {
			r.snap = uint32(ifc.SnapLength)
		}
	}
	return ng.LinkType(), nil
}

// next returns the next record's frame, which aliases r.buf.
func (r *fileReader) next() ([]byte, time.Time, int, error) {
	if r.ng != nil {
		start := r.cr.n
		data, ci, err := r.ng.ZeroCopyReadPacketData()
		if err == io.EOF {
			// pcapgo reports a cut last block as a clean end: check.
			if err := r.ngCheck(); err != nil {
				return nil, time.Time{}, 0, err
			}
			return nil, time.Time{}, 0, io.EOF
		}
		if err != nil {
			return nil, time.Time{}, 0, r.fail(start, "reading a pcapng block: %v", err)
		}
		return data, ci.Timestamp.Local(), ci.Length, nil
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
	if cap(r.buf) < int(caplen) {
		r.buf = make([]byte, min(limit, maxRecordLen))
	}
	data := r.buf[:caplen]
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

// ngCheck walks the block lengths of a pcapng file and reports the
// first block that runs past the end of the file.
func (r *fileReader) ngCheck() error {
	st, err := r.f.Stat()
	if err != nil {
		return nil
	}
	size := st.Size()
	var order binary.ByteOrder = binary.LittleEndian
	var h [12]byte
	for off := int64(0); off < size; {
		n, _ := r.f.ReadAt(h[:], off)
		if n < 8 {
			return r.fail(off, "file is truncated: a pcapng block header has %d of 8 bytes", n)
		}
		if binary.LittleEndian.Uint32(h[:4]) == magicNg && n == 12 {
			if binary.LittleEndian.Uint32(h[8:12]) != 0x1a2b3c4d {
				order = binary.BigEndian
			} else {
				order = binary.LittleEndian
			}
		}
		length := int64(order.Uint32(h[4:8]))
		if length < 12 {
			return r.fail(off, "pcapng block claims %d bytes: the file is corrupt", length)
		}
		if off+length > size {
			return r.fail(off, "file is truncated: the pcapng block has %d of its %d bytes", size-off, length)
		}
		off += length
	}
	return nil
}

func (r *fileReader) stats() uint64 { return 0 }

func (r *fileReader) close() error { return r.f.Close() }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type bytesReader []byte

func (b *bytesReader) Read(p []byte) (int, error) {
	if len(*b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, *b)
	*b = (*b)[n:]
	return n, nil
}
