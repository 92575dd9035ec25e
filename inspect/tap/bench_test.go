package tap

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// BenchmarkRelay measures one connection carrying 1 MiB to an echo server
// and back through the relay, with a reader draining the events.
func BenchmarkRelay(b *testing.B) {
	for _, tc := range []struct {
		name, network string
		maxData       int
	}{
		{"unix", "unix", 0}, {"tcp", "tcp", 0},
		{"unix without copies of the data", "unix", -1},
	} {
		network := tc.network
		b.Run(tc.name, func(b *testing.B) {
			ln, target := listen(b, network, "real.sock")
			serveConns(b, ln, func(c net.Conn) { io.Copy(c, c) })
			r := startRelay(b, network, target, Config{MaxData: tc.maxData})
			go func() {
				for range r.Events() {
				}
			}()
			c := dial(b, r)
			msg := randomBytes(b, 1<<20)
			back := make([]byte, len(msg))
			b.SetBytes(2 * int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				errc := make(chan error, 1)
				go func() {
					_, err := c.Write(msg)
					errc <- err
				}()
				if _, err := io.ReadFull(c, back); err != nil {
					b.Fatal(err)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(r.Stats().Dropped)/float64(b.N), "dropped/op")
		})
	}
}

// BenchmarkRelayLines measures one 64-byte line to an echo server and
// back through the relay: the chat's traffic, where each chunk is small
// and the relay's own work per chunk (an event, a write deadline) counts
// most.
func BenchmarkRelayLines(b *testing.B) {
	ln, target := listen(b, "unix", "real.sock")
	serveConns(b, ln, func(c net.Conn) { io.Copy(c, c) })
	r := startRelay(b, "unix", target, Config{})
	go func() {
		for range r.Events() {
		}
	}()
	c := dial(b, r)
	line := append(bytes.Repeat([]byte("x"), 63), '\n')
	back := make([]byte, len(line))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(line); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, back); err != nil {
			b.Fatal(err)
		}
	}
}
