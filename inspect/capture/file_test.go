package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/socketlab/socketlab/inspect/visible"
)

// readAll returns every packet of the file at path, copied.
func readAll(t testing.TB, src *Source) []Packet {
	t.Helper()
	var ps []Packet
	var p Packet
	for {
		err := src.Next(&p)
		if err == io.EOF {
			return ps
		}
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p.Copy())
	}
}

// render formats packets as inspect packets -x does, with a note, in UTC
// so the golden files do not depend on the machine's time zone.
func render(ps []Packet) string {
	var b []byte
	for _, p := range ps {
		p.Time = p.Time.UTC()
		b = AppendLine(b, &p)
		b = append(b, "  ("...)
		b = append(b, p.Dir.String()...)
		if note := Describe(&p); note != "" {
			b = append(b, "; "...)
			b = append(b, note...)
		}
		b = append(b, ")\n"...)
		b = AppendHex(b, p.Payload)
	}
	return string(b)
}

func TestRecordedSessions(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.pcap")
	if len(files) == 0 {
		t.Fatal("no recordings in testdata")
	}
	for _, file := range files {
		t.Run("decoding "+filepath.Base(file)+" matches the golden text", func(t *testing.T) {
			src, err := OpenFile(file)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.LinkType() != LinkEthernet {
				t.Errorf("link type %v, want Ethernet", src.LinkType())
			}
			got := render(readAll(t, src))
			golden := strings.TrimSuffix(file, ".pcap") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("decoded text differs from %s (run go test -update after checking):\n%s", golden, got)
			}
		})
	}
}

// rewrite writes the Ethernet frames of the file at path into a new
// pcap of link type link, each frame changed by conv.
func rewrite(t testing.TB, path string, link LinkType, conv func([]byte) []byte) string {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "converted.pcap")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, link, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range readAll(t, src) {
		p.Frame = conv(p.Frame)
		p.WireLen = len(p.Frame)
		p.Link = link
		if err := w.WritePacket(&p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOtherLinkTypes(t *testing.T) {
	want := render(mustReadFile(t, "testdata/echo4.pcap"))
	tests := []struct {
		name string
		link LinkType
		conv func([]byte) []byte
	}{
		{"raw IP packets decode like Ethernet frames", LinkRaw,
			func(b []byte) []byte { return b[14:] }},
		{"NULL/loopback frames (macOS lo0) decode like Ethernet frames", LinkNull,
			func(b []byte) []byte {
				return append(binary.LittleEndian.AppendUint32(nil, 2), b[14:]...)
			}},
		{"Linux cooked frames (tcpdump -i any) decode like Ethernet frames", LinkLinuxSLL,
			func(b []byte) []byte {
				h := make([]byte, 16)
				binary.BigEndian.PutUint16(h[2:], 772) // ARPHRD_LOOPBACK
				binary.BigEndian.PutUint16(h[4:], 6)
				binary.BigEndian.PutUint16(h[14:], 0x800)
				return append(h, b[14:]...)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := rewrite(t, "testdata/echo4.pcap", tt.link, tt.conv)
			got := render(mustReadFile(t, path))
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func mustReadFile(t testing.TB, path string) []Packet {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	return readAll(t, src)
}

func TestBadFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/echo4.pcap")
	if err != nil {
		t.Fatal(err)
	}
	firstLen := int(binary.LittleEndian.Uint32(good[24+8:]))
	second := 24 + 16 + firstLen // offset of the second record
	withLink := func(link uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[20:], link)
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		atOpen  bool
		offset  int64
		message string
	}{
		{"an empty file is not a capture", nil, true, 0, "empty file"},
		{"a text file has the wrong magic number", []byte("hello, this is not a pcap file\n"), true, 0, "not a pcap file"},
		{"a cut file header says how much is there", good[:10], true, 10, "pcap header"},
		{"an unknown link type is named", withLink(147), true, 20, "link type 147"},
		{"a cut record header gives its offset", good[:second+5], false, int64(second), "record header has 5 of 16 bytes"},
		{"a cut record gives its offset", good[:second+16+10], false, int64(second), "has 10 of its"},
		{"a record longer than the snap length is corrupt", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[second+8:], 1<<30)
			return b
		}(), false, int64(second), "the file is corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.pcap")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := OpenFile(path)
			if !tt.atOpen {
				if err != nil {
					t.Fatalf("OpenFile: %v", err)
				}
				defer src.Close()
				var p Packet
				for err == nil {
					err = src.Next(&p)
				}
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FileError", err, err)
			}
			if fe.Path != path || fe.Offset != tt.offset || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q; want path %s, offset %d and %q", err, path, tt.offset, tt.message)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "byte ") {
				t.Errorf("error %q does not name the file and the byte offset", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := OpenFile(filepath.Join(t.TempDir(), "nope.pcap"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenFile of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestFileErrorsShowNamesLiterally(t *testing.T) {
	// A name that would end the line, clear the screen and turn the rest
	// of the line around if it were printed as it is.
	name := "capture\n\x1b[2J\u202e.pcap"
	shown := visible.String(name)
	t.Run("a file found broken", func(t *testing.T) {
		err := &FileError{Path: name, Offset: 24, Err: errors.New("file is truncated")}
		if got, want := err.Error(), shown+": at byte 24: file is truncated"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("a file that cannot be opened", func(t *testing.T) {
		_, err := OpenFile(filepath.Join(t.TempDir(), name))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("error %v, want os.ErrNotExist", err)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\x1b\u202e") || !strings.Contains(msg, shown) {
			t.Errorf("error %q, want the name shown as %s", msg, shown)
		}
	})
}

func TestWriterOutputReadsBack(t *testing.T) {
	want := mustReadFile(t, "testdata/echo6.pcap")
	path := rewrite(t, "testdata/echo6.pcap", LinkEthernet, func(b []byte) []byte { return b })
	got := mustReadFile(t, path)
	if render(got) != render(want) {
		t.Errorf("written file decodes differently:\n%s", render(got))
	}
}

func TestFilePortFilter(t *testing.T) {
	src, err := OpenFile("testdata/echo4.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.SetPorts([]int{9})
	if ps := readAll(t, src); len(ps) != 0 {
		t.Errorf("with -port 9, %d packets of another port got through", len(ps))
	}
	if st := src.Stats(); st.Skipped != 14 {
		t.Errorf("stats %+v, want 14 skipped", st)
	}
}

func TestPcapng(t *testing.T) {
	want := render(mustReadFile(t, "testdata/echo4.pcap"))
	path := filepath.Join(t.TempDir(), "echo4.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mustReadFile(t, "testdata/echo4.pcap") {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Frame), Length: p.WireLen}
		if err := w.WritePacket(ci, p.Frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Run("a pcapng file decodes like the pcap it came from", func(t *testing.T) {
		if got := render(mustReadFile(t, path)); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("a cut pcapng file names the file and an offset", func(t *testing.T) {
		data, _ := os.ReadFile(path)
		cut := filepath.Join(t.TempDir(), "cut.pcapng")
		os.WriteFile(cut, data[:len(data)-30], 0o644)
		src, err := OpenFile(cut)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var p Packet
		for err == nil {
			err = src.Next(&p)
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != cut || fe.Offset <= 0 {
			t.Errorf("error %v, want a *FileError naming %s with an offset", err, cut)
		}
	})
}
