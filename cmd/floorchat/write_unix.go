//go:build unix

package main

import "syscall"

// errWouldBlock is writeOnce's error when the socket has no room.
const errWouldBlock = syscall.EAGAIN

// writeOnce writes msg with one write(2) on m's non-blocking socket: it
// never waits for room.
func (m *member) writeOnce(msg []byte) (int, error) {
	var n int
	var werr error
	err := m.raw.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), msg)
		return true // one try; returning false would wait for room
	})
	if err != nil {
		return n, err
	}
	return n, werr
}
