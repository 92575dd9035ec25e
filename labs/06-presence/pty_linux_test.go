package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a new pseudo-terminal and returns its terminal end, or
// skips the test where there is none.
func openPTY(t testing.TB) *os.File {
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
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR, 0)
	if err != nil {
		t.Skipf("cannot open the terminal end: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

func ioctl(f *os.File, req uint, arg *uint32) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(req),
		uintptr(unsafe.Pointer(arg)))
	if errno != 0 {
		return errno
	}
	return nil
}
