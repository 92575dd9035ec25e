package tap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// slack is how late, beyond its write timeout, a busy two-core machine
// may cut a connection off.
const slack = 3 * time.Second

// floodChunk is what a flooding test server writes, again and again.
var floodChunk = bytes.Repeat([]byte("flood!\n"), 64<<10/7)

// chatServer serves a small protocol on ln until the test ends. A
// connection whose first line is "flood" gets floodChunk again and again
// until a write fails; the error goes to floods. The first write that
// waits longer than 100 ms, which means the relay has stopped reading
// this connection, is signalled on stuck. Any other first line is echoed,
// and so is everything after it.
func chatServer(t testing.TB, ln net.Listener, floods chan<- error, stuck chan<- struct{}) {
	t.Helper()
	serveConns(t, ln, func(c net.Conn) {
		br := bufio.NewReader(c)
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line != "flood\n" {
			io.WriteString(c, line)
			br.WriteTo(c)
			return
		}
		floods <- flood(c, stuck)
	})
}

// flood writes floodChunk to c until a write fails, signalling on stuck
// (once, without blocking) when a write waits longer than 100 ms.
func flood(c net.Conn, stuck chan<- struct{}) error {
	wait := 100 * time.Millisecond
	for {
		c.SetWriteDeadline(time.Now().Add(wait))
		_, err := c.Write(floodChunk)
		if errors.Is(err, os.ErrDeadlineExceeded) && wait < testTimeout {
			select {
			case stuck <- struct{}{}:
			default:
			}
			wait = testTimeout
			continue
		}
		if err != nil {
			return err
		}
	}
}

// lastEvent returns the event that ends connection id, checking that
// only open, data and half-close events came before it.
func lastEvent(t testing.TB, ch <-chan Event, id uint64) Event {
	t.Helper()
	evs := eventsUntilEnd(t, ch, id)
	for _, ev := range evs[:len(evs)-1] {
		if ev.Kind != Open && ev.Kind != Data && ev.Kind != HalfClose {
			t.Errorf("connection %d: %v event before its end", id, ev.Kind)
		}
	}
	return evs[len(evs)-1]
}

// checkStall checks that ev reports side, which the relay reaches in
// direction dir, cut off for not reading within timeout.
func checkStall(t testing.TB, ev Event, side string, dir Dir, timeout time.Duration) {
	t.Helper()
	var se *StallError
	if ev.Kind != Error || !errors.Is(ev.Err, ErrStalled) || !errors.As(ev.Err, &se) {
		t.Fatalf("connection %d ended with %v %v; want an error that matches ErrStalled", ev.Conn, ev.Kind, ev.Err)
	}
	// Dir starts at the side to blame, as for every error.
	if ev.Dir != dir.reverse() || se.Side != side {
		t.Errorf("stall reported as %v, side %q; want %v, side %q", ev.Dir, se.Side, dir.reverse(), side)
	}
	if se.Waited < timeout || se.Waited > timeout+slack {
		t.Errorf("relay waited %v for the %s; want the write timeout, %v", se.Waited, side, timeout)
	}
	if se.Unsent <= 0 || !errors.Is(ev.Err, os.ErrDeadlineExceeded) {
		t.Errorf("stall says %d bytes unsent, write error %v; want some and a deadline", se.Unsent, se.Err)
	}
}

// checkClosed checks that err, which ended a read or write on a socket
// of a connection the relay cut off, came from the relay closing its
// side and not from the test's own deadline.
func checkClosed(t testing.TB, who string, err error) {
	t.Helper()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%s: %v; the relay did not close that side", who, err)
	}
}

// received returns what arrives on ch within testTimeout.
func received[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("%s: nothing in time", what)
	}
	var zero T
	return zero
}

func TestStalledReader(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, network := range []string{"unix", "tcp"} {
		t.Run("a "+network+" client that never reads is cut off after the write timeout", func(t *testing.T) {
			ln, target := listen(t, network, "real.sock")
			floods := make(chan error, 1)
			chatServer(t, ln, floods, nil)
			r := startRelay(t, network, target, Config{WriteTimeout: timeout, MaxData: -1})
			c := dial(t, r)
			start := time.Now()
			if _, err := io.WriteString(c, "flood\n"); err != nil {
				t.Fatal(err)
			}
			ev := lastEvent(t, r.Events(), 1)
			if took := time.Since(start); took > timeout+slack {
				t.Errorf("cut off after %v; want about the write timeout, %v", took, timeout)
			}
			checkStall(t, ev, "client", ServerToClient, timeout)
			checkClosed(t, "server's writes", received(t, "flood end", floods))
			_, err := io.Copy(io.Discard, c)
			checkClosed(t, "client's reads", err)
		})

		t.Run("a "+network+" server that stops reading is cut off the same way", func(t *testing.T) {
			ln, target := listen(t, network, "real.sock")
			drained := make(chan error, 1)
			release := make(chan struct{})
			serveConns(t, ln, func(c net.Conn) {
				<-release
				_, err := io.Copy(io.Discard, c)
				drained <- err
			})
			unblock := sync.OnceFunc(func() { close(release) })
			t.Cleanup(unblock)
			r := startRelay(t, network, target, Config{WriteTimeout: timeout, MaxData: -1})
			c := dial(t, r)
			wrote := make(chan error, 1)
			go func() {
				var err error
				for err == nil {
					_, err = c.Write(floodChunk)
				}
				wrote <- err
			}()
			ev := lastEvent(t, r.Events(), 1)
			checkStall(t, ev, "server", ClientToServer, timeout)
			checkClosed(t, "client's writes", received(t, "client's writes", wrote))
			unblock()
			checkClosed(t, "server's reads", received(t, "server's reads", drained))
		})
	}
}

