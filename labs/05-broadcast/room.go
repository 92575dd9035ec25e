package main

import (
	"io"
	"net"
	"sync"
)

// A room is the set of connected clients, each with its user number.
// Every handler goroutine uses it, so a mutex guards it.
type room struct {
	mu      sync.Mutex
	clients map[net.Conn]int
	lastID  int // the number given to the last client that joined
}

func newRoom() *room {
	return &room{clients: make(map[net.Conn]int)}
}

// join adds conn to the room and returns its user number. Numbers count
// up and are never given out twice.
func (r *room) join(conn net.Conn) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastID++
	r.clients[conn] = r.lastID
	return r.lastID
}

// leave removes conn from the room, so nobody writes to it any more.
func (r *room) leave(conn net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, conn)
}

// broadcast writes msg to every client in the room except from.
//
// NOTE: this writes to one client after the other while holding r.mu. A
// client that stops reading fills its socket buffers, then its Write
// blocks, and with it every line anyone sends: one slow client stalls the
// room. Lab 06 gives each client a queue and a writer of its own.
func (r *room) broadcast(from net.Conn, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for conn := range r.clients {
		if conn != from {
			// A failed write is that client's handler's business: its
			// next Read fails too, and it leaves the room.
			io.WriteString(conn, msg)
		}
	}
}
