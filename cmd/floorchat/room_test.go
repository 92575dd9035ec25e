package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socketlab/socketlab/cmd/internal/testout"
)

// startRoom serves a room on a loopback port until the test ends. Its
// fan-outs are split in parts shares, or one per core if parts is 0.
func startRoom(t *testing.T, maxLine, parts int) (*room, string, *testout.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &testout.Buffer{}
	r := newRoom(log.New(logs, "", 0), maxLine)
	if parts > 0 {
		r.parts = parts
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return r, ln.Addr().String(), logs
}

// dialN connects n clients and waits until the room holds them all.
func dialN(t *testing.T, r *room, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	waitMembers(t, r, n)
	return conns
}

// waitMembers polls until the room has n members.
func waitMembers(t *testing.T, r *room, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.RLock()
		have := len(r.members)
		r.mu.RUnlock()
		if have == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the room has %d members, want %d", have, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func readLine(t *testing.T, br *bufio.Reader, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading: %v (got %q)", err, line)
	}
	return line
}

func TestLineReachesEveryoneButItsSender(t *testing.T) {
	r, addr, _ := startRoom(t, 4096, 0)
	c := dialN(t, r, addr, 3)
	br := []*bufio.Reader{bufio.NewReader(c[0]), bufio.NewReader(c[1]), bufio.NewReader(c[2])}

	if _, err := io.WriteString(c[0], "hello\n"); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		if got := readLine(t, br[i], c[i]); got != "User 1: hello\n" {
			t.Errorf("client %d got %q, want %q", i+1, got, "User 1: hello\n")
		}
	}
	// The sender's first line must be client 2's, not its own.
	if _, err := io.WriteString(c[1], "hi\n"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, br[0], c[0]); got != "User 2: hi\n" {
		t.Errorf("sender got %q, want %q", got, "User 2: hi\n")
	}
}

// TestSplitFanOutReachesEveryone uses a room big enough to split a
// fan-out between three goroutines, and checks that each of the others
// gets the line exactly once.
func TestSplitFanOutReachesEveryone(t *testing.T) {
	const n = 300 // three shares of 100: 64 members or more per share
	r, addr, _ := startRoom(t, 4096, 3)
	c := dialN(t, r, addr, n)
	if _, err := io.WriteString(c[0], "to all\n"); err != nil {
		t.Fatal(err)
	}
	// Then a second line from another client: a reader that got the
	// first line twice would see it in place of the second. (The two
	// fan-outs run at once, so either may arrive first.)
	if _, err := io.WriteString(c[1], "and again\n"); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < n; i++ {
		br := bufio.NewReader(c[i])
		first, second := readLine(t, br, c[i]), readLine(t, br, c[i])
		if first > second {
			first, second = second, first
		}
		if first != "User 1: to all\n" || second != "User 2: and again\n" {
			t.Fatalf("client %d got %q then %q", i+1, first, second)
		}
	}
}

func TestLongLineIsCutOff(t *testing.T) {
	r, addr, logs := startRoom(t, 64, 0)
	c := dialN(t, r, addr, 1)
	if _, err := io.WriteString(c[0], strings.Repeat("y", 100)); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(t, regexp.QuoteMeta("User 1 cut off: sent a line longer than 64 bytes"))
	c[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, c[0]); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the connection did not end: %v", err)
	}
}

func TestUnixSocketServesAndIsRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "floor.sock")
	logs := &testout.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-path", path}, logs) }()
	logs.WaitFor(t, regexp.QuoteMeta("floorchat listening on unix "+path))

	a, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// b's line reaches a once both are in the room; until then, a
	// line may meet a room of one. Send until a sees one.
	br := bufio.NewReader(a)
	a.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make(chan string, 1)
	go func() {
		l, _ := br.ReadString('\n')
		got <- l
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case l := <-got:
			if l != "User 2: ping\n" {
				t.Fatalf("a got %q", l)
			}
			break wait
		case <-tick.C:
			io.WriteString(b, "ping\n")
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, b); err != nil {
		t.Errorf("client's connection did not end at shutdown: %v", err)
	}
}

func TestArguments(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"-addr", "127.0.0.1:0", "-path", "x.sock"},
		{"-addr", "127.0.0.1:0", "extra"},
		{"-addr", "127.0.0.1:0", "-max-line", "0"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		if err == nil || !strings.Contains(out.String(), "Usage") {
			t.Errorf("run(%q) = %v with output %q; want an error and the usage", args, err, out.String())
		}
	}
}

// TestSIGTERMExitsZero runs floorchat as a child process (this test
// binary, sent into main by an environment variable), stops it with
// SIGTERM and checks that it exits 0 and removes its socket file.
func TestSIGTERMExitsZero(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no SIGTERM to send")
	}
	if os.Getenv("FLOORCHAT_CHILD") == "1" {
		os.Args = append([]string{"floorchat"}, strings.Fields(os.Getenv("FLOORCHAT_ARGS"))...)
		main()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "floor.sock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGTERMExitsZero$")
	cmd.Env = append(os.Environ(), "FLOORCHAT_CHILD=1", "FLOORCHAT_ARGS=-path "+path)
	logs := &testout.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs.WaitFor(t, regexp.QuoteMeta("listening on unix"))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("floorchat after SIGTERM: %v; log:\n%s", err, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("floorchat did not exit after SIGTERM")
	}
	if !strings.Contains(logs.String(), "floorchat stopped") {
		t.Errorf("no shutdown line in the log:\n%s", logs)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
}
