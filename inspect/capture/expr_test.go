package capture

import (
	"slices"
	"testing"

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
