package main

import "errors"

// errWouldBlock is never returned on Windows (see writeOnce).
var errWouldBlock = errors.New("the socket has no room")

// writeOnce writes msg to m's connection. Go's sockets on Windows offer
// no write that returns at once when there is no room, so this one may
// wait: on Windows a client that stops reading slows the goroutine that
// writes to it, instead of being cut off.
func (m *member) writeOnce(msg []byte) (int, error) {
	return m.conn.Write(msg)
}
