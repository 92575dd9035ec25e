// This test lowers the open files limit, whose type differs on FreeBSD
// and which Windows does not have.

//go:build linux || darwin

package main

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// TestOutOfDescriptorsWaits lowers the open files limit so that the
// next accept fails with EMFILE, and checks that the room logs it and
// takes the client once descriptors are free again.
func TestOutOfDescriptorsWaits(t *testing.T) {
	r, addr, logs := startRoom(t, 4096, 0)
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
	// Leave exactly one free descriptor: the client's socket takes it,
	// and the server's accept finds none. A descriptor is open if
	// fcntl(F_GETFD) works on it.
	open := func(fd int) bool {
		_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		return errno == 0
	}
	// Something else in the process may take the free descriptor
	// between the count and the dial; then count again.
	var c net.Conn
	for try := 1; c == nil; try++ {
		free, limit := 0, 0
		for ; free < 2; limit++ {
			if !open(limit) {
				free++
			}
		}
		low := syscall.Rlimit{Cur: uint64(limit - 1), Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
			t.Fatal(err)
		}
		var err error
		c, err = net.Dial("tcp", addr)
		if err != nil {
			restore()
			if !errors.Is(err, syscall.EMFILE) || try == 10 {
				t.Fatalf("dial with one descriptor free: %v", err)
			}
		}
	}
	t.Cleanup(func() { c.Close() })
	logs.WaitFor(t, `accept: .*too many open files; retrying in`)
	restore()
	waitMembers(t, r, 1)
}
