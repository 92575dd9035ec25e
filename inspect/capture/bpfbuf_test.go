package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/bpf"
)

// nullSYN is a SYN from 127.0.0.1:50000 to 127.0.0.1:3008 as lo0 on
// macOS frames it: the address family 2 (AF_INET) in host order, then
// the IPv4 and TCP headers.
var nullSYN = []byte{
	0x02, 0x00, 0x00, 0x00,
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
	0xc3, 0x50, 0x0b, 0xc0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
}

// darwinRecords is what one read of a BPF device on lo0 returns on
// macOS, written out field by field: two records, each a struct bpf_hdr
// (bh_tstamp as two int32, bh_caplen, bh_datalen, bh_hdrlen, padded so
// that the IP header after the 4-byte NULL header is word-aligned:
// hdrlen 20) and the frame, each record starting at a multiple of 4.
// The second frame was cut to 30 of its 44 bytes by the snap length.
var darwinRecords = bytes.Join([][]byte{
	{0x10, 0x27, 0x00, 0x00}, // tv_sec 10000
	{0x40, 0xe2, 0x01, 0x00}, // tv_usec 123456
	{0x2c, 0x00, 0x00, 0x00}, // bh_caplen 44
	{0x2c, 0x00, 0x00, 0x00}, // bh_datalen 44
	{0x14, 0x00},             // bh_hdrlen 20
	{0x00, 0x00},             // padding
	nullSYN,                  // 20 + 44 = 64: the next record follows at once
	{0x11, 0x27, 0x00, 0x00}, // tv_sec 10001
	{0x00, 0x00, 0x00, 0x00}, // tv_usec 0
	{0x1e, 0x00, 0x00, 0x00}, // bh_caplen 30
	{0x2c, 0x00, 0x00, 0x00}, // bh_datalen 44
	{0x14, 0x00},             // bh_hdrlen 20
	{0x00, 0x00},             // padding
	nullSYN[:30],
	{0x00, 0x00}, // 20 + 30 = 50, aligned to 52
}, nil)

