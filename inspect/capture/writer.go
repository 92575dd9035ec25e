package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

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

// The reasons Create refuses a path; its errors wrap one of them.
var (
	ErrExists     = errors.New("already exists: choose another name or remove it")
	ErrSymlink    = errors.New("is a symbolic link, and inspect never writes through one: remove the link or choose another name")
	ErrNotRegular = errors.New("is not a regular file: choose another name")
	ErrSameFile   = errors.New("is the capture being read: write the copy under another name")
)

// CreateOptions says what Create may do with a file that exists.
type CreateOptions struct {
	// Force replaces an existing regular file. A symbolic link, or
	// anything else that is not a regular file, is never replaced.
	Force bool
	// Reading names the capture being read, if any: it is never the
	// file written, under whatever name it is reached.
	Reading string
}

// Create creates the file at path for a capture, readable and writable
// by its owner alone (0600; a umask can only narrow it). It refuses a path that
// exists unless opt.Force is set, and even then refuses a symbolic link,
// a path that is not a regular file, and the file opt.Reading names.
// It never follows a symbolic link and never truncates a file: a file
// that is replaced is removed first, so the new one belongs to the
// caller and other names of the old one (hard links) keep its data.
func Create(path string, opt CreateOptions) (*os.File, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Nothing there yet.
	case err != nil:
		return nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s %w", path, ErrSymlink)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s %w", path, ErrNotRegular)
	case opt.Reading != "" && isFile(fi, opt.Reading):
		return nil, fmt.Errorf("%s %w", path, ErrSameFile)
	case !opt.Force:
		return nil, fmt.Errorf("%s %w", path, ErrExists)
	default:
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	// O_EXCL fails on any name that exists, a link included, so a
	// name planted since the check above is refused, not followed.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s %w", path, ErrExists)
	}
	return f, err
}

// isFile reports whether fi describes the file at path.
func isFile(fi fs.FileInfo, path string) bool {
	other, err := os.Stat(path)
	return err == nil && os.SameFile(fi, other)
}
