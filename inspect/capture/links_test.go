package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The recordings whose numbers tshark wrote down beside them, in
// FILE.tshark: seq, ack, length and flags of every packet, as
//
//	tshark -r FILE -T fields -e tcp.seq_raw -e tcp.ack_raw -e tcp.len -e tcp.flags -E separator=' '
//
// prints them. Those in testdata/links are real captures of the same
// short traffic (two echo sessions over IPv4 and IPv6, a refused
// connection, a reset with unread data) by tcpdump -i any (LINUX_SLL2,
// and LINUX_SLL with -y LINUX_SLL), tcpdump -i lo with nanosecond
// timestamps, and tshark -i lo -i any (a pcapng with two interfaces of
// two link types).
var tsharkRecordings = []struct {
	file    string
	packets int
	links   []LinkType
}{
	{"testdata/echo4.pcap", 14, []LinkType{LinkEthernet}},
	{"testdata/echo6.pcap", 14, []LinkType{LinkEthernet}},
	{"testdata/reset4.pcap", 8, []LinkType{LinkEthernet}},
	{"testdata/echo-dumpcap.pcapng", 14, []LinkType{LinkEthernet}},
	{"testdata/echo-sll2.pcapng", 14, []LinkType{LinkLinuxSLL2}},
	{"testdata/echo-lo-any.pcapng", 28, []LinkType{LinkEthernet, LinkLinuxSLL}},
	{"testdata/links/any-sll2.pcap", 42, []LinkType{LinkLinuxSLL2}},
	{"testdata/links/any-sll.pcap", 42, []LinkType{LinkLinuxSLL}},
	{"testdata/links/lo-nanos.pcap", 42, []LinkType{LinkEthernet}},
	{"testdata/links/lo-any-tshark.pcapng", 84, []LinkType{LinkEthernet, LinkLinuxSLL}},
}

// tsharkText writes packets as tshark's fields above.
func tsharkText(ps []Packet) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%d %d %d 0x%04x\n", p.RawSeq, p.RawAck, p.Len, uint8(p.Flags))
	}
	return b.String()
}

func TestRecordingsReadAsTsharkReadsThem(t *testing.T) {
	for _, rec := range tsharkRecordings {
		t.Run(filepath.Base(rec.file)+" gives every packet with tshark's numbers", func(t *testing.T) {
			ps := mustReadFile(t, rec.file)
			if len(ps) != rec.packets {
				t.Errorf("%d packets, want %d", len(ps), rec.packets)
			}
			seen := map[LinkType]bool{}
			for _, p := range ps {
				if p.Malformed != "" {
					t.Errorf("packet %d: %s", p.Index, p.Malformed)
				}
				seen[p.Link] = true
			}
			for _, l := range rec.links {
				if !seen[l] {
					t.Errorf("no packet of link type %v", l)
				}
			}
			if len(seen) != len(rec.links) {
				t.Errorf("link types %v, want %v", seen, rec.links)
			}
			want, err := os.ReadFile(rec.file + ".tshark")
			if err != nil {
				t.Fatal(err)
			}
			if got := tsharkText(ps); got != string(want) {
				t.Errorf("got\n%s\nwant (tshark)\n%s", got, want)
			}
		})
	}
}

// TestTsharkAgreesWithTheStoredNumbers asks tshark itself, where it is
// installed, so that the stored numbers cannot drift from it.
func TestTsharkAgreesWithTheStoredNumbers(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: the stored numbers are checked without it")
	}
	for _, rec := range tsharkRecordings {
		t.Run(filepath.Base(rec.file), func(t *testing.T) {
			out, err := exec.Command("tshark", "-r", rec.file, "-T", "fields", "-e", "tcp.seq_raw",
				"-e", "tcp.ack_raw", "-e", "tcp.len", "-e", "tcp.flags", "-E", "separator= ").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			want, err := os.ReadFile(rec.file + ".tshark")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("tshark now prints\n%s\nthe stored text is\n%s", out, want)
			}
		})
	}
}

