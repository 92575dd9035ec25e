package main

import (
	"context"
	"log"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestStream shows, deterministically, that TCP keeps no message
// boundaries: the server's Reads do not match the client's Writes.
func TestStream(t *testing.T) {
	t.Run("two writes can arrive in one read", func(t *testing.T) {
		checkGoroutines(t)
		client, server := pair(t)
		client.Write([]byte("one\n"))
		client.Write([]byte("two\n"))
		// Both writes wait in the server's receive queue before handle
		// makes its first Read.
		waitQueued(t, server, 8)
		logs := runHandle(t, server)
		logs.waitFor(t, `read 8 bytes from `+client.LocalAddr().String()+
			`: "one\ntwo\n"`+"\n")
	})

	t.Run("one write can arrive in several reads", func(t *testing.T) {
		checkGoroutines(t)
		client, server := pair(t)
		big := strings.Repeat("x", 3*readSize-72) + "\n"
		logs := runHandle(t, server)
		client.Write([]byte(big))
		client.CloseWrite()
		logs.waitFor(t, "hung up\n")
		var reads, total int
		re := regexp.MustCompile(`(?m)^read (\d+) bytes`)
		for _, m := range re.FindAllStringSubmatch(logs.String(), -1) {
			n, _ := strconv.Atoi(m[1])
			reads, total = reads+1, total+n
		}
		if reads < 3 || total != len(big) {
			t.Errorf("one write of %d bytes: %d reads of %d bytes in "+
				"all; want at least 3 reads of %d", len(big), reads, total,
				len(big))
		}
	})
}

// pair returns the two ends of a fresh TCP connection on 127.0.0.1.
func pair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client = dial(t, ln.Addr().String())
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return client, c.(*net.TCPConn)
}

// runHandle runs handle on conn until the test ends, and returns its log.
func runHandle(t testing.TB, conn net.Conn) *logBuffer {
	t.Helper()
	logs := newLogBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		handle(ctx, conn, log.New(logs, "", 0))
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return logs
}

// waitQueued polls until conn's receive queue holds n bytes (the
// SIOCINQ ioctl), and fails t on timeout.
func waitQueued(t testing.TB, conn *net.TCPConn, n int) {
	t.Helper()
	raw, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		var queued int32
		var errno syscall.Errno
		raw.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd,
				syscall.TIOCINQ, uintptr(unsafe.Pointer(&queued)))
		})
		if errno != 0 {
			t.Fatalf("ioctl SIOCINQ: %v", errno)
		}
		if int(queued) >= n {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d bytes queued after %v, want %d", queued,
				timeout, n)
		}
	}
}
