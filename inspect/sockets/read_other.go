//go:build !linux && !darwin && !freebsd && !windows

package sockets

import (
	"errors"
	"runtime"
	"time"
)

// MinInterval is the shortest time a view that polls the table should
// leave between two Reads: none here, where Read only fails.
const MinInterval time.Duration = 0

// Read returns the sockets f selects. It is written for Linux, macOS,
// FreeBSD and Windows; on other systems it returns an error that says
// so.
func Read(f Filter) (Snapshot, error) {
	return Snapshot{}, errors.New("inspect reads no socket table on " +
		runtime.GOOS + ": use netstat, sockstat or lsof")
}
