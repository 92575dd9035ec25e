package analysis_test

import (
	"fmt"
	"io"

	"github.com/socketlab/socketlab/inspect/analysis"
	"github.com/socketlab/socketlab/inspect/capture"
)

// The client sends a question and closes its side; the server answers
// after the client's FIN.
func ExampleAnalyzer() {
	src, err := capture.OpenFile("testdata/halfclose.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	a := analysis.New(analysis.Config{})
	var p capture.Packet
	for {
		if err := src.Next(&p); err != nil {
			if err != io.EOF {
				fmt.Println(err)
			}
			return
		}
		r := a.Analyze(&p)
		if p.Index >= 6 && p.Index <= 8 {
			fmt.Printf("%d %v: %s\n", p.Index, r.Dir, r.Note)
		}
	}
	// Output:
	// 6 client→server: teardown: client has no more to send (FIN); server may still send
	// 7 server→client: server sends 43 bytes — client has finished sending, server→client is still open
	// 8 client→server: client acknowledges bytes up to 44 — client has finished sending, server→client is still open
}
