package capture

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
)

// fuzzFileSeeds returns whole files to start FuzzOpenFile from: every
// file in testdata (recordings, real pcapng captures, crafted files),
// the crafted files as the tests build them, and small pcap and pcapng
// variants of one recorded frame.
func fuzzFileSeeds(t testing.TB) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, pattern := range []string{"testdata/*.pcap*", "testdata/links/*.pcap*", "testdata/crafted/*"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if strings.HasSuffix(file, ".tshark") {
				continue // tshark's numbers, not a capture
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	for _, c := range craftedFiles(t) {
		if c.file == "" && len(c.data) > 1<<16 {
			continue // too large to mutate usefully
		}
		seeds = append(seeds, c.data)
	}
	ps := echoFrames(t)
	frame := ps[3].Frame
	le, be := binary.LittleEndian, binary.BigEndian

	// pcap: each byte order, microseconds and nanoseconds, cut short.
	for _, order := range []byteOrder{le, be} {
		for _, magic := range []uint32{0xa1b2c3d4, 0xa1b23c4d} {
			var b []byte
			b = order.AppendUint32(b, magic)
			b = order.AppendUint16(b, 2)
			b = order.AppendUint16(b, 4)
			b = order.AppendUint64(b, 0)
			b = order.AppendUint32(b, 262144)
			b = order.AppendUint32(b, 1)
			for _, v := range []uint32{1, 2, uint32(len(frame)), uint32(len(frame))} {
				b = order.AppendUint32(b, v)
			}
			b = append(b, frame...)
			seeds = append(seeds, b, b[:len(b)-7], b[:30])
		}
	}

	// pcapng: each block type, resolutions, sections, other link types.
	w := newNgFile(be)
	w.iface(1, 0, w.opt(9, 0x80|10), w.opt(14, 0, 0, 0, 0, 0, 0, 0, 5), w.opt(0))
	w.epb(0, 1<<40, frame)
	w.block(3, be.AppendUint32(nil, uint32(len(frame))), frame)
	seeds = append(seeds, w.bytes())
	w2 := newNgFile(le).iface(12, 128).iface(113, 0)
	w2.epb(1, 5, frame[:20]).block(4, make([]byte, 8)).epb(0, 5, frame[14:])
	w2.b = append(w2.b, newNgFile(be).iface(1, 0).epb(0, 9, frame).bytes()...)
	seeds = append(seeds, w2.bytes())
	pb := le.AppendUint32(nil, 0)
	for _, v := range []uint32{0, 7, uint32(len(frame)), uint32(len(frame))} {
		pb = le.AppendUint32(pb, v)
	}
	seeds = append(seeds, newNgFile(le).iface(1, 0).block(2, pb, frame).bytes())
	return seeds
}

// FuzzOpenFile writes each input to a file, opens it with OpenFile and
// reads every packet through Next, formatting each one as inspect
// packets -v -e -X does. Nothing may panic; every error must be a *FileError;
// and reading a file must cost memory in proportion to its size, not to
// the lengths written in it.
func FuzzOpenFile(f *testing.F) {
	for _, seed := range fuzzFileSeeds(f) {
		f.Add(seed)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "input")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		allocated := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
		metrics.Read(allocated)
		before := allocated[0].Value.Uint64()
		src, err := OpenFile(path)
		if err == nil {
			var p Packet
			line := make([]byte, 0, 256)
			pr := NewPrinter(PrintOptions{Verbose: true, Link: true})
			for {
				if err = src.Next(&p); err != nil {
					break
				}
				line = pr.AppendLine(line[:0], &p)
				line = AppendHex(line, p.IP())
				_ = Describe(&p)
				if p.Malformed == "" && len(p.Payload) > p.Len {
					t.Fatalf("payload of %d bytes but length %d: %s", len(p.Payload), p.Len, line)
				}
			}
			_ = src.Unread()
			src.Close()
		}
		metrics.Read(allocated)
		alloc := allocated[0].Value.Uint64() - before
		if err != nil && err != io.EOF {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v (%T), want a *FileError naming the file", err, err)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Fatalf("error %v: offset outside the file of %d bytes", err, len(data))
			}
		}
		// The reader's buffers (64 KiB, and one frame of at most 1 MiB)
		// and some bytes per packet; a length taken on trust costs more.
		if limit := uint64(2<<20 + 256*len(data)); alloc > limit {
			t.Fatalf("reading %d bytes allocated %d bytes (limit %d)", len(data), alloc, limit)
		}
	})
}
