package chat

import (
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config holds a Room's limits. The zero value of each field means its
// default.
type Config struct {
	// MaxClients is how many clients may be in the room at once. One
	// more is told "error: server full ..." and disconnected.
	// Zero means 10,000.
	MaxClients int

	// MaxLine is the longest line, in bytes of text without "\r\n", that
	// a client may send. Zero means 4096.
	MaxLine int

	// QueueBytes bounds how far a client may fall behind: a client with
	// more than QueueBytes of broadcasts and notices not yet taken by its
	// writer is cut off. Broadcasts are kept once for all clients (see
	// backlog), so a client that far behind costs no memory of its own;
	// the slowest client decides how much the room keeps, and the limit
	// is paid once for the room, not once per client. Zero means 4 MiB.
	//
	// QueueMessages and QueueBytes also bound the short queue of lines
	// for one client alone (its welcome, error replies). Zero means 1024
	// messages.
	QueueMessages int
	QueueBytes    int

	// WriteTimeout bounds each write to a client. A client that takes
	// no bytes for that long is cut off. Zero means 10 seconds.
	WriteTimeout time.Duration

	// LineTimeout bounds how long a client may take over one line, from
	// its first byte to its "\n". A slower client is told "error: ..."
	// and cut off: it would hold its place in the room without saying
	// anything. A client that sends nothing between lines is never cut
	// off. Zero means 60 seconds.
	LineTimeout time.Duration

	// Logger receives one line per join, leave, refusal and cut-off.
	// Nil means no log.
	Logger *log.Logger

	// Relay, if not nil, hears of every join, line and leave of this
	// room's own clients, to pass them on to the rooms of other servers
	// (see Bus). Nil means a room alone, as in the labs before.
	Relay Relay
}

// A Relay passes a room's news on to other servers. The room calls its
// methods from its clients' goroutines, Joined with the room's lock
// held: they must return at once, never wait for the network.
type Relay interface {
	Joined(id int, door string)
	Said(id int, line []byte)
	Left(id int)
}

// Stats is a snapshot of a Room's counters.
type Stats struct {
	Clients    int    // in the room now
	Joined     uint64 // admitted since the room was made
	Refused    uint64 // turned away because the room was full
	Messages   uint64 // chat lines broadcast (notices not included)
	Deliveries uint64 // lines written to clients, notices included
	Dropped    uint64 // clients cut off for falling behind
}

// A Room is one chat conversation served on any number of listeners.
// All its methods may be called from any goroutine.
type Room struct {
	cfg    Config
	logger *log.Logger

	// log is the outbound queue all members share: see backlog.
	log *backlog

	mu        sync.Mutex
	lastID    int // ids are never reused: a new client gets lastID+1
	closed    bool
	listeners map[net.Listener]struct{}
	clients   sync.WaitGroup // one per admitted client's goroutines

	// members is the set of clients in the room. A broadcast does not
	// loop over it (it appends to the backlog once); only joins, leaves
	// and the check for clients that fell behind, once per 64 KiB of
	// backlog, do. Admit and leave change it holding both mu and
	// membersMu; the check takes membersMu alone, because it may run
	// inside admit, which holds mu.
	membersMu sync.Mutex
	members   map[*client]bool

	joined, refused, messages, deliveries, dropped atomic.Uint64
}

// ErrRoomClosed is returned by Serve on a room that has been shut down.
var ErrRoomClosed = errors.New("chat: room closed")

// NewRoom returns an empty room with cfg's limits.
func NewRoom(cfg Config) *Room {
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10000
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = 4096
	}
	if cfg.QueueMessages <= 0 {
		cfg.QueueMessages = 1024
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = 4 << 20
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.LineTimeout <= 0 {
		cfg.LineTimeout = 60 * time.Second
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &Room{cfg: cfg, logger: logger, log: newBacklog(),
		listeners: make(map[net.Listener]struct{}),
		members:   make(map[*client]bool)}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Serve accepts connections on ln and adds each to the room, until ctx is
// done or the room is shut down; it then closes ln and returns nil. The
// door names ln in the joined notice ("User 3 joined! (unix)"). Serve may
// run for several listeners at once. Clients it admitted stay in the room
// after it returns, until they leave or the room shuts down.
// Serve returns ErrRoomClosed if the room was already shut down, and an
// accept error it cannot recover from otherwise.
func (r *Room) Serve(ctx context.Context, ln net.Listener, door string) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		ln.Close()
		return ErrRoomClosed
	}
	r.listeners[ln] = struct{}{}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.listeners, ln)
		r.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer ln.Close()

	var delay time.Duration // backoff while out of file descriptors
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil // closed by ctx or Shutdown: a normal stop
		}
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			r.logger.Printf("accept: %v; retrying in %v", err, delay)
			select {
			case <-time.After(delay):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		if err != nil {
			return err
		}
		delay = 0
		r.admit(conn, door)
	}
}

