package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

var update = flag.Bool("update", false,
	"rewrite testdata/transcript.txt")

// guidePath is what the guides show for the socket path: the -path
// default of user 1000 on a usual Linux machine, where XDG_RUNTIME_DIR is
// /run/user/1000.
const guidePath = "/run/user/1000/socketlab.sock"

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

// A testServer is a server with both doors, on 127.0.0.1:0 and on a
// Unix socket in a fresh temporary folder: serve in this process, or the
// Node server in a child process.
type testServer struct {
	addr, path string
	logs       *logBuffer
	stop       func() error // cancels serve, returns what it returned
	tcp        net.Listener // the TCP door's listener, for serve
	pid        int          // a Node server's process; 0 for serve
}

// startServer starts serve until the test ends. stop may be called more
// than once.
func startServer(t testing.TB) *testServer {
	t.Helper()
	s := &testServer{path: filepath.Join(tempDir(t), "chat.sock"),
		logs: newLogBuffer()}
	logger := log.New(s.logs, "", 0)
	tln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uln, err := chat.ListenUnix(s.path, 0o600, logger)
	if err != nil {
		t.Fatal(err)
	}
	s.addr, s.tcp = tln.Addr().String(), tln
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []net.Listener{tln, uln}, logger, chat.Config{},
			chat.BusConfig{})
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
	return s
}

// door returns the network and address of the server's door "tcp" or
// "unix".
func (s *testServer) door(name string) (network, address string) {
	if name == "unix" {
		return "unix", s.path
	}
	return "tcp", s.addr
}

// tcpClosed reports whether the server's TCP listener is closed. (Dialling
// its port cannot tell: once the port is free, another test's listener
// may be given the same port.)
func (s *testServer) tcpClosed() bool {
	l, ok := s.tcp.(*net.TCPListener)
	return ok && errors.Is(l.SetDeadline(time.Now()), net.ErrClosed)
}

// tempDir returns a new, short temporary folder, removed when the test
// ends. Socket paths must fit in about 108 bytes, and t.TempDir() paths
// can be longer than that.
func tempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// dial connects to address on network ("tcp" or "unix") with a
// deadline, and closes the connection when the test ends.
func dial(t testing.TB, network, address string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(timeout))
	return conn
}

// normalize replaces the socket path of a test run by the default path
// the guide shows, the server's port by the default 3008, and client
// ports, in order of first appearance, by 50001, 50002, ...
func normalize(text, path, serverPort string, clientPorts ...string) string {
	text = strings.ReplaceAll(text, path, guidePath)
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

// port returns the port of a "host:port" address.
func port(t testing.TB, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
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

// checkPrivate fails the test unless dir is a folder of mode 0700.
func checkPrivate(t testing.TB, dir string) {
	t.Helper()
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want a folder with 0700", dir, fi.Mode())
	}
}

// nobody is the user id that tests run other users' programs as.
const nobody = 65534

// foreignDir returns a new folder that belongs to uid 65534, for that
// user's socket files. It skips the test unless it runs as root, which
// it needs to act as another user.
func foreignDir(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user (uid 65534) needs root")
	}
	base := tempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "f")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	return dir
}

// squattedTempDir makes a new temporary folder the default one, as
// TMPDIR, and lets uid 65534 make our socketlab-UID folder in it first.
func squattedTempDir(t testing.TB) string {
	t.Helper()
	squat := foreignDir(t)
	base := filepath.Dir(squat)
	own := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
	if err := os.Rename(squat, own); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", base)
	return base
}

// foreignServer listens on a Unix socket path as another user would: it
// greets each client like the chat does and hangs up.
const foreignServer = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"Welcome to the chat, you are User 1!\n")
    c.close()
`

// startForeignServer runs foreignServer as uid 65534 on path until the
// test ends, and waits until it listens. It skips the test without root
// or a python3 that uid 65534 may run.
func startForeignServer(t testing.TB, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user (uid 65534) needs root")
	}
	var cmd *exec.Cmd
	var out io.Reader
	var err error
	// The python3 first in our PATH may be in root's home, out of reach.
	pys := []string{"/usr/bin/python3", "/usr/local/bin/python3"}
	if py, lerr := exec.LookPath("python3"); lerr == nil {
		pys = append(pys, py)
	}
	for _, py := range pys {
		cmd = exec.Command(py, "-c", foreignServer, path)
		runAs(t, cmd, nobody)
		if out, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if err = cmd.Start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Skipf("no python3 that uid 65534 may run, to play another "+
			"user's server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan []byte, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadBytes('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if !bytes.Equal(line, []byte("listening\n")) {
			t.Fatalf("the other user's server did not start: %q", line)
		}
	case <-time.After(timeout):
		t.Fatalf("the other user's server did not start in %v", timeout)
	}
}

// needSignals skips t on Windows, where a test cannot send a process
// Ctrl-C or SIGTERM (os.Process.Signal can only kill it there).
func needSignals(t testing.TB) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Windows cannot send a process Ctrl-C or SIGTERM from Go")
	}
}
