package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// noDeadline removes a deadline.
var noDeadline time.Time

// BenchmarkChat measures the whole path over real loopback connections,
// as lab 06's does: one client sends 100-byte lines as fast as a window
// of 1024 lines in flight allows, and every other client reads them all.
// Clients and server share this process and its cores. The server also
// logs every line, into memory.
func BenchmarkChat(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			benchmarkChat(b, n)
		})
	}
}

func benchmarkChat(b *testing.B, n int) {
	addr, logs, _ := startServer(b)
	sender := join(b, addr, logs)
	readers := make([]*member, n)
	for i := range readers {
		readers[i] = join(b, addr, logs)
	}
	// Every reader is in the room when it has the sender's "ready".
	sender.send("ready\n")
	for _, m := range readers {
		for m.read() != "User 1: ready" {
		}
	}

	const window = 1024
	line := strings.Repeat("x", 100)
	want := []byte("User 1: " + line + "\n")
	got := make([]atomic.Int64, n) // lines each reader has received
	progress := make(chan struct{}, 1)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i, m := range readers {
		m.conn.SetReadDeadline(noDeadline)
		wg.Go(func() {
			for range b.N {
				msg, err := m.r.ReadSlice('\n')
				if err != nil || !bytes.Equal(msg, want) {
					b.Errorf("reader %d: %q, %v", i, msg, err)
					got[i].Store(math.MaxInt32) // do not wait for it
					return
				}
				if got[i].Add(1)%64 == 0 {
					select {
					case progress <- struct{}{}:
					default:
					}
				}
			}
		})
	}
	w := bufio.NewWriter(sender.conn)
	sender.conn.SetWriteDeadline(noDeadline)
	for sent := range b.N {
		for sent-slowest(got) >= window {
			w.Flush()
			<-progress
		}
		w.WriteString(line + "\n")
	}
	w.Flush()
	wg.Wait()
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "deliveries/s")
}

// slowest returns the fewest lines any reader has received.
func slowest(got []atomic.Int64) int {
	low := got[0].Load()
	for i := range got {
		low = min(low, got[i].Load())
	}
	return int(low)
}
