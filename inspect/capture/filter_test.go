package capture

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
)

// TestPortFilterIsTcpdumps compares the Ethernet program with the one
// libpcap compiles for the same expression, instruction by instruction.
func TestPortFilterIsTcpdumps(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	for _, ports := range [][]int{{3008}, {3008, 9000}, {3008, 3009, 4000}} {
		var expr []string
		for _, p := range ports {
			expr = append(expr, fmt.Sprintf("tcp port %d", p))
		}
		t.Run(strings.Join(expr, " or "), func(t *testing.T) {
			out, err := exec.Command("tcpdump", "-dd", "-y", "EN10MB", strings.Join(expr, " or ")).Output()
			if err != nil {
				t.Skipf("tcpdump -dd: %v", err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				want = append(want, strings.TrimSuffix(strings.TrimSpace(l), ","))
			}
			raw, err := portFilter(layers.LinkTypeEthernet, ports, 262144)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range raw {
				got = append(got, fmt.Sprintf("{ 0x%x, %d, %d, 0x%08x }", r.Op, r.Jt, r.Jf, r.K))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("program differs from tcpdump -dd:\ngot\n%s\nwant\n%s",
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestPortFilterVerdicts runs the programs in x/net/bpf's interpreter on
// recorded frames and frames changed to miss the filter.
func TestPortFilterVerdicts(t *testing.T) {
	v4 := mustReadFile(t, "testdata/echo4.pcap")[3].Frame // 57200 > 39008
	v6 := mustReadFile(t, "testdata/echo6.pcap")[3].Frame // 46846 > 4020
	withByte := func(b []byte, off int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[off] = v
		return c
	}
	udp4 := withByte(v4, 14+9, 17)
	udp6 := withByte(v6, 14+6, 17)
	frag := withByte(v4, 14+7, 1) // a fragment offset: not the first piece
	raw := func(b []byte) []byte { return b[14:] }
	tests := []struct {
		name  string
		link  layers.LinkType
		ports []int
		frame []byte
		keep  bool
	}{
		{"IPv4 to a filtered port is kept", layers.LinkTypeEthernet, []int{39008}, v4, true},
		{"IPv4 from a filtered port is kept", layers.LinkTypeEthernet, []int{1, 57200}, v4, true},
		{"IPv4 of other ports is dropped", layers.LinkTypeEthernet, []int{3008}, v4, false},
		{"IPv6 to a filtered port is kept", layers.LinkTypeEthernet, []int{4020}, v6, true},
		{"IPv6 from a filtered port is kept", layers.LinkTypeEthernet, []int{46846}, v6, true},
		{"IPv6 of other ports is dropped", layers.LinkTypeEthernet, []int{3008}, v6, false},
		{"IPv6 to the second of two ports is kept", layers.LinkTypeEthernet, []int{1, 4020}, v6, true},
		{"IPv6 to the third of three ports is kept", layers.LinkTypeEthernet, []int{1, 2, 4020}, v6, true},
		{"IPv6 of none of three ports is dropped", layers.LinkTypeEthernet, []int{1, 2, 3}, v6, false},
		{"IPv4 to the second of two ports is kept", layers.LinkTypeEthernet, []int{1, 39008}, v4, true},
		{"UDP over IPv4 is dropped", layers.LinkTypeEthernet, []int{39008}, udp4, false},
		{"UDP over IPv6 is dropped", layers.LinkTypeEthernet, []int{4020}, udp6, false},
		{"a later IPv4 fragment is dropped", layers.LinkTypeEthernet, []int{39008}, frag, false},
		{"without ports every TCP segment is kept", layers.LinkTypeEthernet, nil, v6, true},
		{"without ports UDP is still dropped", layers.LinkTypeEthernet, nil, udp4, false},
		{"raw IPv4 to a filtered port is kept", layers.LinkTypeRaw, []int{39008}, raw(v4), true},
		{"raw IPv4 of other ports is dropped", layers.LinkTypeRaw, []int{3008}, raw(v4), false},
		{"raw IPv6 from a filtered port is kept", layers.LinkTypeRaw, []int{46846}, raw(v6), true},
		{"raw IPv6 of other ports is dropped", layers.LinkTypeRaw, []int{3008}, raw(v6), false},
		{"raw IPv6 to the second of two ports is kept", layers.LinkTypeRaw, []int{1, 4020}, raw(v6), true},
		{"raw IPv4 of none of two ports is dropped", layers.LinkTypeRaw, []int{1, 2}, raw(v4), false},
		{"raw without ports keeps TCP", layers.LinkTypeRaw, nil, raw(v4), true},
		{"raw without ports drops UDP", layers.LinkTypeRaw, nil, raw(udp6), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog, err := portFilter(tt.link, tt.ports, 1000)
			if err != nil {
				t.Fatal(err)
			}
			ins, ok := bpf.Disassemble(prog)
			if !ok {
				t.Fatal("program does not disassemble")
			}
			vm, err := bpf.NewVM(ins)
			if err != nil {
				t.Fatal(err)
			}
			n, err := vm.Run(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			if keep := n > 0; keep != tt.keep {
				t.Errorf("kept = %v (returned %d), want %v", keep, n, tt.keep)
			}
			if tt.keep && n != 1000 {
				t.Errorf("kept %d bytes, want the snap length", n)
			}
		})
	}
}
