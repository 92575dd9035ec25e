package capture

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/net/bpf"

	"github.com/socketlab/socketlab/inspect/filter"
)

// TestFileExpressionFilter reads recordings of several link types with
// an expression and compares what is delivered with what the decoded
// packets say.
func TestFileExpressionFilter(t *testing.T) {
	files := []string{
		"testdata/echo4.pcap",                 // Ethernet, IPv4
		"testdata/echo6.pcap",                 // Ethernet, IPv6
		"testdata/links/any-sll.pcap",         // Linux cooked
		"testdata/links/any-sll2.pcap",        // Linux cooked v2
		"testdata/links/lo-any-tshark.pcapng", // two link types
		"testdata/echo-dumpcap.pcapng",        // pcapng
	}
	exprs := []struct {
		expr string
		keep func(p *Packet) bool
	}{
		{"tcp[tcpflags] & tcp-syn != 0 or (ip6 and ip6[53] & 2 != 0)", func(p *Packet) bool { return p.Flags&SYN != 0 }},
		{"tcp[tcpflags] & tcp-fin != 0 or (ip6 and ip6[53] & 1 != 0)", func(p *Packet) bool { return p.Flags&FIN != 0 }},
		{"len > 80", func(p *Packet) bool { return len(p.Frame) > 80 }},
		{"ip6", func(p *Packet) bool { return p.Src.Addr().Is6() && !p.Src.Addr().Is4In6() }},
		{"not ip6", func(p *Packet) bool { return p.Src.Addr().Is4() }},
	}
	for _, file := range files {
		all := mustReadFile(t, file)
		for _, x := range exprs {
			t.Run(file+" "+x.expr, func(t *testing.T) {
				e, err := filter.Parse(x.expr)
				if err != nil {
					t.Fatal(err)
				}
				src, err := OpenFile(file)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				src.SetFilter(e)
				var got, want []uint64
				for _, p := range readAll(t, src) {
					got = append(got, uint64(p.Time.UnixNano()))
				}
				for _, p := range all {
					if x.keep(&p) {
						want = append(want, uint64(p.Time.UnixNano()))
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("delivered the packets of times %v, want %v", got, want)
				}
				if st := src.Stats(); st.Skipped < uint64(len(all)-len(want)) {
					t.Errorf("stats %+v: fewer skipped than the %d filtered out", st, len(all)-len(want))
				}
			})
		}
	}
	t.Run("nil delivers everything again", func(t *testing.T) {
		src, err := OpenFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		e, _ := filter.Parse("udp")
		src.SetFilter(e)
		src.SetFilter(nil)
		if got, want := len(readAll(t, src)), len(mustReadFile(t, files[0])); got != want {
			t.Errorf("delivered %d packets, want %d", got, want)
		}
	})
}

// mustVM returns x/net/bpf's VM for an assembled program.
func mustVM(t testing.TB, raw []bpf.RawInstruction) *bpf.VM {
	t.Helper()
	ins, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func TestFileExpressionMeasuresWireLength(t *testing.T) {
	// echo4.pcap written again with each frame cut to 54 bytes, as
	// tcpdump -s 54 would: the headers stay, and the file keeps each
	// frame's length on the wire.
	all := mustReadFile(t, "testdata/echo4.pcap")
	path := filepath.Join(t.TempDir(), "cut.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(54, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: min(len(p.Frame), 54), Length: p.WireLen}
		if err := w.WritePacket(ci, p.Frame[:ci.CaptureLength]); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	want := 0
	for _, p := range all {
		if p.WireLen > 100 {
			want++
		}
	}
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	e, _ := filter.Parse("len > 100")
	src.SetFilter(e)
	if got := len(readAll(t, src)); got != want || want == 0 {
		t.Errorf("len > 100 kept %d frames cut short, want the %d longer than 100 on the wire", got, want)
	}
}
