package tap

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testTimeout bounds every wait in these tests.
const testTimeout = 20 * time.Second

// shortDir returns a new short temporary directory, removed after the
// test: socket paths must fit in sun_path (about 108 bytes).
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// listen listens on network ("unix" or "tcp") at a fresh address and
// returns the listener and its address as ParseAddr accepts it.
func listen(t testing.TB, network, name string) (net.Listener, string) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(shortDir(t), name)
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, network + ":" + ln.Addr().String()
}

// serveConns runs handle for every connection accepted on ln until the
// test ends, then closes ln and waits for the handlers.
func serveConns(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(testTimeout))
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// echo writes back everything it reads, then half-closes.
func echo(c net.Conn) {
	buf := make([]byte, 8<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	c.(interface{ CloseWrite() error }).CloseWrite()
}

// startRelay starts a relay from listenNet ("unix" or "tcp") to target
// and stops it when the test ends, checking that Serve returned nil.
func startRelay(t testing.TB, listenNet, target string, cfg Config) *Relay {
	t.Helper()
	cfg.To = target
	cfg.Listen = "127.0.0.1:0"
	if listenNet == "unix" {
		cfg.Listen = filepath.Join(shortDir(t), "tap.sock")
	}
	r, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(context.Background()) }()
	t.Cleanup(func() {
		r.Close()
		for range r.Events() {
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(testTimeout):
			t.Errorf("Serve did not return after Close")
		}
	})
	return r
}

// dial connects to the relay with a deadline for the whole test.
func dial(t testing.TB, r *Relay) net.Conn {
	t.Helper()
	a := r.Addr()
	c, err := net.DialTimeout(a.Network(), a.String(), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// nextEvent returns the next event, failing the test if none comes in
// time or the channel is closed.
func nextEvent(t testing.TB, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event channel closed")
		}
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no event in time")
	}
	return Event{}
}

// eventsUntilEnd collects the events of connection id up to and
// including its last one (Close, Reset or Error), skipping other
// connections' events.
func eventsUntilEnd(t testing.TB, ch <-chan Event, id uint64) []Event {
	t.Helper()
	var evs []Event
	for {
		ev := nextEvent(t, ch)
		if ev.Conn != id {
			continue
		}
		evs = append(evs, ev)
		switch ev.Kind {
		case Close, Reset, Error:
			return evs
		}
	}
}
