package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	natsd "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

// heartbeat is the servers' heartbeat in these tests: short, so that a
// server that went silent is noticed within a second.
const heartbeat = 100 * time.Millisecond

// A testBus is a NATS server in this process, which a test may stop and
// start again on the same port.
type testBus struct {
	t             testing.TB
	listen, token string
	url           string
	logs          *logBuffer
	mu            sync.Mutex
	ns            *natsd.Server
}

// startBus starts a NATS server on a free port until the test ends.
func startBus(t testing.TB) *testBus {
	t.Helper()
	b := &testBus{t: t, listen: "127.0.0.1:0", token: "test-token",
		logs: newLogBuffer()}
	b.start()
	b.listen = b.ns.Addr().String() // the same port from now on
	t.Cleanup(b.stop)
	return b
}

// start starts the bus again after stop, on the same port.
func (b *testBus) start() {
	b.t.Helper()
	ns, url, err := startNATS(b.listen, b.token, log.New(b.logs, "", 0))
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.ns, b.url = ns, url
	b.mu.Unlock()
}

// stop shuts the bus down and waits until it is down.
func (b *testBus) stop() {
	b.mu.Lock()
	ns := b.ns
	b.ns = nil
	b.mu.Unlock()
	if ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
	}
}

// publisher connects to the bus as anyone could, with the token, and
// disconnects when the test ends.
func (b *testBus) publisher() *nats.Conn {
	b.t.Helper()
	nc, err := nats.Connect(b.url)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(nc.Close)
	return nc
}

// startMember starts serve with one TCP door, on the bus as name, until
// the test ends, and waits until it listens. change, if not nil, may
// change the bus settings first.
func startMember(t testing.TB, bus *testBus, name string,
	change func(*chat.BusConfig)) *testServer {
	t.Helper()
	s := &testServer{logs: newLogBuffer()}
	logger := log.New(s.logs, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr, s.tcp = ln.Addr().String(), ln
	cfg := chat.BusConfig{URL: bus.url, Name: name, Heartbeat: heartbeat}
	if change != nil {
		change(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []net.Listener{ln}, logger, chat.Config{}, cfg)
	}()
	s.stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(timeout):
			return fmt.Errorf("serve did not return %v after cancel", timeout)
		}
	})
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Error(err)
		}
	})
	s.logs.waitFor(t, "Listening on ")
	return s
}

// A lineClient is any chat client that sends what is written to in and
// shows what it receives in out: a Go connection, nc or Python.
type lineClient struct {
	kind string
	in   io.Writer
	out  *logBuffer
}

// clientKinds start one client of each kind on a server's TCP address.
var clientKinds = []struct {
	name  string
	start func(t testing.TB, addr string) *lineClient
}{
	{"Go", func(t testing.TB, addr string) *lineClient {
		conn := dial(t, "tcp", addr)
		conn.SetDeadline(time.Time{}) // the test's timeouts bound it
		out := newLogBuffer()
		go io.Copy(out, conn) // ends when dial's cleanup closes conn
		return &lineClient{"Go", conn, out}
	}},
	{"nc", func(t testing.TB, addr string) *lineClient {
		host, port, _ := net.SplitHostPort(addr)
		in, out, _ := startTool(t, "nc", "-N", host, port)
		return &lineClient{"nc", in, out}
	}},
	{"Python", func(t testing.TB, addr string) *lineClient {
		in, out, _ := startTool(t, "python3", "-c", pyChat, "tcp:"+addr)
		return &lineClient{"Python", in, out}
	}},
}

// waitCount waits until re matches at least n times in b, and fails t
// on timeout.
func (b *logBuffer) waitCount(t testing.TB, re *regexp.Regexp, n int) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		text, changed := b.buf.String(), b.changed
		b.mu.Unlock()
		got := len(re.FindAllStringIndex(text, -1))
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %d matches of %v, got %d in:"+
				"\n%s", n, re, got, text)
		}
	}
}
