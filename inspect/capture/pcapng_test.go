package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ngFile builds a pcapng file block by block, in one byte order. Its
// numbers are the format's own, written out, so that a wrong constant
// in the reader cannot hide behind the same constant here.
type ngFile struct {
	order byteOrder
	b     []byte
}

// byteOrder reads and appends numbers, as binary.LittleEndian does.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// newNgFile starts a file with a section header.
func newNgFile(order byteOrder) *ngFile {
	return (&ngFile{order: order}).section()
}

// raw appends the 4-byte words as they are.
func (w *ngFile) raw(words ...uint32) *ngFile {
	for _, v := range words {
		w.b = w.order.AppendUint32(w.b, v)
	}
	return w
}

// block appends a block of type typ holding the parts, padded to 4 bytes.
func (w *ngFile) block(typ uint32, parts ...[]byte) *ngFile {
	body := bytes.Join(parts, nil)
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	w.raw(typ, n)
	w.b = append(w.b, body...)
	return w.raw(n)
}

// section appends a section header, version 1.0, of unknown length.
func (w *ngFile) section() *ngFile {
	b := w.order.AppendUint32(nil, 0x1a2b3c4d)
	b = w.order.AppendUint16(b, 1)
	b = w.order.AppendUint16(b, 0)
	b = w.order.AppendUint64(b, ^uint64(0))
	return w.block(0x0a0d0d0a, b)
}

// iface appends an interface description with the options given.
func (w *ngFile) iface(link uint16, snap uint32, opts ...[]byte) *ngFile {
	b := w.order.AppendUint16(nil, link)
	b = append(b, 0, 0)
	b = w.order.AppendUint32(b, snap)
	return w.block(1, append([][]byte{b}, opts...)...)
}

