//go:build unix

package chat

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// waitUnread waits until conn has bytes to read, and leaves them unread.
func waitUnread(t testing.TB, conn *net.UnixConn) {
	t.Helper()
	raw, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var perr error
	err = raw.Read(func(fd uintptr) bool {
		_, _, perr = syscall.Recvfrom(int(fd), make([]byte, 1),
			syscall.MSG_PEEK)
		return !errors.Is(perr, syscall.EAGAIN)
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		t.Fatal(err)
	}
}
