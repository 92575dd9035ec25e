//go:build unix

package main

import (
	"syscall"
	"testing"
)

func TestRaiseNoFile(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 256 {
		t.Skipf("hard limit %d is too low to test", orig.Max)
	}
	low := syscall.Rlimit{Cur: 128, Max: orig.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	got, err := raiseNoFile()
	if err != nil {
		t.Fatal(err)
	}
	var now syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now)
	if got != uint64(orig.Max) || now.Cur != orig.Max {
		t.Errorf("soft limit %d (returned %d), want the hard limit %d",
			now.Cur, got, orig.Max)
	}
}