// freebsdRecord writes one record as FreeBSD on a 64-bit machine lays it
// out: bh_tstamp as two int64, then bh_caplen, bh_datalen and bh_hdrlen
// (26 bytes, padded to hdrlen), the frame, and padding to a multiple of 8.
func freebsdRecord(tb testing.TB, sec, usec int64, frame []byte, wire int, hdrlen int) []byte {
	tb.Helper()
	b := make([]byte, hdrlen, hdrlen+len(frame)+8)
	binary.LittleEndian.PutUint64(b[0:], uint64(sec))
	binary.LittleEndian.PutUint64(b[8:], uint64(usec))
	binary.LittleEndian.PutUint32(b[16:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(b[20:], uint32(wire))
	binary.LittleEndian.PutUint16(b[24:], uint16(hdrlen))
	b = append(b, frame...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

type bpfRecord struct {
	frame []byte
	ts    time.Time
	wire  int
}

// readRecords walks buf with layout l and returns its records and the
// error that ended the walk, if one did.
func readRecords(tb testing.TB, l bpfLayout, buf []byte) ([]bpfRecord, error) {
	tb.Helper()
	r := bpfRecords{l: l}
	r.reset(buf)
	var out []bpfRecord
	for range len(buf) + 1 {
		frame, ts, wire, more, err := r.next()
		if err != nil {
			return out, err
		}
		if !more {
			return out, nil
		}
		out = append(out, bpfRecord{frame, ts, wire})
	}
	tb.Fatalf("the walk over %d bytes did not end", len(buf))
	return nil, nil
}

func TestBPFRecords(t *testing.T) {
	t.Run("macOS records are read with their timestamps, lengths and alignment", func(t *testing.T) {
		got, err := readRecords(t, darwinBPF, darwinRecords)
		if err != nil {
			t.Fatal(err)
		}
		want := []bpfRecord{
			{nullSYN, time.Unix(10000, 123456000), 44},
			{nullSYN[:30], time.Unix(10001, 0), 44},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d records, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i].frame, want[i].frame) || !got[i].ts.Equal(want[i].ts) || got[i].wire != want[i].wire {
				t.Errorf("record %d: got %x at %v, %d on the wire; want %x at %v, %d",
					i, got[i].frame, got[i].ts, got[i].wire, want[i].frame, want[i].ts, want[i].wire)
			}
		}
	})

	t.Run("FreeBSD records with 64-bit timestamps are aligned to 8 bytes", func(t *testing.T) {
		buf := append(freebsdRecord(t, 1700000000, 999999, nullSYN[:41], 44, 28),
			freebsdRecord(t, 1700000001, 1, nullSYN, 44, 28)...)
		got, err := readRecords(t, freebsdBPF, buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !bytes.Equal(got[0].frame, nullSYN[:41]) || !bytes.Equal(got[1].frame, nullSYN) {
			t.Fatalf("got %v, want two frames of 41 and 44 bytes", got)
		}
		if !got[0].ts.Equal(time.Unix(1700000000, 999999000)) || got[0].wire != 44 {
			t.Errorf("first record at %v, %d on the wire", got[0].ts, got[0].wire)
		}
	})

	t.Run("an empty read has no records", func(t *testing.T) {
		got, err := readRecords(t, darwinBPF, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v", got, err)
		}
	})

	t.Run("a record that does not fit the buffer is an error, not a read past it", func(t *testing.T) {
		bad := func(edit func(b []byte) []byte) []byte {
			return edit(bytes.Clone(darwinRecords))
		}
		cases := map[string][]byte{
			"header cut short":            darwinRecords[:10],
			"frame cut short":             darwinRecords[:50],
			"caplen past the end":         bad(func(b []byte) []byte { b[8] = 0xff; return b }),
			"caplen near 4 GiB":           bad(func(b []byte) []byte { copy(b[8:], []byte{0xff, 0xff, 0xff, 0xff}); return b }),
			"hdrlen shorter than fields":  bad(func(b []byte) []byte { b[16] = 4; return b }),
			"hdrlen past the end":         bad(func(b []byte) []byte { b[16], b[17] = 0xff, 0xff; return b }),
			"second record's caplen huge": bad(func(b []byte) []byte { b[64+8] = 0xf0; return b }),
		}
		for name, buf := range cases {
			got, err := readRecords(t, darwinBPF, buf)
			if err == nil {
				t.Errorf("%s: no error; got %d records", name, len(got))
			}
			for _, r := range got {
				if !bytes.Equal(r.frame, nullSYN[:len(r.frame)]) {
					t.Errorf("%s: a frame that is not the fixture's: %x", name, r.frame)
				}
			}
		}
	})
}

// runFilter runs prog over frame in x/net/bpf's virtual machine and
// returns how many bytes it keeps.
func runFilter(tb testing.TB, prog []bpf.RawInstruction, frame []byte) int {
	tb.Helper()
	ins := make([]bpf.Instruction, len(prog))
	for i, r := range prog {
		ins[i] = r.Disassemble()
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		tb.Fatalf("the filter does not load: %v", err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		tb.Fatalf("running the filter: %v", err)
	}
	return n
}

func TestLinkFilterOnNullFrames(t *testing.T) {
	// The same SYN over IPv6 as lo0 on macOS frames it: family 30.
	null6 := bytes.Join([][]byte{
		{0x1e, 0x00, 0x00, 0x00},
		{0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40},
		bytes.Repeat([]byte{0}, 15), {1}, bytes.Repeat([]byte{0}, 15), {1},
		nullSYN[24:],
	}, nil)
	for _, tc := range []struct {
		name  string
		cfg   Config
		frame []byte
		keep  bool
	}{
		{"an IPv4 segment to the port is kept", Config{Ports: []int{3008}}, nullSYN, true},
		{"an IPv6 segment to the port is kept", Config{Ports: []int{3008}}, null6, true},
		{"a segment of another port is dropped", Config{Ports: []int{3009}}, nullSYN, false},
		{"with no ports every TCP segment is kept", Config{}, nullSYN, true},
		{"a frame of another family is dropped", Config{}, append([]byte{7, 0, 0, 0}, nullSYN[4:]...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SnapLen = 1000
			prog, err := linkFilter(LinkNull, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n := runFilter(t, prog, tc.frame); (n > 0) != tc.keep {
				t.Errorf("the filter keeps %d bytes", n)
			}
		})
	}
	t.Run("Ethernet gets the program Linux attaches", func(t *testing.T) {
		cfg := Config{Ports: []int{3008}, SnapLen: 1000}
		a, err1 := linkFilter(LinkEthernet, cfg)
		b, err2 := kernelFilter(uint32(LinkEthernet), cfg)
		if err1 != nil || err2 != nil || len(a) != len(b) {
			t.Fatalf("linkFilter: %d instructions, %v; kernelFilter: %d, %v", len(a), err1, len(b), err2)
		}
	})
}

// bpfDevice plays a BPF device for a bpfReader: each read returns the
// next buffer sent on reads, or nothing once the device's read timeout
// passes, as a device opened with BIOCSRTIMEOUT does.
type bpfDevice struct {
	reads   chan []byte
	errs    chan error
	closes  atomic.Int32
	timeout time.Duration
}

func newBPFDevice(tb testing.TB) (*bpfDevice, *bpfReader) {
	tb.Helper()
	d := &bpfDevice{reads: make(chan []byte), errs: make(chan error, 1), timeout: 5 * time.Millisecond}
	r := &bpfReader{
		name: "lo0",
		buf:  make([]byte, 4096),
		recs: bpfRecords{l: darwinBPF},
		read: func(b []byte) (int, error) {
			t := time.NewTimer(d.timeout)
			defer t.Stop()
			select {
			case buf := <-d.reads:
				return copy(b, buf), nil
			case err := <-d.errs:
				return 0, err
			case <-t.C:
				return 0, nil
			}
		},
		counters: func() (uint64, error) { return 3, nil },
		closeFD:  func() error { d.closes.Add(1); return nil },
	}
	return d, r
}

func TestBPFReader(t *testing.T) {
	t.Run("the records of each read come out as decoded segments of lo0", func(t *testing.T) {
		dev, r := newBPFDevice(t)
		dec, err := newDecoder(LinkNull)
		if err != nil {
			t.Fatal(err)
		}
		src := &Source{name: "lo0", r: r, dec: dec, snapLen: 4096}
		defer src.Close()
		go func() {
			dev.reads <- darwinRecords
			dev.reads <- darwinRecords[:64]
		}()
		var p Packet
		for i := range 3 {
			if err := src.Next(&p); err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			if i == 1 {
				// The second record kept 30 of 44 bytes: 6 of the TCP
				// header.
				if p.Malformed == "" {
					t.Errorf("packet 1, cut inside its TCP header, is not marked malformed: %+v", p)
				}
				continue
			}
			if p.Malformed != "" || p.Src.Port() != 50000 || p.Dst.Port() != 3008 || p.Flags&SYN == 0 {
				t.Errorf("packet %d: %v -> %v flags %v %s", i, p.Src, p.Dst, p.Flags, p.Malformed)
			}
		}
	})

	t.Run("Close wakes a Next that waits, closes the device once and keeps the counters", func(t *testing.T) {
		dev, r := newBPFDevice(t)
		done := make(chan error, 1)
		go func() {
			_, _, _, err := r.next()
			done <- err
		}()
		if err := r.close(); err != nil {
			t.Fatal(err)
		}
		r.close()
		select {
		case err := <-done:
			if err != errSourceClosed {
				t.Errorf("next after close: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("next still waits after close")
		}
		if n := dev.closes.Load(); n != 1 {
			t.Errorf("the device was closed %d times", n)
		}
		if d := r.stats(); d != 3 {
			t.Errorf("drops after close: %d, want 3", d)
		}
	})

	t.Run("a failed read is an error that names the interface; EINTR is read again", func(t *testing.T) {
		dev, r := newBPFDevice(t)
		defer r.close()
		dev.errs <- syscall.EINTR
		go func() { dev.reads <- darwinRecords[:64] }()
		if _, _, _, err := r.next(); err != nil {
			t.Fatalf("after EINTR: %v", err)
		}
		dev.errs <- syscall.ENXIO
		_, _, _, err := r.next()
		if !errors.Is(err, syscall.ENXIO) || !strings.Contains(err.Error(), "lo0") {
			t.Errorf("got %v", err)
		}
	})
}