func TestStalledReaderAlone(t *testing.T) {
	t.Run("other clients keep chatting while one stalls, and after", func(t *testing.T) {
		const timeout = 2 * time.Second
		ln, target := listen(t, "unix", "real.sock")
		floods, stuck := make(chan error, 1), make(chan struct{}, 1)
		chatServer(t, ln, floods, stuck)
		r := startRelay(t, "unix", target, Config{WriteTimeout: timeout, MaxData: -1})
		stalled := dial(t, r)
		if _, err := io.WriteString(stalled, "flood\n"); err != nil {
			t.Fatal(err)
		}
		received(t, "stalled flood", stuck)
		other := dial(t, r)
		br := bufio.NewReader(other)
		talk := func(n int) {
			t.Helper()
			for i := range n {
				line := fmt.Sprintf("line %d\n", i)
				if _, err := io.WriteString(other, line); err != nil {
					t.Fatal(err)
				}
				if back, err := br.ReadString('\n'); back != line {
					t.Fatalf("other client got %q (%v), want %q back", back, err, line)
				}
			}
		}
		talk(20)
		talked := time.Now()

		ev := lastEvent(t, r.Events(), 1)
		checkStall(t, ev, "client", ServerToClient, timeout)
		if !talked.Before(ev.Time) {
			t.Errorf("the stalled client was cut off at %v, before the other finished talking at %v",
				ev.Time.Format(time.StampMicro), talked.Format(time.StampMicro))
		}
		received(t, "flood end", floods)
		talk(5)
		if s := r.Stats(); s.Live != 1 {
			t.Errorf("%d connections live; want the other client's alone", s.Live)
		}
	})
}

func TestStalledReadersLockNobodyOut(t *testing.T) {
	t.Run("clients that never read are cut off, so a new client gets in and memory returns", func(t *testing.T) {
		const n, size = 8, 64 << 10
		ln, target := listen(t, "unix", "real.sock")
		floods, stuck := make(chan error, n), make(chan struct{}, n)
		chatServer(t, ln, floods, stuck)
		r := startRelay(t, "unix", target, Config{MaxConns: n, BufferSize: size,
			WriteTimeout: time.Second, MaxData: -1, QueueSize: 1 << 12})
		goroutines, heap := runtime.NumGoroutine(), heapAfterGC()

		for range n {
			c := dial(t, r)
			if _, err := io.WriteString(c, "flood\n"); err != nil {
				t.Fatal(err)
			}
		}
		for range n {
			received(t, "stalled flood", stuck)
		}
		// However much the server sends, each connection holds its two
		// buffers, and a little for the sockets and the test's own ends.
		if h, limit := heapAfterGC(), heap+n*(2*size+16<<10); h > limit {
			t.Errorf("heap %d KiB with %d stalled clients; want at most %d KiB", h>>10, n, limit>>10)
		}

		cut := map[uint64]bool{}
		for len(cut) < n {
			ev := nextEvent(t, r.Events())
			switch ev.Kind {
			case Close, Reset, Error:
				checkStall(t, ev, "client", ServerToClient, time.Second)
				cut[ev.Conn] = true
			}
		}
		for range n {
			checkClosed(t, "server's writes", received(t, "flood end", floods))
		}
		deadline := time.Now().Add(testTimeout)
		for r.Stats().Live != 0 || runtime.NumGoroutine() > goroutines {
			if time.Now().After(deadline) {
				t.Fatalf("%d connections live and %d goroutines; want none live and %d goroutines",
					r.Stats().Live, runtime.NumGoroutine(), goroutines)
			}
			time.Sleep(time.Millisecond)
		}
		if h, limit := heapAfterGC(), heap+256<<10; h > limit {
			t.Errorf("heap %d KiB after the cut-offs; want it back near %d KiB", h>>10, heap>>10)
		}

		c := dial(t, r)
		if _, err := io.WriteString(c, "hello\n"); err != nil {
			t.Fatal(err)
		}
		back, err := bufio.NewReader(c).ReadString('\n')
		if back != "hello\n" {
			t.Errorf("new client got %q (%v), want its line back", back, err)
		}
	})
}

// heapAfterGC returns the bytes of live heap objects once the garbage
// collector has run, twice so that pooled buffers are let go too.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
