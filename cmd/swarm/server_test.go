package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fault is how a test chat server misbehaves.
type fault int

const (
	correct   fault = iota // every line to every other client, in order
	dropTenth              // loses every 10th line it receives
	duplicate              // delivers every line twice
	echo                   // also sends each line back to its sender
	corrupt                // changes one byte of every 7th line
	stall                  // reads everything, sends nothing
)

// chatServer is a small chat server in the protocol of labs 06-08, with
// a fault switched in. Each client has a writer goroutine and a queue of
// queueLines; a client whose queue is full, or whose write blocks for
// writeWait, is cut off, as a slow consumer.
type chatServer struct {
	ln        net.Listener
	fault     fault
	writeWait time.Duration

	mu      sync.Mutex
	clients map[*chatConn]bool
	nextID  int
	lines   int
	remotes map[string]int // remote IP → connections, for -src-ips
	wg      sync.WaitGroup
}

type chatConn struct {
	conn net.Conn
	id   int
	out  chan []byte
}

// The test server's bounds. Only -window paces the senders, and only
// against one observer, so on a busy machine a reading client may lag
// by thousands of lines for a moment: the bounds are wide, so that such
// a client is not taken for a slow one. The slow-client test narrows
// the wait (startServerWait).
const (
	queueLines = 1 << 14
	writeWait  = 5 * time.Second
)

// startServer starts a chat server with fault f on 127.0.0.1:0 (network
// "tcp") or a temporary socket path ("unix") and returns the swarm flags
// that reach it.
func startServer(tb testing.TB, network string,
	f fault) (*chatServer, []string) {
	tb.Helper()
	return startServerWait(tb, network, f, writeWait)
}

// startServerWait is startServer with a server that cuts a client off
// once one write to it has blocked for wait.
func startServerWait(tb testing.TB, network string, f fault,
	wait time.Duration) (*chatServer, []string) {
	tb.Helper()
	addr, flag := "127.0.0.1:0", "-addr"
	if network == "unix" {
		dir, err := os.MkdirTemp("", "sl")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { os.RemoveAll(dir) })
		addr, flag = filepath.Join(dir, "chat.sock"), "-path"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		tb.Fatal(err)
	}
	s := &chatServer{ln: ln, fault: f, writeWait: wait,
		clients: make(map[*chatConn]bool), remotes: make(map[string]int)}
	s.wg.Go(s.accept)
	tb.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.clients {
			c.conn.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s, []string{flag, ln.Addr().String()}
}

func (s *chatServer) accept() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.nextID++
		c := &chatConn{conn: conn, id: s.nextID,
			out: make(chan []byte, queueLines)}
		if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
			s.remotes[a.IP.String()]++
		}
		if s.fault != stall {
			c.out <- fmt.Appendf(nil, "Welcome to the chat, you are User %d!\n", c.id)
			s.broadcast(c, fmt.Appendf(nil, "User %d joined!\n", c.id))
		}
		s.clients[c] = true
		s.mu.Unlock()
		s.wg.Go(func() { s.write(c) })
		s.wg.Go(func() { s.read(c) })
	}
}

// broadcast queues msg for every client but from; s.mu is held.
func (s *chatServer) broadcast(from *chatConn, msg []byte) {
	for c := range s.clients {
		if c == from {
			continue
		}
		select {
		case c.out <- msg:
		default:
			c.conn.Close() // a slow consumer: cut it off
		}
	}
}

func (s *chatServer) write(c *chatConn) {
	for msg := range c.out {
		c.conn.SetWriteDeadline(time.Now().Add(s.writeWait))
		if _, err := c.conn.Write(msg); err != nil {
			c.conn.Close()
			for range c.out {
			}
			return
		}
	}
}

func (s *chatServer) read(c *chatConn) {
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		s.line(c, sc.Bytes())
	}
	c.conn.Close()
	s.mu.Lock()
	delete(s.clients, c)
	close(c.out)
	if s.fault != stall {
		s.broadcast(c, fmt.Appendf(nil, "User %d left!\n", c.id))
	}
	s.mu.Unlock()
}

func (s *chatServer) line(c *chatConn, text []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines++
	msg := fmt.Appendf(nil, "User %d: %s\n", c.id, text)
	switch s.fault {
	case stall:
		return
	case dropTenth:
		if s.lines%10 == 0 {
			return
		}
	case duplicate:
		s.broadcast(c, msg)
	case echo:
		select {
		case c.out <- msg:
		default:
		}
	case corrupt:
		if s.lines%7 == 0 {
			i := len(msg) - 1 - len(text)/2
			bad := append([]byte(nil), msg...)
			bad[i] ^= 1
			s.broadcast(c, bad)
			return
		}
	}
	s.broadcast(c, msg)
}
