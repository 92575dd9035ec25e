package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a new pseudo-terminal, or skips the test where there is
// none. tty is the terminal end, a program's stdin and stdout; the test
// plays the person at the keyboard on ptmx: what it writes there are
// keys, what it reads there is what the screen shows.
func openPTY(t testing.TB) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	var n, unlock uint32
	if err := ioctl(ptmx, syscall.TIOCGPTN, &n); err != nil {
		t.Skipf("TIOCGPTN: %v", err)
	}
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, &unlock); err != nil {
		t.Skipf("TIOCSPTLCK: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR, 0)
	if err != nil {
		t.Skipf("cannot open the terminal end: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptmx, tty
}

// ioctl calls ioctl(2) on f. (It does not take f.Fd, which would put f
// in blocking mode: closing f could then no longer end a Read.)
func ioctl(f *os.File, req uint, arg *uint32) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	err = c.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req),
			uintptr(unsafe.Pointer(arg)))
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}
