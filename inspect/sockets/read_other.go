//go:build !linux

package sockets

import (
	"errors"
	"runtime"
)

// Read returns the sockets f selects. It reads Linux's /proc and is not
// written for other systems; there it returns an error.
func Read(f Filter) (Snapshot, error) {
	return Snapshot{}, errors.New("the socket table is read from Linux's /proc; on " +
		runtime.GOOS + " use netstat or lsof")
}
