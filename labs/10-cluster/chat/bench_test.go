package chat

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBroadcast measures the whole broadcast path over real Unix
// sockets: one client sends 128-byte lines, all the others read them.
// One op is one line delivered to every other client; deliveries/s is
// what the load tool calls by that name. The sender keeps at most 256
// lines in flight, so queues never overflow.
//
//	go test -run '^$' -bench Broadcast -benchmem ./labs/10-cluster/chat
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			benchBroadcast(b, n)
		})
	}
}

func benchBroadcast(b *testing.B, n int) {
	const window = 256
	tr := startRoom(b, Config{})
	sender := tr.dial(b, "unix")
	var others []*peer
	for range n - 1 {
		others = append(others, tr.dial(b, "unix"))
	}
	// Let every joined notice arrive before we start.
	for i, p := range others {
		for range n - 2 - i {
			p.read()
		}
	}

	// counts[k%window] is how many clients have line k; the last one
	// gives the sender a credit for one more line.
	var counts [window]atomic.Int32
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, p := range others {
		p.conn.SetReadDeadline(time.Time{})
		wg.Go(func() {
			br := bufio.NewReaderSize(p.conn, 64<<10)
			for k := 0; ; k++ {
				if _, err := br.ReadSlice('\n'); err != nil {
					return // the room shut down
				}
				if counts[k%window].Add(1) == int32(n-1) {
					counts[k%window].Store(0)
					credits <- struct{}{}
				}
			}
		})
	}
	line := []byte(strings.Repeat("x", 127) + "\n")
	sender.conn.SetWriteDeadline(time.Time{})
	b.ReportAllocs()
	b.SetBytes(int64(len(line) * (n - 1)))
	for b.Loop() {
		<-credits
		if _, err := sender.conn.Write(line); err != nil {
			b.Fatal(err)
		}
	}
	for range window { // wait until every line has arrived everywhere
		<-credits
	}
	b.ReportMetric(float64(b.N*(n-1))/b.Elapsed().Seconds(), "deliveries/s")
	tr.Close()
}

// BenchmarkFanout measures the CPU cost of one broadcast to n members
// without the network: add the message to the backlog once, and let
// each writer gather what is new for it. Adding costs the same at any n;
// gathering is one short step per member. Nothing is allocated per op.
//
//	go test -run '^$' -bench Fanout -benchmem ./labs/10-cluster/chat
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			r := NewRoom(Config{MaxClients: n})
			members := make([]*client, n)
			for i := range members {
				members[i] = newClient(r, nil, i+1, "tcp")
				r.members[members[i]] = true
			}
			line := []byte(strings.Repeat("x", 120))
			var bufs [][]byte
			b.ReportAllocs()
			for b.Loop() {
				r.broadcast(members[0], line)
				for _, c := range members[1:] {
					bufs, _, _, _ = c.out.gather(r.log, c, bufs[:0])
				}
			}
			b.ReportMetric(float64(b.N*(n-1))/b.Elapsed().Seconds(),
				"deliveries/s")
		})
	}
}

// BenchmarkIdleClient reports the memory an idle client costs: Go heap
// and goroutine stacks after n clients joined, divided by n. Both ends
// are in this process, so the figure includes the test's own net.Conn
// per client (a few hundred bytes); the server's RSS, measured with the
// load tool, is the figure that counts.
//
//	go test -run '^$' -bench IdleClient -benchtime 1x ./labs/10-cluster/chat
func BenchmarkIdleClient(b *testing.B) {
	const n = 2000
	for b.Loop() {
		tr := startRoom(b, Config{})
		heap0, stack0 := memInUse()
		conns := make([]net.Conn, 0, n)
		for range n {
			conn, err := net.Dial("unix", tr.unix)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, conn)
		}
		// Wait for all to have joined.
		for tr.Stats().Clients < n {
			runtime.Gosched()
		}
		heap1, stack1 := memInUse()
		b.ReportMetric(float64(heap1-heap0)/n, "heap-bytes/client")
		b.ReportMetric(float64(stack1-stack0)/n, "stack-bytes/client")
		for _, c := range conns {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		tr.Shutdown(ctx)
		cancel()
	}
}

// memInUse returns the bytes of Go heap and of goroutine stacks in use.
func memInUse() (heap, stack uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}
