package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"regexp"
	"strings"
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

// stayDown keeps the bus's port while the bus is stopped, and hangs up
// on n connections to it, each a try of some server to reconnect, before
// it lets go of the port. With two servers, each reconnecting once a
// heartbeat, 2k+2 tries take at least k heartbeats.
func (b *testBus) stayDown(n int) {
	b.t.Helper()
	ln, err := net.Listen("tcp", b.listen)
	if err != nil {
		b.t.Fatal(err)
	}
	defer ln.Close()
	tried := make(chan error, 1)
	go func() {
		for range n {
			conn, err := ln.Accept()
			if err != nil {
				tried <- err
				return
			}
			conn.Close()
		}
		tried <- nil
	}()
	select {
	case err := <-tried:
		if err != nil {
			b.t.Fatal(err)
		}
	case <-time.After(timeout):
		ln.Close()
		<-tried
		b.t.Fatalf("fewer than %d tries to reconnect in %v", n, timeout)
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

// A gate stands between one server and the bus: a TCP proxy that a test
// may close, which cuts that server alone off the bus, and open again,
// which lets it back on. While closed, it hangs up on each connection at
// once and counts it: each is one try of the server to reconnect.
type gate struct {
	t   testing.TB
	ln  net.Listener
	bus string // the bus's address
	url string // the bus's URL through the gate

	mu      sync.Mutex
	open    bool
	conns   map[net.Conn]bool
	tries   int           // connections refused while closed
	changed chan struct{} // closed and replaced when tries grows
	wg      sync.WaitGroup
}

// startGate starts an open gate to bus until the test ends.
func startGate(t testing.TB, bus *testBus) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{t: t, ln: ln, bus: bus.listen, open: true,
		url:   strings.Replace(bus.url, bus.listen, ln.Addr().String(), 1),
		conns: make(map[net.Conn]bool), changed: make(chan struct{})}
	g.wg.Add(1)
	go g.accept()
	t.Cleanup(func() {
		ln.Close()
		g.close()
		g.wg.Wait()
	})
	return g
}

// accept passes each connection on to the bus while the gate is open,
// and hangs up on it while the gate is closed.
func (g *gate) accept() {
	defer g.wg.Done()
	for {
		conn, err := g.ln.Accept()
		if err != nil {
			return // the test is over
		}
		g.mu.Lock()
		if !g.open {
			g.tries++
			close(g.changed)
			g.changed = make(chan struct{})
			g.mu.Unlock()
			conn.Close()
			continue
		}
		g.mu.Unlock()
		up, err := net.DialTimeout("tcp", g.bus, timeout)
		if err != nil {
			conn.Close()
			continue
		}
		g.mu.Lock()
		if !g.open { // closed while we dialled
			g.mu.Unlock()
			conn.Close()
			up.Close()
			continue
		}
		g.conns[conn], g.conns[up] = true, true
		g.mu.Unlock()
		g.wg.Add(2)
		go g.pipe(conn, up)
		go g.pipe(up, conn)
	}
}

// pipe copies from one end to the other, and closes both when either
// ends.
func (g *gate) pipe(from, to net.Conn) {
	defer g.wg.Done()
	io.Copy(to, from)
	from.Close()
	to.Close()
	g.mu.Lock()
	delete(g.conns, from)
	delete(g.conns, to)
	g.mu.Unlock()
}

// close cuts the connections through the gate and refuses new ones.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = false
	for c := range g.conns {
		c.Close()
	}
}

// reopen lets connections through again.
func (g *gate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = true
}

// refused returns how many connections the gate has refused so far.
func (g *gate) refused() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tries
}

// waitRefused waits until the gate has refused n connections in all,
// and fails the test on timeout.
func (g *gate) waitRefused(n int) {
	g.t.Helper()
	deadline := time.After(timeout)
	for {
		g.mu.Lock()
		tries, changed := g.tries, g.changed
		g.mu.Unlock()
		if tries >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			g.t.Fatalf("the gate refused %d connections in %v, want %d",
				tries, timeout, n)
		}
	}
}

// keepPublishing publishes data on subject now and then once a
// heartbeat, until stop is called: a message may be dropped, or come
// before a subscription does, so a test that waits for one sends it
// again until it arrives.
func keepPublishing(t testing.TB, nc *nats.Conn, subject,
	data string) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			if err := nc.Publish(subject, []byte(data)); err != nil {
				sent <- err
				return
			}
			select {
			case <-tick.C:
			case <-done:
				// Once stop returns, NATS has them all.
				sent <- nc.Flush()
				return
			}
		}
	}()
	return sync.OnceFunc(func() {
		t.Helper()
		close(done)
		if err := <-sent; err != nil {
			t.Error(err)
		}
	})
}
