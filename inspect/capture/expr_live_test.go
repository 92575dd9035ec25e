//go:build linux

package capture

import (
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/filter"
)

// TestLiveExpressionFilter captures two connections on lo with an
// expression that keeps handshake segments only: the kernel delivers
// the four SYNs, each once, and none of the data or FIN segments sent
// between them.
func TestLiveExpressionFilter(t *testing.T) {
	for _, ring := range []bool{true, false} {
		name := map[bool]string{true: "with the ring", false: "with recvmmsg"}[ring]
		t.Run(name, func(t *testing.T) {
			useRing = ring
			defer func() { useRing = true }()
			port := listen(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.Copy(io.Discard, c)
				c.Close()
			})
			e, err := filter.Parse("tcp[tcpflags] & tcp-syn != 0")
			if err != nil {
				t.Fatal(err)
			}
			src, err := Live(Config{Interface: "lo", Ports: []int{port}, Filter: e})
			if errors.Is(err, ErrPermission) {
				t.Skipf("live capture on lo needs CAP_NET_RAW (run as root, as CI does): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { src.Close() })
			for range 2 {
				c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte("data the filter drops\n"))
				c.Close()
			}
			got := collect(t, src, 10*time.Second, func(ps []Packet) bool { return len(ps) >= 4 })
			seen := map[[2]uint32]bool{}
			for _, p := range got {
				t.Log(Line(&p))
				if p.Flags&SYN == 0 || p.Len != 0 {
					t.Errorf("a segment without SYN got through: %s", Line(&p))
				}
				k := [2]uint32{p.RawSeq, uint32(p.Src.Port())}
				if seen[k] {
					t.Errorf("a segment arrived twice: %s", Line(&p))
				}
				seen[k] = true
			}
		})
	}
}

func TestKernelFilterKeepsPortsAndExpression(t *testing.T) {
	v4 := mustReadFile(t, "testdata/echo4.pcap") // 57200 > 39008
	syn, _ := filter.Parse("tcp[tcpflags] & tcp-syn != 0")
	tests := []struct {
		name string
		cfg  Config
		want int
	}{
		{"the expression alone keeps the two SYNs", Config{Filter: syn}, 2},
		{"with the capture's port it keeps them", Config{Ports: []int{39008}, Filter: syn}, 2},
		{"with another port it keeps none", Config{Ports: []int{3008}, Filter: syn}, 0},
		{"without an expression the port keeps all", Config{Ports: []int{39008}}, len(v4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.SnapLen = 1000
			raw, err := kernelFilter(uint32(LinkEthernet), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			vm := mustVM(t, raw)
			n := 0
			for _, p := range v4 {
				if k, _ := vm.Run(p.Frame); k > 0 {
					n++
				}
			}
			if n != tt.want {
				t.Errorf("kept %d of %d frames, want %d", n, len(v4), tt.want)
			}
		})
	}
}
