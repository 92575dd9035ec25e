//go:build !linux

package main

import (
	"errors"
	"time"
)

// errNoProc says why -server-pid measures nothing here: the server's CPU
// time and memory come from Linux's /proc (see proc_linux.go).
var errNoProc = errors.New("the server's CPU time and memory are read " +
	"from /proc, which only Linux has")

// procCPU returns errNoProc.
func procCPU(int) (time.Duration, error) {
	return 0, errNoProc
}

// procMem returns errNoProc.
func procMem(int) (rss, hwm int64, err error) {
	return 0, 0, errNoProc
}
