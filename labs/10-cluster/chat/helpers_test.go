package chat

import (
	"bufio"
	"bytes"
	"context"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe buffer for a test's logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A testRoom is a Room serving a TCP door on 127.0.0.1:0 and a Unix door
// on a short temporary path.
type testRoom struct {
	*Room
	tcp, unix string
	log       *syncBuffer
}

// startRoom starts a room with cfg and stops it, checking that Serve
// returned nil and no goroutine was left behind, when the test ends.
func startRoom(t testing.TB, cfg Config) *testRoom {
	t.Helper()
	before := runtime.NumGoroutine()
	logs := &syncBuffer{}
	cfg.Logger = log.New(logs, "", 0)
	tr := &testRoom{Room: NewRoom(cfg), log: logs}

	tln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uln, err := ListenUnix(filepath.Join(tempDir(t), "c.sock"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.tcp, tr.unix = tln.Addr().String(), uln.Addr().String()
	errc := make(chan error, 2)
	go func() { errc <- tr.Serve(context.Background(), tln, "tcp") }()
	go func() { errc <- tr.Serve(context.Background(), uln, "unix") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tr.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for range 2 {
			if err := <-errc; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
		if _, err := os.Lstat(tr.unix); !os.IsNotExist(err) {
			t.Errorf("socket file %s still there after shutdown", tr.unix)
		}
		waitGoroutines(t, before)
	})
	return tr
}

// waitGoroutines fails unless the number of goroutines drops back to n
// within a few seconds.
func waitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, want %d:\n%s",
				runtime.NumGoroutine(), n, buf)
		}
		runtime.Gosched()
	}
}

// tempDir returns a short directory for socket files (sun_path is ~108
// bytes, too short for t.TempDir()) and removes it at the end.
func tempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// A peer is a test's end of one chat connection.
type peer struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	id   string // "3" for User 3
}

// dial connects to the room through door ("tcp" or "unix") and reads
// the welcome line.
func (tr *testRoom) dial(t testing.TB, door string) *peer {
	t.Helper()
	addr := tr.tcp
	if door == "unix" {
		addr = tr.unix
	}
	conn, err := net.DialTimeout(door, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &peer{t: t, conn: conn, r: bufio.NewReader(conn)}
	got := p.read()
	if !strings.HasPrefix(got, "Welcome to the chat, you are User ") {
		t.Fatalf("first line %q, want a welcome", got)
	}
	p.id = idOf(t, got)
	return p
}

// read returns the next line, without "\n", failing after 5 seconds.
func (p *peer) read() string {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("read: %v (after %q)", err, line)
	}
	return strings.TrimSuffix(line, "\n")
}

// expect fails unless the next line is want.
func (p *peer) expect(want string) {
	p.t.Helper()
	if got := p.read(); got != want {
		p.t.Fatalf("got %q, want %q", got, want)
	}
}

// send writes s as is.
func (p *peer) send(s string) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.conn.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// id returns the user number from a welcome or joined line.
func idOf(t testing.TB, line string) string {
	t.Helper()
	f := strings.Fields(line)
	for i, w := range f {
		if w == "User" && i+1 < len(f) {
			return strings.TrimRight(f[i+1], "!:")
		}
	}
	t.Fatalf("no user id in %q", line)
	return ""
}

func newBufReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
