package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the transcripts in testdata")

// timeout bounds every wait in these tests.
const timeout = 10 * time.Second

// logBuffer is a goroutine-safe buffer for a server's logger. Each write
// wakes the waiters, so tests wait for log lines without sleeping.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer {
	return &logBuffer{changed: make(chan struct{})}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer contains want, and fails t on timeout.
func (b *logBuffer) waitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		text, changed := b.buf.String(), b.changed
		b.mu.Unlock()
		if strings.Contains(text, want) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %q in:\n%s", want, text)
		}
	}
}

// waitMatch waits until re matches the buffer, returns the leftmost
// match and its submatches, and fails t on timeout.
func (b *logBuffer) waitMatch(t testing.TB, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		text, changed := b.buf.String(), b.changed
		b.mu.Unlock()
		if m := re.FindStringSubmatch(text); m != nil {
			return m
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %v in:\n%s", re, text)
		}
	}
}

// bothEnds matches the two lines in which a program prints the two ends
// of a connection, this end first, whatever it calls them: Go prints
// "  this end (LocalAddr):   ADDR", Node "  this end (localAddress): ...".
func bothEnds(this, other string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^  this end [^:\n]*:\s+` +
		regexp.QuoteMeta(this) + `\n  other end [^:\n]*:\s+` +
		regexp.QuoteMeta(other) + `\n`)
}

// checkGoroutines fails t if goroutines started during the test are
// still running shortly after it ends. Call it first in a test, so that
// its cleanup runs last.
func checkGoroutines(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(timeout)
		for runtime.NumGoroutine() > before {
			select {
			case <-tick.C:
			case <-deadline:
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("%d goroutines left running, want %d:\n%s",
					runtime.NumGoroutine(), before, buf)
			}
		}
	})
}

// startServer runs serve on 127.0.0.1:0 until the test ends. stop cancels
// it and returns what serve returned; it may be called more than once.
func startServer(t testing.TB) (addr string, logs *logBuffer,
	stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs = newLogBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, log.New(logs, "", 0)) }()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(timeout):
			return fmt.Errorf("serve did not return %v after cancel", timeout)
		}
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	listeners.Store(ln.Addr().String(), ln)
	return ln.Addr().String(), logs, stop
}

// listeners holds, by address, the listener of every server startServer
// started and the process of every server startNodeServer started, for
// listenerClosed.
var listeners sync.Map

// listenerClosed reports whether the listener of the server started on
// addr is closed: for a Node server, whether its process has exited.
// (Dialling addr cannot tell: once the port is free, another test's
// listener may be given the same port.)
func listenerClosed(t testing.TB, addr string) bool {
	t.Helper()
	switch v, _ := listeners.Load(addr); v := v.(type) {
	case *net.TCPListener:
		return errors.Is(v.SetDeadline(time.Now()), net.ErrClosed)
	case *nodeProcess:
		return v.exited()
	}
	t.Fatalf("no server on %s was started by this test", addr)
	return false
}

// dial connects to addr with a deadline, and closes the connection when
// the test ends.
func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(timeout))
	return conn.(*net.TCPConn)
}

// port returns the port of a "host:port" address.
func port(t testing.TB, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// normalize replaces the server's real port by 3008, the default a
// learner would have, and client ports, in order of first appearance,
// by 50001, 50002, ...
func normalize(text, serverPort string, clientPorts ...string) string {
	sort.Slice(clientPorts, func(i, j int) bool {
		return firstIndex(text, clientPorts[i]) <
			firstIndex(text, clientPorts[j])
	})
	text = replacePort(text, serverPort, "3008")
	for i, p := range clientPorts {
		text = replacePort(text, p, strconv.Itoa(50001+i))
	}
	return text
}

func firstIndex(text, port string) int {
	loc := regexp.MustCompile(`\b` + port + `\b`).FindStringIndex(text)
	if loc == nil {
		return len(text)
	}
	return loc[0]
}

func replacePort(text, port, with string) string {
	return regexp.MustCompile(`\b`+port+`\b`).ReplaceAllString(text, with)
}

// checkGolden compares got with the file testdata/name, or rewrites the
// file when the test runs with -update.
func checkGolden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (run go test -update "+
			"if the change is intended)\n--- got\n%s--- want\n%s",
			path, got, want)
	}
}