// admit adds conn to the room as a new client and starts its
// goroutines, or refuses it when the room is full.
//
// Joining is cheap (one entry in the member set and one notice in the
// backlog), so the accept loop does it itself: a burst of thousands of
// connections is admitted as fast as Accept returns them, however busy
// the writers are.
func (r *Room) admit(conn net.Conn, door string) {
	r.mu.Lock()
	r.membersMu.Lock()
	closed, full := r.closed, len(r.members) >= r.cfg.MaxClients
	var c *client
	if !closed && !full {
		r.lastID++
		c = newClient(r, conn, r.lastID, door)
		r.members[c] = true
	}
	r.membersMu.Unlock()
	if c != nil {
		r.join(c)
		r.clients.Add(2)
		go c.readLoop()
		go c.writeLoop()
	}
	r.mu.Unlock()

	switch {
	case closed:
		conn.Close()
	case full:
		r.refused.Add(1)
		r.logger.Printf("Refused %v (%s): server full",
			quoted(conn.RemoteAddr().String()), door)
		// A new connection's send buffer is empty, so this write does
		// not block; the deadline is there in case it ever would.
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		conn.Write(fullMessage(r.cfg.MaxClients))
		conn.Close()
	}
}

// Shutdown closes every listener, tells every client "Server is shutting
// down." and closes each connection once its queue is written. It waits
// for that until ctx is done, then cuts off the clients that are left
// and returns ctx.Err(). Serve calls return nil; later ones return
// ErrRoomClosed.
func (r *Room) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for ln := range r.listeners {
		ln.Close()
	}
	r.mu.Unlock()

	r.logger.Printf("Shutting down, %d still connected", r.Stats().Clients)
	// The goodbye is the backlog's last message: each writer ends once
	// it has written it.
	r.log.close([]byte("Server is shutting down.\n"))
	done := make(chan struct{})
	go func() {
		r.clients.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	r.membersMu.Lock()
	for c := range r.members {
		c.conn.Close()
	}
	r.membersMu.Unlock()
	<-done
	return ctx.Err()
}

// Close shuts the room down at once: like Shutdown with a context that
// is already done, except that it returns nil.
func (r *Room) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Shutdown(ctx)
	return nil
}

// Announce sends msg, one or more whole lines, to every client in the
// room: the room's own notices, and what arrives from other servers.
func (r *Room) Announce(msg []byte) {
	r.add(nil, msg)
}

// Stats returns the room's counters. It is cheap to call often: it
// takes no lock but the member set's, for a moment.
func (r *Room) Stats() Stats {
	r.membersMu.Lock()
	clients := len(r.members)
	r.membersMu.Unlock()
	return Stats{
		Clients:    clients,
		Joined:     r.joined.Load(),
		Refused:    r.refused.Load(),
		Messages:   r.messages.Load(),
		Deliveries: r.deliveries.Load(),
		Dropped:    r.dropped.Load(),
	}
}
