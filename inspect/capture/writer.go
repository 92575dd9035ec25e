package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Writer writes packets to a pcap file that tcpdump and Wireshark open.
// A Writer is used by one goroutine at a time.
type Writer struct {
	bw   *bufio.Writer
	pw   *pcapgo.Writer
	link LinkType
}

// ErrOtherLink is the error of WritePacket for a packet whose link type
// is not the file's: a pcap file holds frames of one link type.
var ErrOtherLink = errors.New("a pcap file holds frames of one link type")

// NewWriter writes the pcap file header for frames of the given link
// type and snap length (DefaultSnapLen when 0) and returns a Writer.
// Call Flush when done.
func NewWriter(w io.Writer, link LinkType, snapLen int) (*Writer, error) {
	if snapLen <= 0 {
		snapLen = DefaultSnapLen
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	// The header, in the machine's byte order as libpcap writes it:
	// magic, version 2.4, time zone and accuracy (0), snap length and
	// link type, which pcapgo's header would cut to 8 bits.
	var h [24]byte
	binary.NativeEndian.PutUint32(h[0:], magicMicros)
	binary.NativeEndian.PutUint16(h[4:], 2)
	binary.NativeEndian.PutUint16(h[6:], 4)
	binary.NativeEndian.PutUint32(h[16:], uint32(snapLen))
	binary.NativeEndian.PutUint32(h[20:], uint32(link))
	if _, err := bw.Write(h[:]); err != nil {
		return nil, err
	}
	return &Writer{bw: bw, pw: pcapgo.NewWriter(bw), link: link}, nil
}

// WritePacket writes p's frame with its time and length on the wire.
// Packets built by hand, without a Frame, are not written. A packet of
// another link type than the file's (a pcapng file may mix them) is
// refused with an error that wraps ErrOtherLink.
func (w *Writer) WritePacket(p *Packet) error {
	if p.Frame == nil {
		return nil
	}
	if p.Link != w.link {
		return fmt.Errorf("packet %d is of %s, the file of %s: %w",
			p.Index, linkText(p.Link), linkText(w.link), ErrOtherLink)
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
// by its owner alone (0600, whatever the umask). It refuses a path that
// exists unless opt.Force is set, and even then refuses a symbolic link,
// a path that is not a regular file, and the file opt.Reading names.
// It never follows a symbolic link at the last element of path (the
// folders on the way are the caller's choice) and never truncates a
// file: a file that is replaced is removed first, so the new one belongs
// to the caller and other names of the old one (hard links) keep its
// data. Its errors show path literally (visible.String).
func Create(path string, opt CreateOptions) (*os.File, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Nothing there yet.
	case err != nil:
		return nil, literalPath(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, createError(path, ErrSymlink)
	case !fi.Mode().IsRegular():
		return nil, createError(path, ErrNotRegular)
	case opt.Reading != "" && isFile(fi, opt.Reading):
		return nil, createError(path, ErrSameFile)
	case !opt.Force:
		return nil, createError(path, ErrExists)
	default:
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, literalPath(err)
		}
	}
	return createNew(path)
}

// createNew creates a file that does not exist yet. O_CREATE|O_EXCL
// fails on any name that exists, a symbolic link included, even one
// that points nowhere (POSIX says so, and Windows' CREATE_NEW does the
// same), so a name planted since Create looked is refused, not followed.
func createNew(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, createError(path, ErrExists)
	}
	if err != nil {
		return nil, literalPath(err)
	}
	// The umask narrows the mode given to OpenFile, and another
	// goroutine may change it for a moment (lab 09's chat does, to
	// create its socket file with no permissions): set 0600 itself.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(path)
		return nil, literalPath(err)
	}
	return f, nil
}

// createError says that Create refuses path, and why.
func createError(path string, why error) error {
	return fmt.Errorf("%s %w", visible.String(path), why)
}

// literalPath returns err, an error of the os package, with the path it
// names shown literally (visible.String), so that printing it shows the
// name's control characters instead of obeying them.
func literalPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: pe.Op, Path: visible.String(pe.Path), Err: pe.Err}
	}
	return err
}

// isFile reports whether fi describes the file at path.
func isFile(fi fs.FileInfo, path string) bool {
	other, err := os.Stat(path)
	return err == nil && os.SameFile(fi, other)
}
