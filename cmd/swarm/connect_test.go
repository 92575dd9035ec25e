// A full listen queue refuses a Unix connect with EAGAIN on Linux; these
// tests build such a queue with Linux's socket flags.

//go:build linux

package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// listenUnixBacklog listens on a Unix socket path with the given listen
// backlog, which net.Listen does not let a caller choose.
func listenUnixBacklog(t *testing.T, path string, backlog int) net.Listener {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close() // FileListener dups the descriptor
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// A Unix connect to a full listen queue fails at once with EAGAIN; swarm
// tries again until the server accepts, instead of counting a failure.
func TestUnixConnectRetriesWhileTheQueueIsFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.sock")
	ln := listenUnixBacklog(t, path, 1)

	cfg, err := parseArgs([]string{"-path", path, "-clients", "8",
		"-senders", "1", "-connect-timeout", "20s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := newSwarm(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	connected := make(chan struct{})
	go func() {
		defer close(connected)
		s.connect(ctx)
	}()

	// Nothing accepts yet, so at most backlog+1 connects can be queued:
	// wait until swarm has been refused and has tried again.
	for s.retries.Load() == 0 {
		select {
		case <-connected:
			t.Fatalf("every connect returned, %d connected and %d failed, "+
				"without one retry", s.connected.Load(), s.failed.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}

	var (
		mu       sync.Mutex
		accepted []net.Conn
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		}
	})
	<-connected

	s.closing.Store(true)
	for _, c := range s.clients {
		if c != nil {
			c.conn.Close()
		}
	}
	s.readers.Wait()
	ln.Close()
	wg.Wait()
	for _, c := range accepted {
		c.Close()
	}
	if got, failed := s.connected.Load(), s.failed.Load(); got != 8 || failed != 0 {
		t.Errorf("%d connected, %d failed (%v); want 8 and 0",
			got, failed, s.dialErrs)
	}
	if s.retries.Load() == 0 {
		t.Error("no retry was counted")
	}
}
