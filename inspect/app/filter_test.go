package app

import (
	"io"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/filter"
)

func TestFileWithExpression(t *testing.T) {
	syn, err := filter.Parse("tcp[tcpflags] & tcp-syn != 0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want int
		text string
	}{
		{"the expression alone keeps the SYNs", Config{Ports: []int{3008}, Filter: syn, FilterAlone: true},
			2, "tcp[tcpflags] & tcp-syn != 0"},
		{"with the ports, the capture's port keeps them", Config{Ports: []int{39008}, Filter: syn},
			2, "tcp port 39008 and tcp[tcpflags] & tcp-syn != 0"},
		{"with the ports, another port keeps none", Config{Ports: []int{3008}, Filter: syn},
			0, "tcp port 3008 and tcp[tcpflags] & tcp-syn != 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.File = "../capture/testdata/echo4.pcap"
			src, st, err := open(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			n := 0
			var p capture.Packet
			for src.Next(&p) != io.EOF {
				if p.Flags&capture.SYN == 0 {
					t.Errorf("a packet without SYN: %s", capture.Line(&p))
				}
				n++
			}
			if n != tt.want {
				t.Errorf("%d packets, want %d", n, tt.want)
			}
			if st.Filter != tt.text {
				t.Errorf("status filter %q, want %q", st.Filter, tt.text)
			}
		})
	}
}