// opt returns an option, padded.
func (w *ngFile) opt(code uint16, value ...byte) []byte {
	b := w.order.AppendUint16(nil, code)
	b = w.order.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// epb appends an enhanced packet block of interface id holding frame,
// with ts in the interface's units, followed by the options given.
func (w *ngFile) epb(id uint32, ts uint64, frame []byte, opts ...[]byte) *ngFile {
	return w.epbWith(id, ts, uint32(len(frame)), uint32(len(frame)), frame, opts...)
}

// epbWith is epb with the lengths given, whatever the frame.
func (w *ngFile) epbWith(id uint32, ts uint64, caplen, wire uint32, frame []byte, opts ...[]byte) *ngFile {
	var b []byte
	for _, v := range []uint32{id, uint32(ts >> 32), uint32(ts), caplen, wire} {
		b = w.order.AppendUint32(b, v)
	}
	data := append([]byte(nil), frame...)
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	return w.block(6, append([][]byte{b, data}, opts...)...)
}

// bytes returns the file so far.
func (w *ngFile) bytes() []byte { return bytes.Clone(w.b) }

// echoFrames returns the frames and times of testdata/echo4.pcap.
func echoFrames(t testing.TB) []Packet {
	t.Helper()
	return mustReadFile(t, "testdata/echo4.pcap")
}

// writeTemp writes data to a file in a new temporary directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPcapngVariants(t *testing.T) {
	ps := echoFrames(t)
	want := render(ps)
	le, be := binary.LittleEndian, binary.BigEndian
	micros := func(p Packet) uint64 { return uint64(p.Time.UnixMicro()) }
	tests := []struct {
		name  string
		build func() []byte
	}{
		{"little-endian, in microseconds (no if_tsresol)", func() []byte {
			w := newNgFile(le).iface(1, 262144)
			for _, p := range ps {
				w.epb(0, micros(p), p.Frame)
			}
			return w.bytes()
		}},
		{"big-endian", func() []byte {
			w := newNgFile(be).iface(1, 262144)
			for _, p := range ps {
				w.epb(0, micros(p), p.Frame)
			}
			return w.bytes()
		}},
		{"in nanoseconds (if_tsresol 9), after other options", func() []byte {
			w := newNgFile(le)
			w.iface(1, 0, w.opt(2, []byte("lo")...), w.opt(9, 9), w.opt(0))
			for _, p := range ps {
				w.epb(0, uint64(p.Time.UnixNano()), p.Frame)
			}
			return w.bytes()
		}},
		{"timestamps relative to if_tsoffset", func() []byte {
			base := ps[0].Time.Unix()
			w := newNgFile(be)
			w.iface(1, 262144, w.opt(14, be.AppendUint64(nil, uint64(base))...))
			for _, p := range ps {
				w.epb(0, micros(p)-uint64(base)*1e6, p.Frame)
			}
			return w.bytes()
		}},
		{"two sections, one in each byte order", func() []byte {
			w := newNgFile(le).iface(1, 262144)
			for _, p := range ps[:7] {
				w.epb(0, micros(p), p.Frame)
			}
			w2 := newNgFile(be).iface(1, 262144)
			for _, p := range ps[7:] {
				w2.epb(0, micros(p), p.Frame)
			}
			return append(w.bytes(), w2.bytes()...)
		}},
		{"name resolution, statistics, custom and unknown blocks are passed over", func() []byte {
			w := newNgFile(le).block(4, []byte{1, 0, 8, 0, 127, 0, 0, 1, 'l', 'o', 0, 0, 0, 0, 0, 0})
			w.iface(1, 262144).block(0xbad, []byte("???"))
			for i, p := range ps {
				w.epb(0, micros(p), p.Frame, w.opt(1, []byte("a comment")...), w.opt(0))
				if i == 3 {
					w.block(5, make([]byte, 12)).block(0x40000bad, make([]byte, 8)).block(0xa, make([]byte, 32))
				}
			}
			return w.bytes()
		}},
		{"interfaces of one link type are all read, each in its resolution", func() []byte {
			w := newNgFile(le).iface(1, 262144)
			w.iface(1, 262144, w.opt(9, 0x80|30))
			for i, p := range ps {
				if i%2 == 0 {
					w.epb(0, micros(p), p.Frame)
				} else {
					// Units of 2^-30 s, rounded up so that they read
					// back as the same microsecond.
					us := micros(p)
					w.epb(1, us/1e6<<30|(us%1e6<<30+1e6-1)/1e6, p.Frame)
				}
			}
			return w.bytes()
		}},
		{"obsolete packet blocks", func() []byte {
			w := newNgFile(be).iface(1, 262144)
			for _, p := range ps {
				ts := micros(p)
				b := be.AppendUint16(nil, 0) // interface
				b = be.AppendUint16(b, 0)    // drops
				for _, v := range []uint32{uint32(ts >> 32), uint32(ts), uint32(len(p.Frame)), uint32(p.WireLen)} {
					b = be.AppendUint32(b, v)
				}
				w.block(2, b, p.Frame)
			}
			return w.bytes()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" reads like the pcap", func(t *testing.T) {
			got := render(mustReadFile(t, writeTemp(t, "echo4.pcapng", tt.build())))
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	t.Run("simple packet blocks give every frame, cut to the snap length", func(t *testing.T) {
		le := binary.LittleEndian
		for _, snap := range []uint32{0, 60} {
			w := newNgFile(le).iface(1, snap)
			for _, p := range ps {
				w.block(3, le.AppendUint32(nil, uint32(len(p.Frame))), p.Frame)
			}
			got := mustReadFile(t, writeTemp(t, "simple.pcapng", w.bytes()))
			if len(got) != len(ps) {
				t.Fatalf("snap %d: %d packets, want %d", snap, len(got), len(ps))
			}
			for i, p := range got {
				want := ps[i].Frame
				if snap != 0 && len(want) > int(snap) {
					want = want[:snap]
				}
				if !bytes.Equal(p.Frame, want) || p.WireLen != len(ps[i].Frame) || !p.Time.Equal(time.Unix(0, 0)) {
					t.Errorf("snap %d, packet %d: %d bytes of %d at %v, want %d of %d at 0",
						snap, i+1, len(p.Frame), p.WireLen, p.Time, len(want), len(ps[i].Frame))
				}
			}
		}
	})
}

func TestPcapngTimestamps(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		tsres  []byte // the if_tsresol value, if any
		offset int64
		ts     uint64
		want   time.Time
	}{
		{"microseconds when no resolution is given", nil, 0, 1_500_000_000_123_456, time.Unix(1_500_000_000, 123_456_000)},
		{"10^-9: nanoseconds", []byte{9}, 0, 1_500_000_000_123_456_789, time.Unix(1_500_000_000, 123_456_789)},
		{"10^0: seconds", []byte{0}, 0, 42, time.Unix(42, 0)},
		{"10^-19, the finest power of ten in 64 bits", []byte{19}, 0, 15e18, time.Unix(1, 5e8)},
		{"2^-20", []byte{0x80 | 20}, 0, 3<<20 | 1<<19, time.Unix(3, 5e8)},
		{"2^0: seconds", []byte{0x80}, 0, 7, time.Unix(7, 0)},
		{"2^-63, the finest power of two in 64 bits", []byte{0x80 | 63}, 0, 3 << 62, time.Unix(1, 5e8)},
		{"if_tsoffset adds seconds", nil, 1_000_000_000, 2_500_000, time.Unix(1_000_000_002, 5e8)},
		{"a negative if_tsoffset", []byte{3}, -100, 250_500, time.Unix(150, 5e8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newNgFile(le)
			var opts [][]byte
			if tt.tsres != nil {
				opts = append(opts, w.opt(9, tt.tsres...))
			}
			if tt.offset != 0 {
				opts = append(opts, w.opt(14, le.AppendUint64(nil, uint64(tt.offset))...))
			}
			frame := echoFrames(t)[0].Frame
			w.iface(1, 0, opts...).epb(0, tt.ts, frame)
			got := mustReadFile(t, writeTemp(t, "ts.pcapng", w.bytes()))
			if len(got) != 1 || !got[0].Time.Equal(tt.want) {
				t.Errorf("got %v, want one packet at %v", got, tt.want.UTC())
			}
		})
	}
}

// craftedFile is a pcapng file built to break a reader, kept in
// testdata/crafted so that the command's tests and the fuzzer use it
// too. A file that cannot be read gives a *FileError at offset, which
// names what the reader must name (mention).
type craftedFile struct {
	name    string
	file    string // "" for a file too large to keep
	data    []byte
	bad     bool
	atOpen  bool
	offset  int64
	mention string
}

// craftedFiles returns the crafted files, built from echo4.pcap's frames.
func craftedFiles(t testing.TB) []craftedFile {
	t.Helper()
	le, be := binary.LittleEndian, binary.BigEndian
	ps := echoFrames(t)
	frame := ps[0].Frame
	// shb+idb: a section header (28 bytes) and an interface (20 bytes).
	head := func() *ngFile { return newNgFile(le).iface(1, 262144) }
	const afterHead = 48
	echo := func(w *ngFile) *ngFile {
		for _, p := range ps {
			w.epb(0, uint64(p.Time.UnixMicro()), p.Frame)
		}
		return w
	}
	withOpt := func(order byteOrder, code uint16, value ...byte) []byte {
		w := newNgFile(order)
		return w.iface(1, 262144, w.opt(code, value...)).epb(0, 1e6, frame).bytes()
	}
	good := echo(head()).bytes()
	// withLength returns b with the length of the block at off set to n.
	withLength := func(b []byte, off int, n uint32) []byte {
		b = bytes.Clone(b)
		le.PutUint32(b[off+4:], n)
		return b
	}
	// epbAt is where the k-th packet block of good starts.
	epbAt := func(k int) int {
		off := afterHead
		for _, p := range ps[:k] {
			off += 32 + (len(p.Frame)+3)&^3
		}
		return off
	}
	return []craftedFile{
		{name: "a name resolution block before the packets is passed over", file: "nrb-then-epb.pcapng",
			data: func() []byte {
				// An IPv4 record (127.0.0.1 is "localhost"), then the end.
				rec := le.AppendUint16(nil, 1)
				rec = le.AppendUint16(rec, 14)
				rec = append(rec, 127, 0, 0, 1, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 0, 0)
				return echo(newNgFile(le).block(4, rec, make([]byte, 4)).iface(1, 262144)).bytes()
			}()},
		{name: "packets of a link type inspect does not decode are counted, not read", file: "two-link-types.pcapng",
			data: func() []byte {
				w := head().iface(147, 262144) // LINKTYPE_USER0
				for i, p := range ps {
					w.epb(0, uint64(p.Time.UnixMicro()), p.Frame)
					if i%5 == 0 {
						w.epb(1, uint64(p.Time.UnixMicro()), p.Frame[14:])
					}
				}
				return w.bytes()
			}()},
		{name: "if_tsresol 0x7f (10^-127 s) cannot be represented", file: "tsresol-7f.pcapng",
			data: withOpt(le, 9, 0x7f), bad: true, atOpen: true, offset: 28, mention: "0x7f"},
		{name: "if_tsresol 0xff (2^-127 s) cannot be represented", file: "tsresol-ff.pcapng",
			data: withOpt(be, 9, 0xff), bad: true, atOpen: true, offset: 28, mention: "0xff"},
		{name: "if_tsresol 20 (10^-20 s) cannot be represented", file: "tsresol-20.pcapng",
			data: withOpt(le, 9, 20), bad: true, atOpen: true, offset: 28, mention: "0x14"},
		{name: "an option running past its block is corrupt", file: "option-past-block.pcapng",
			data: func() []byte {
				b := withOpt(le, 2, 'l', 'o')
				le.PutUint16(b[28+16+2:], 200) // the option's length
				return b
			}(), bad: true, atOpen: true, offset: 28},
		{name: "a caplen of 0x7fffffff is more than the block holds", file: "caplen-7fffffff.pcapng",
			data: head().epbWith(0, 1e6, 0x7fffffff, 0x7fffffff, frame).bytes(),
			bad:  true, offset: afterHead, mention: "2147483647"},
		{name: "a caplen beyond any snap length is corrupt",
			data: newNgFile(le).iface(1, 65535).epb(0, 1e6, make([]byte, 300000)).bytes(),
			bad:  true, offset: afterHead, mention: "300000"},
		{name: "a caplen above the length on the wire is corrupt", file: "caplen-above-wire.pcapng",
			data: head().epbWith(0, 1e6, uint32(len(frame)), 10, frame).bytes(),
			bad:  true, offset: afterHead},
		{name: "a block length of 0 is corrupt", file: "blocklen-0.pcapng",
			data: withLength(good, epbAt(1), 0), bad: true, offset: int64(epbAt(1))},
		{name: "a block length of 8 is corrupt", file: "blocklen-8.pcapng",
			data: withLength(good, epbAt(1), 8), bad: true, offset: int64(epbAt(1))},
		{name: "a block length of 13 is corrupt", file: "blocklen-13.pcapng",
			data: withLength(good, epbAt(1), 13), bad: true, offset: int64(epbAt(1))},
		{name: "a block length past the end of the file is corrupt", file: "blocklen-past-end.pcapng",
			data: withLength(good, epbAt(1), 1<<20), bad: true, offset: int64(epbAt(1))},
		{name: "a section header of 0 bytes is corrupt", file: "shb-len-0.pcapng",
			data: le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, 0x0a0d0d0a), 0), 0x1a2b3c4d),
			bad:  true, atOpen: true, offset: 0},
		{name: "an enhanced packet block shorter than its fields is corrupt", file: "epb-too-short.pcapng",
			data: head().block(6, make([]byte, 16)).bytes(), bad: true, offset: afterHead},
		{name: "a block cut by the end of the file is truncated", file: "truncated.pcapng",
			data: good[:epbAt(3)+40], bad: true, offset: int64(epbAt(3))},
		{name: "a block header cut by the end of the file is truncated", file: "truncated-header.pcapng",
			data: good[:epbAt(1)+5], bad: true, offset: int64(epbAt(1))},
		{name: "a trailing length that differs from the leading one is corrupt", file: "trailer-differs.pcapng",
			data: func() []byte {
				b := bytes.Clone(good)
				le.PutUint32(b[epbAt(1)-4:], uint32(epbAt(1)-afterHead+4))
				return b
			}(), bad: true, offset: afterHead},
		{name: "an interface id out of range is corrupt", file: "iface-out-of-range.pcapng",
			data: head().epb(0, 1e6, frame).epb(5, 2e6, frame).bytes(),
			bad:  true, offset: int64(epbAt(1)), mention: "interface 5"},
		{name: "a packet before any interface is corrupt", file: "packet-before-iface.pcapng",
			data: newNgFile(le).epb(0, 1e6, frame).bytes(), bad: true, atOpen: true, offset: 28},
		{name: "a simple packet block before any interface is corrupt", file: "spb-before-iface.pcapng",
			data: newNgFile(be).block(3, be.AppendUint32(nil, uint32(len(frame))), frame).bytes(),
			bad:  true, atOpen: true, offset: 28},
		{name: "a file with no interface holds no packets", file: "no-iface.pcapng",
			data: newNgFile(le).block(4, make([]byte, 4)).bytes(), bad: true, atOpen: true, offset: 44},
		{name: "a byte-order magic that is neither order is refused", file: "bad-byte-order.pcapng",
			data: func() []byte {
				b := bytes.Clone(good)
				copy(b[8:], "ABCD")
				return b
			}(), bad: true, atOpen: true, offset: 0},
		{name: "pcapng version 2 is refused", file: "version-2.pcapng",
			data: func() []byte {
				b := bytes.Clone(good)
				le.PutUint16(b[12:], 2)
				return b
			}(), bad: true, atOpen: true, offset: 0},
		{name: "a link type above 255 that inspect does not decode is named by its whole number", file: "link-300.pcapng",
			data: newNgFile(le).iface(300, 262144).epb(0, 1e6, frame).bytes(),
			bad:  true, atOpen: true, offset: 36, mention: "link type 300 "},
		{name: "a simple packet block holding less than its length on the wire is corrupt, not padded out",
			file: "spb-wire-past-data.pcapng",
			data: func() []byte {
				// 66 bytes of frame and 2 of padding, but a wire length
				// of 70 and no snap length to have cut it: the padding
				// must not be read as the frame's last bytes.
				w := newNgFile(le).iface(1, 0)
				return w.block(3, le.AppendUint32(nil, 70), frame[:66]).bytes()
			}(), bad: true, offset: afterHead, mention: "70"},
		{name: "an if_tsoffset that overflows the seconds is corrupt", file: "tsoffset-overflow.pcapng",
			data: withOpt(le, 14, le.AppendUint64(nil, 1<<63-1)...), bad: true, offset: afterHead + 12,
			mention: "9223372036854775807"},
		{name: "a timestamp of 2^64-1 seconds is corrupt", file: "ts-max-seconds.pcapng",
			data: func() []byte {
				w := newNgFile(be)
				return w.iface(1, 262144, w.opt(9, 0)).epb(0, 1<<64-1, frame).bytes()
			}(), bad: true, offset: afterHead + 8},
		{name: "a timestamp before the year 1 is corrupt", file: "ts-before-year-1.pcapng",
			data: func() []byte {
				offset := int64(ngMinSec - 2) // and the packet is timed 1 s later
				return withOpt(be, 14, be.AppendUint64(nil, uint64(offset))...)
			}(), bad: true, offset: afterHead + 12,
			mention: fmt.Sprint(ngMinSec - 2)},
	}
}

