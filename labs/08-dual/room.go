package main

import (
	"fmt"
	"log"
	"net"
	"sync"
	"time"
)

// The room's bounds (flags in main). Each keeps one resource from
// growing without end, whatever the clients do.
var (
	maxClients   = 1000             // clients in the room at once
	queueLines   = 4096             // lines waiting for one client
	queueBytes   = 1 << 20          // bytes waiting for one client
	writeTimeout = 10 * time.Second // for one write to one client
	lineTimeout  = 60 * time.Second // for one line, from its first byte
)

// A room is the set of connected clients. Its lock is held only to change
// the set or to queue a line for its members, never across a network
// write, so no client can make the room wait.
type room struct {
	logger *log.Logger

	mu      sync.Mutex
	clients map[*client]bool
	lastID  int  // the number given to the last client that joined
	closed  bool // shutting down: nobody may join
}

// A client is one member of the room.
type client struct {
	id      int
	conn    net.Conn
	out     *outbox // what is waiting to be written to conn
	dropped sync.Once
}

func newRoom(logger *log.Logger) *room {
	return &room{logger: logger, clients: make(map[*client]bool)}
}

// join adds conn to the room under a new number, welcomes it and tells
// the others which door it came in by. Numbers count up and are never
// given out twice. Join fails when the room is full or shutting down.
func (r *room) join(conn net.Conn) (*client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("server is shutting down")
	}
	if len(r.clients) >= maxClients {
		return nil, fmt.Errorf("server full (%d clients), try again later",
			len(r.clients))
	}
	r.lastID++
	c := &client{id: r.lastID, conn: conn,
		out: newOutbox(queueLines, queueBytes)}
	c.out.push(fmt.Appendf(nil, "Welcome to the chat, you are User %d!\n",
		c.id))
	// The door is the network of the connection: "tcp" or "unix".
	r.sendOthers(c, fmt.Appendf(nil, "User %d joined! (%s)\n", c.id,
		conn.LocalAddr().Network()))
	r.clients[c] = true
	return c, nil
}

// leave removes c from the room and tells the others.
func (r *room) leave(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, c)
	r.sendOthers(c, fmt.Appendf(nil, "User %d left!\n", c.id))
}

// broadcast sends "User N: line" to every client except from. The line
// is built once, and every outbox gets the same bytes.
func (r *room) broadcast(from *client, line string) {
	msg := fmt.Appendf(nil, "User %d: %s\n", from.id, line)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sendOthers(from, msg)
}

// sendOthers queues msg for every client except from. A client whose
// outbox is full is dropped, not waited for. The caller holds r.mu.
func (r *room) sendOthers(from *client, msg []byte) {
	for c := range r.clients {
		if c != from {
			if err := c.out.push(msg); err != nil {
				r.drop(c, err)
			}
		}
	}
}

// drop cuts c off at once, and logs why, the first time it is called.
// Closing conn ends c's reader, which then leaves the room.
func (r *room) drop(c *client, why error) {
	c.dropped.Do(func() {
		r.logger.Printf("User %d dropped: %v", c.id, quoted(why.Error()))
		c.out.close()
		c.conn.Close()
	})
}

// shutdown closes the room: nobody may join any more, and every client
// is told. Closing its outbox makes its writer hang up once the goodbye
// is written.
func (r *room) shutdown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.logger.Printf("Shutting down, %d still connected",
		len(r.clients))
	bye := []byte("Server is shutting down.\n")
	for c := range r.clients {
		c.out.push(bye)
		c.out.close()
	}
}
