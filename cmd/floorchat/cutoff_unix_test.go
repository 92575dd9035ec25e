// On Windows a write to a client may wait (see write_windows.go), so a
// client that stops reading is not cut off there.

//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	r, addr, logs := startRoom(t, 4096, 0)
	c := dialN(t, r, addr, 2)
	sender, reader := c[0], c[1]
	// The stuck client never reads, and asks for a small receive
	// buffer, so a few hundred KiB fill its socket at both ends.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return err
	}}
	stuck, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	waitMembers(t, r, 3)
	line := strings.Repeat("x", 1000) + "\n"
	br := bufio.NewReader(reader)

	// Send in lockstep with the reader, so the reader is never behind
	// and only the stuck client can fill up.
	for sent := 1; !strings.Contains(logs.String(), "User 3 cut off: its socket buffer is full"); sent++ {
		if sent > 100000 {
			t.Fatalf("100,000 lines and the stuck client was not cut off; log:\n%s", logs)
		}
		if _, err := io.WriteString(sender, line); err != nil {
			t.Fatal(err)
		}
		if got := readLine(t, br, reader); got != "User 1: "+line {
			t.Fatalf("line %d: the reader got %d bytes, not the line", sent, len(got))
		}
	}
	// The stuck client's connection has ended: after what it holds,
	// reading meets the end (or a reset, the kernel's choice).
	stuck.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, stuck); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the stuck client's connection did not end: %v", err)
	}
	// The room still works for the others.
	if _, err := io.WriteString(sender, "still here\n"); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, br, reader); got != "User 1: still here\n" {
		t.Errorf("after the cut the reader got %q", got)
	}
}
