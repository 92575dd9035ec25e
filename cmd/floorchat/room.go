package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// member is one connected client.
type member struct {
	id   int
	conn net.Conn
	raw  syscall.RawConn
	cut  sync.Once
}

// room holds the members. A fan-out holds mu for reading, so several
// lines fan out at once; joins and leaves wait for them.
type room struct {
	logger  *log.Logger
	maxLine int
	parts   int // goroutines per fan-out: one per core

	mu      sync.RWMutex
	members []*member
	lastID  int
	readers sync.WaitGroup
}

func newRoom(logger *log.Logger, maxLine int) *room {
	return &room{logger: logger, maxLine: maxLine,
		parts: runtime.GOMAXPROCS(0)}
}

// serve accepts clients on ln until ctx is done, then closes every
// connection and waits for their readers.
func (r *room) serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var err error
	var delay time.Duration // backoff while out of file descriptors
	for {
		var conn net.Conn
		conn, err = ln.Accept()
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			r.logger.Printf("accept: %v; retrying in %v", err, delay)
			select {
			case <-time.After(delay):
				continue
			case <-ctx.Done():
			}
		}
		if err != nil {
			break
		}
		delay = 0
		m, jerr := r.join(conn)
		if jerr != nil {
			r.logger.Printf("refused %v: %v", conn.RemoteAddr(), jerr)
			conn.Close()
			continue
		}
		r.readers.Add(1)
		go func() {
			defer r.readers.Done()
			r.readLoop(m)
		}()
	}
	ln.Close() // removes a Unix socket file
	r.mu.RLock()
	for _, m := range r.members {
		m.conn.Close()
	}
	r.mu.RUnlock()
	r.readers.Wait()
	if ctx.Err() != nil {
		r.logger.Printf("floorchat stopped")
		return nil
	}
	return err
}

func (r *room) join(conn net.Conn) (*member, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%T has no file descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastID++
	m := &member{id: r.lastID, conn: conn, raw: raw}
	r.members = append(r.members, m)
	return m, nil
}

// leave removes m from the room: its last slot moves into m's.
func (r *room) leave(m *member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, o := range r.members {
		if o == m {
			last := len(r.members) - 1
			r.members[i] = r.members[last]
			r.members[last] = nil
			r.members = r.members[:last]
			return
		}
	}
}

// readLoop reads m's lines and fans each out, until m's connection ends.
func (r *room) readLoop(m *member) {
	defer r.leave(m)
	defer m.conn.Close()
	br := bufio.NewReaderSize(m.conn, r.maxLine)
	msg := []byte("User " + strconv.Itoa(m.id) + ": ")
	prefix := len(msg)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			r.cutOff(m, fmt.Errorf("sent a line longer than %d bytes", r.maxLine))
			return
		}
		if err != nil {
			return
		}
		// The fan-out is over before the next read, so one buffer does.
		msg = append(msg[:prefix], line...)
		r.fanout(m, msg)
	}
}

// fanout writes msg to every member but from, the members split into
// one share per core (a room of under 128 has one share), each share
// written by its own goroutine.
func (r *room) fanout(from *member, msg []byte) {
	r.mu.RLock()
	all := r.members
	parts := max(1, min(r.parts, len(all)/64))
	share := (len(all) + parts - 1) / parts
	start := func(p int) int { return min(p*share, len(all)) }
	failed := make([][]failure, parts)
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed[p] = writeAll(all[start(p):start(p+1)], from, msg)
		}()
	}
	failed[0] = writeAll(all[:start(1)], from, msg)
	wg.Wait()
	r.mu.RUnlock()
	for _, fs := range failed {
		for _, f := range fs {
			r.cutOff(f.m, f.err)
		}
	}
}

type failure struct {
	m   *member
	err error
}

// writeAll writes msg to each of ms but from, and returns those that
// could not take it.
func writeAll(ms []*member, from *member, msg []byte) []failure {
	var failed []failure
	for _, m := range ms {
		if m == from {
			continue
		}
		if err := m.tryWrite(msg); err != nil {
			failed = append(failed, failure{m, err})
		}
	}
	return failed
}

// errFull says why a client was cut off when its socket buffer was full.
var errFull = errors.New("its socket buffer is full (it is not reading fast enough)")

// tryWrite writes msg with one write that never waits (see writeOnce):
// a line the socket cannot take whole at once is an error.
func (m *member) tryWrite(msg []byte) error {
	n, err := m.writeOnce(msg)
	switch {
	case errors.Is(err, errWouldBlock):
		return errFull
	case err != nil:
		return err
	case n < len(msg):
		return fmt.Errorf("%w: it took %d of a %d-byte line", errFull, n, len(msg))
	}
	return nil
}

// cutOff closes m's connection and logs why, once; m's reader then
// takes it out of the room.
func (r *room) cutOff(m *member, why error) {
	m.cut.Do(func() {
		if !errors.Is(why, net.ErrClosed) {
			r.logger.Printf("User %d cut off: %v", m.id, why)
		}
		m.conn.Close()
	})
}