// swapPcap returns a little-endian pcap file rewritten in big-endian
// byte order, as a big-endian machine's tcpdump writes it.
func swapPcap(t testing.TB, b []byte) []byte {
	t.Helper()
	le, be := binary.LittleEndian, binary.BigEndian
	out := bytes.Clone(b)
	swap32 := func(off int) { be.PutUint32(out[off:], le.Uint32(b[off:])) }
	swap16 := func(off int) { be.PutUint16(out[off:], le.Uint16(b[off:])) }
	swap32(0)
	swap16(4)
	swap16(6)
	for off := 8; off < 24; off += 4 {
		swap32(off)
	}
	for off := 24; off+16 <= len(b); {
		for i := 0; i < 16; i += 4 {
			swap32(off + i)
		}
		off += 16 + int(le.Uint32(b[off+8:]))
	}
	return out
}

func TestPcapByteOrdersAndResolutions(t *testing.T) {
	for _, file := range []string{"testdata/links/any-sll2.pcap", "testdata/links/lo-nanos.pcap"} {
		want := mustReadFile(t, file)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file)+" in big-endian order reads the same, to the nanosecond", func(t *testing.T) {
			got := mustReadFile(t, writeTemp(t, "swapped.pcap", swapPcap(t, b)))
			if tsharkText(got) != tsharkText(want) || len(got) != len(want) {
				t.Fatalf("got\n%s\nwant\n%s", tsharkText(got), tsharkText(want))
			}
			for i := range got {
				if !got[i].Time.Equal(want[i].Time) {
					t.Errorf("packet %d at %v, want %v", i+1, got[i].Time, want[i].Time)
				}
			}
		})
	}
	t.Run("a nanosecond file keeps its nanoseconds", func(t *testing.T) {
		// tshark -r testdata/links/lo-nanos.pcap -T fields -e frame.time_epoch -c 1
		ps := mustReadFile(t, "testdata/links/lo-nanos.pcap")
		if got := ps[0].Time.UnixNano(); got != 1796407496570229282 {
			t.Errorf("first packet at %d ns, want 1796407496570229282", got)
		}
	})
}

func TestLinuxSLL2(t *testing.T) {
	ps := mustReadFile(t, "testdata/links/any-sll2.pcap")
	t.Run("the IP header follows the 20-byte header", func(t *testing.T) {
		for _, p := range ps {
			if p.netOff != sll2Len {
				t.Fatalf("packet %d: IP header at %d, want %d", p.Index, p.netOff, sll2Len)
			}
		}
	})
	t.Run("a frame shorter than the header is malformed, not a panic", func(t *testing.T) {
		d, err := newDecoder(LinkLinuxSLL2)
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		if !d.decode(ps[0].Frame[:12], ps[0].Time, 12, &p) || p.Malformed == "" {
			t.Errorf("a 12-byte frame gave %+v, want a malformed packet", p)
		}
	})
	t.Run("a frame of another protocol (ARP) is passed over", func(t *testing.T) {
		d, _ := newDecoder(LinkLinuxSLL2)
		frame := bytes.Clone(ps[0].Frame)
		binary.BigEndian.PutUint16(frame, 0x0806)
		var p Packet
		if d.decode(frame, ps[0].Time, len(frame), &p) {
			t.Errorf("an ARP frame gave %+v", p)
		}
	})
}

func TestWriterKeepsWideLinkTypes(t *testing.T) {
	t.Run("a LINUX_SLL2 capture written again reads back the same", func(t *testing.T) {
		want := mustReadFile(t, "testdata/links/any-sll2.pcap")
		path := filepath.Join(t.TempDir(), "copy.pcap")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w, err := NewWriter(f, LinkLinuxSLL2, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if err := w.WritePacket(&want[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		got := mustReadFile(t, path)
		if tsharkText(got) != tsharkText(want) || got[0].Link != LinkLinuxSLL2 {
			t.Errorf("got\n%s\nwant\n%s", tsharkText(got), tsharkText(want))
		}
	})
	t.Run("a packet of another link type is refused", func(t *testing.T) {
		ps := mustReadFile(t, "testdata/links/lo-any-tshark.pcapng")
		var b bytes.Buffer
		w, err := NewWriter(&b, LinkEthernet, 0)
		if err != nil {
			t.Fatal(err)
		}
		var refused int
		for i := range ps {
			if err := w.WritePacket(&ps[i]); err != nil {
				if !errors.Is(err, ErrOtherLink) {
					t.Fatalf("error %v, want ErrOtherLink", err)
				}
				refused++
			}
		}
		if refused != 42 {
			t.Errorf("%d packets refused, want the 42 of the any interface", refused)
		}
	})
}
