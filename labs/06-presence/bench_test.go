package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// noDeadline removes a deadline.
var noDeadline time.Time

// BenchmarkBroadcast measures the room alone: queueing one line for 1000
// clients, with no network. It shows what a broadcast costs the sender's
// reader goroutine, and that the line is allocated once, not per client.
func BenchmarkBroadcast(b *testing.B) {
	const n = 1000
	r := newRoom(log.New(io.Discard, "", 0))
	var members []*client
	for range n + 1 {
		c := &client{id: len(members) + 1, out: newOutbox(1<<20, 1<<30)}
		r.clients[c] = true
		members = append(members, c)
	}
	from, line := members[0], strings.Repeat("x", 100)
	spare := make([][]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.broadcast(from, line)
		if i%1024 == 1023 { // empty the outboxes, as the writers would
			b.StopTimer()
			for _, c := range members[1:] {
				spare, _ = c.out.take(spare)
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkChat measures the whole path over real loopback connections:
// one client sends 100-byte lines as fast as a window of 1024 lines in
// flight allows, and every other client reads them all. Clients and
// server share this process and its cores.
func BenchmarkChat(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			benchmarkChat(b, n)
		})
	}
}

func benchmarkChat(b *testing.B, n int) {
	setLimit(b, &maxClients, n+1)
	addr, _, _ := startServer(b)
	sender := join(b, addr)
	readers := make([]*member, n)
	for i := range readers {
		readers[i] = join(b, addr)
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
