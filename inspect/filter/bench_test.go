package filter

import "testing"

// BenchmarkMatch measures the user-space filter on each frame of the
// recording, as inspect packets -r and the terminal UI run it.
func BenchmarkMatch(b *testing.B) {
	frames := readFrames(b, "testdata/mixed.pcap")
	for _, expr := range []string{"tcp port 3008", "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 and not host 127.0.0.2"} {
		b.Run(expr, func(b *testing.B) {
			e, err := Parse(expr)
			if err != nil {
				b.Fatal(err)
			}
			m := NewMatcher(e)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m.Match(LinkEthernet, frames[i%len(frames)])
			}
		})
	}
}

// BenchmarkCompile measures parsing and compiling an expression, as the
// terminal UI does when / is entered.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse("(tcp port 3008 or 3009) and tcp[tcpflags] & tcp-syn != 0 and len > 60")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Compile(LinkEthernet, 262144); err != nil {
			b.Fatal(err)
		}
	}
}
