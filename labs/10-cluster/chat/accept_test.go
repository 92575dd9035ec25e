// This test lowers the open files limit, whose type differs on FreeBSD
// and which Windows does not have.

//go:build linux || darwin

package chat

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAcceptWaitsForFileDescriptors lowers the open files limit so that
// the room's next accept fails with EMFILE. The room must log it, wait,
// and take the client once descriptors are free again.
func TestAcceptWaitsForFileDescriptors(t *testing.T) {
	tr := startRoom(t, Config{})
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			t.Fatal(err)
		}
	}
	defer restore()

	// Leave exactly one descriptor free below the limit: the client's
	// socket takes it, and the room's accept finds none. A descriptor
	// is open if fcntl(F_GETFD) works on it.
	isOpen := func(fd int) bool {
		_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		return errno == 0
	}
	// Something else in the process may take the free descriptor
	// between the count and the dial; then count again.
	var conn net.Conn
	for try := 1; conn == nil; try++ {
		free, limit := 0, 0
		for ; free < 2; limit++ {
			if !isOpen(limit) {
				free++
			}
		}
		low := syscall.Rlimit{Cur: uint64(limit - 1), Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
			t.Fatal(err)
		}
		var err error
		conn, err = net.Dial("tcp", tr.tcp)
		if err != nil {
			restore()
			if !errors.Is(err, syscall.EMFILE) || try == 10 {
				t.Fatalf("dial with one descriptor free: %v", err)
			}
		}
	}
	t.Cleanup(func() { conn.Close() })

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tr.log.String(), "too many open files; retrying in") {
		if time.Now().After(deadline) {
			restore()
			t.Fatalf("no EMFILE retry in the log:\n%s", tr.log)
		}
		time.Sleep(time.Millisecond)
	}
	restore()
	p := &peer{t: t, conn: conn, r: newBufReader(conn)}
	if got := p.read(); !strings.HasPrefix(got, "Welcome to the chat, you are User ") {
		t.Fatalf("after the retry the client got %q, want a welcome", got)
	}
}