func TestCraftedPcapng(t *testing.T) {
	for _, c := range craftedFiles(t) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join("testdata", "crafted", c.file)
			switch {
			case c.file == "":
				path = writeTemp(t, "large.pcapng", c.data)
			case *update:
				if err := os.WriteFile(path, c.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			kept, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(kept, c.data) {
				t.Errorf("%s differs from what the test builds (run go test -update): %v", path, err)
			}
			src, err := OpenFile(path)
			var got []Packet
			if !c.atOpen {
				if err != nil {
					t.Fatalf("OpenFile: %v", err)
				}
				defer src.Close()
				var p Packet
				for err == nil {
					if err = src.Next(&p); err == nil {
						got = append(got, p.Copy())
					}
				}
			}
			if !c.bad {
				if err != nil && err != io.EOF {
					t.Fatalf("error %v, want none", err)
				}
				if want := echoFrames(t); render(got) != render(want) {
					t.Errorf("got\n%s\nwant\n%s", render(got), render(want))
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FileError", err, err)
			}
			if fe.Path != path || fe.Offset != c.offset || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q; want path %s, offset %d and %q", err, path, c.offset, c.mention)
			}
		})
	}
}

func TestPcapngUnreadLinkTypes(t *testing.T) {
	le := binary.LittleEndian
	ps := echoFrames(t)
	t.Run("a crafted file: packets of a link type inspect does not decode are counted", func(t *testing.T) {
		src, err := OpenFile("testdata/crafted/two-link-types.pcapng")
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if n := len(readAll(t, src)); n != len(ps) {
			t.Errorf("%d packets, want %d", n, len(ps))
		}
		u := src.Unread()
		for _, want := range []string{"3 of interface 1", "link type 147"} {
			if !strings.Contains(u, want) {
				t.Errorf("Unread() = %q, want it to mention %q", u, want)
			}
		}
	})
	t.Run("a real capture of lo and any (dumpcap): every packet is read, with its interface's link type", func(t *testing.T) {
		src, err := OpenFile("testdata/echo-lo-any.pcapng")
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		links := map[LinkType]int{}
		for _, p := range readAll(t, src) {
			links[p.Link]++
		}
		if links[LinkEthernet] != 14 || links[LinkLinuxSLL] != 14 || len(links) != 2 {
			t.Errorf("packets by link type %v, want 14 Ethernet (lo) and 14 Linux SLL (any)", links)
		}
		if u := src.Unread(); u != "" {
			t.Errorf("Unread() = %q, want nothing unread", u)
		}
	})
	t.Run("interfaces of later sections are named with their section", func(t *testing.T) {
		w := newNgFile(le).iface(1, 0).epb(0, 1, ps[0].Frame)
		w.b = append(w.b, newNgFile(le).iface(147, 0).iface(1, 0).epb(1, 1, ps[1].Frame).epb(0, 1, ps[2].Frame[10:]).bytes()...)
		src, err := OpenFile(writeTemp(t, "sections.pcapng", w.bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if n := len(readAll(t, src)); n != 2 {
			t.Errorf("%d packets, want 2", n)
		}
		if u := src.Unread(); !strings.Contains(u, "1 of interface 0 of section 2") {
			t.Errorf("Unread() = %q, want it to name interface 0 of section 2", u)
		}
	})
	t.Run("the report stays short however many interfaces are passed over", func(t *testing.T) {
		w := newNgFile(le).iface(1, 0)
		for i := 1; i <= 20; i++ {
			w.iface(147, 0)
		}
		for i := 1; i <= 20; i++ {
			w.epb(uint32(i), 1, ps[0].Frame[14:])
		}
		src, err := OpenFile(writeTemp(t, "many.pcapng", w.bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		readAll(t, src)
		u := src.Unread()
		if strings.Count(u, "interface ") > ngMaxUnread+1 || !strings.Contains(u, fmt.Sprintf("%d of other interfaces", 20-ngMaxUnread)) {
			t.Errorf("Unread() = %q", u)
		}
	})
	t.Run("a pcap file reports nothing unread", func(t *testing.T) {
		src, err := OpenFile("testdata/echo4.pcap")
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		readAll(t, src)
		if u := src.Unread(); u != "" {
			t.Errorf("Unread() = %q", u)
		}
	})
}

func TestPcapngGrowing(t *testing.T) {
	t.Run("blocks written after the file was opened are read on", func(t *testing.T) {
		ps := echoFrames(t)
		w := newNgFile(binary.LittleEndian).iface(1, 262144)
		at := func(i int) uint64 { return uint64(ps[i].Time.UnixMicro()) }
		path := writeTemp(t, "growing.pcapng", w.epb(0, at(0), ps[0].Frame).bytes())
		src, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var p Packet
		if err := src.Next(&p); err != nil {
			t.Fatal(err)
		}
		got := []Packet{p.Copy()}
		// As dumpcap does while it captures: whole blocks appended to
		// the file, once the reader had reached its end and once before.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		appendPackets := func(from, to int) {
			t.Helper()
			more := &ngFile{order: binary.LittleEndian}
			for i := from; i < to; i++ {
				more.epb(0, at(i), ps[i].Frame)
			}
			if _, err := f.Write(more.bytes()); err != nil {
				t.Fatal(err)
			}
		}
		if err := src.Next(&p); err != io.EOF {
			t.Fatalf("at the end of the file: %v, want io.EOF", err)
		}
		appendPackets(1, 3)
		for range 2 {
			if err := src.Next(&p); err != nil {
				t.Fatalf("after %d packets: %v", len(got), err)
			}
			got = append(got, p.Copy())
		}
		appendPackets(3, len(ps))
		got = append(got, readAll(t, src)...)
		if render(got) != render(ps) {
			t.Errorf("got\n%s\nwant\n%s", render(got), render(ps))
		}
	})
}

func TestPcapngTooManyInterfaces(t *testing.T) {
	w := newNgFile(binary.BigEndian)
	for range ngMaxInterfaces + 1 {
		w.iface(1, 0)
	}
	src, err := OpenFile(writeTemp(t, "ifaces.pcapng", w.bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p Packet
	err = src.Next(&p)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Offset != int64(28+20*ngMaxInterfaces) {
		t.Errorf("error %v, want a *FileError at the interface past %d", err, ngMaxInterfaces)
	}
}

func TestRecordedPcapng(t *testing.T) {
	t.Run("dumpcap's capture of lo reads as tshark reads it", func(t *testing.T) {
		ps := mustReadFile(t, "testdata/echo-dumpcap.pcapng")
		got := render(ps)
		golden := "testdata/echo-dumpcap.golden"
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
			t.Errorf("decoded text differs from %s:\n%s", golden, got)
		}
		// tshark -r testdata/echo-dumpcap.pcapng -T fields -e frame.time_epoch
		if len(ps) != 14 || !ps[0].Time.Equal(time.Unix(1796396228, 529583449)) ||
			!ps[13].Time.Equal(time.Unix(1796396228, 529916695)) {
			t.Errorf("%d packets from %v to %v", len(ps), ps[0].Time, ps[len(ps)-1].Time)
		}
	})
}

// repeatedNg writes a pcapng file holding echo4.pcap's packets n times.
func repeatedNg(t testing.TB, n int) string {
	t.Helper()
	w := newNgFile(binary.LittleEndian).iface(1, 262144)
	w.iface(1, 262144, w.opt(9, 9))
	for i := range n {
		for _, p := range echoFrames(t) {
			w.epb(uint32(i%2), uint64(p.Time.UnixMicro())*uint64(1+999*(i%2)), p.Frame)
		}
	}
	return writeTemp(t, "repeated.pcapng", w.bytes())
}

func TestPcapngReadsWithoutAllocating(t *testing.T) {
	src, err := OpenFile(repeatedNg(t, 100))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p Packet
	for range 28 { // the buffers and the flow table fill up
		if err := src.Next(&p); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := src.Next(&p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

func BenchmarkReadPcapng(b *testing.B) {
	path := repeatedNg(b, 100)
	b.ReportAllocs()
	var p Packet
	n := 0
	for b.Loop() {
		src, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for src.Next(&p) == nil {
			n++
		}
		src.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/packet")
}
