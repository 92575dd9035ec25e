package tap

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// conn is one relayed connection: the client the relay accepted and the
// connection it dialled to the server for it.
type conn struct {
	r          *Relay
	id         uint64
	client     net.Conn
	clientAddr string
	serverAddr string

	mu     sync.Mutex
	server net.Conn // nil until dialled

	// The first of finish's calls decides how the connection ended.
	once sync.Once
	kind Kind
	dir  Dir
	err  error
}

// event returns an event of this connection.
func (c *conn) event(k Kind, d Dir, err error) Event {
	return Event{Conn: c.id, Kind: k, Dir: d, Err: err,
		Client: c.clientAddr, Server: c.serverAddr}
}

// run dials the server, copies both directions until both have ended or
// one has failed, closes both sockets and reports the end.
func (c *conn) run() {
	d := net.Dialer{Timeout: c.r.cfg.DialTimeout}
	server, err := d.DialContext(c.r.ctx, c.r.to.Network, c.r.to.Address)
	if err == nil {
		err = checkServer(server, c.r.to) // closes a refused server
	}
	if err != nil {
		// Blaming the server makes finish abort the client, which then
		// sees a reset much as if it had dialled the server itself.
		c.finish(Error, ServerToClient, err)
		c.r.emit(c.event(c.kind, c.dir, c.err), nil)
		return
	}
	c.mu.Lock()
	c.server = server
	c.mu.Unlock()
	if c.r.ctx.Err() != nil {
		// The relay stopped while we dialled; finish may have run
		// before server was set, so close it here too.
		server.Close()
	}
	c.r.emit(c.event(Open, 0, nil), nil)

	up := c.r.bufs.Get().(*[]byte)
	down := c.r.bufs.Get().(*[]byte)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.pump(c.client, server, ClientToServer, *up)
	}()
	c.pump(server, c.client, ServerToClient, *down)
	wg.Wait()
	c.r.bufs.Put(up)
	c.r.bufs.Put(down)

	// Both directions have ended. If neither failed, it is a clean end.
	c.finish(Close, 0, nil)
	c.r.emit(c.event(c.kind, c.dir, c.err), nil)
}

// pump copies src to dst, reporting every chunk, until src ends or a
// side fails. A FIN from src becomes a CloseWrite on dst.
func (c *conn) pump(src, dst net.Conn, dir Dir, buf []byte) {
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			c.r.count(dir, n)
			ev := c.event(Data, dir, nil)
			ev.Len = n
			c.r.emit(ev, buf[:n])
			if !c.write(dst, dir, buf[:n]) {
				return
			}
		}
		switch {
		case rerr == io.EOF:
			c.r.emit(c.event(HalfClose, dir, nil), nil)
			if err := closeWrite(dst); err != nil {
				c.fail(dir.reverse(), err)
			}
			return
		case rerr != nil:
			c.fail(dir, rerr)
			return
		}
	}
}

// write writes chunk to dst, the side that direction dir leads to, and
// reports whether it all went. Dst has WriteTimeout to take the whole
// chunk. A side that does not has stopped reading, and the connection
// ends with a *StallError; the other direction runs in its own goroutine
// and carries on until then.
func (c *conn) write(dst net.Conn, dir Dir, chunk []byte) bool {
	start := time.Now()
	err := dst.SetWriteDeadline(start.Add(c.r.cfg.WriteTimeout))
	n := 0
	if err == nil {
		n, err = dst.Write(chunk)
	}
	switch {
	case err == nil:
		return true
	case errors.Is(err, os.ErrDeadlineExceeded):
		side := "client"
		if dir == ClientToServer {
			side = "server"
		}
		c.finish(Error, dir.reverse(), &StallError{Side: side,
			Waited: time.Since(start), Unsent: len(chunk) - n, Err: err})
	default:
		c.fail(dir.reverse(), err)
	}
	return false
}

// fail ends the connection because of err, which came from the side dir
// points away from: ClientToServer blames the client.
func (c *conn) fail(dir Dir, err error) {
	kind := Error
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		kind = Reset
	}
	c.finish(kind, dir, err)
}

// finish records how the connection ended and closes both sockets, the
// first time it is called. When a side failed, the other side is
// aborted: a TCP peer gets a reset (RST) rather than a FIN. A side that
// stopped reading is aborted as well. A Unix socket has no reset: its
// peer reads end of file, or ECONNRESET if data it sent was still unread.
func (c *conn) finish(kind Kind, dir Dir, err error) {
	c.once.Do(func() {
		c.kind, c.dir, c.err = kind, dir, err
		c.mu.Lock()
		server := c.server
		c.mu.Unlock()
		if kind == Reset || kind == Error {
			switch dir {
			case ClientToServer:
				abort(server)
			case ServerToClient:
				abort(c.client)
			}
		}
		if errors.Is(err, ErrStalled) {
			// The kernel still holds bytes for the side that stopped
			// reading. Aborting it too drops them at once, instead of
			// keeping them for a reader that may never come.
			if dir == ClientToServer {
				abort(c.client)
			} else {
				abort(server)
			}
		}
		c.client.Close()
		if server != nil {
			server.Close()
		}
	})
}

// abort closes conn so that a TCP peer sees a reset.
func abort(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	if conn != nil {
		conn.Close()
	}
}

// closeWrite shuts down the writing side of conn: a TCP socket sends a
// FIN, a Unix socket's peer reads end of file.
func closeWrite(conn net.Conn) error {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return conn.Close()
}

// reverse returns the opposite direction.
func (d Dir) reverse() Dir {
	if d == ClientToServer {
		return ServerToClient
	}
	return ClientToServer
}

// count adds n relayed bytes to the counter of direction d.
func (r *Relay) count(d Dir, n int) {
	if d == ClientToServer {
		r.stats.c2s.Add(uint64(n))
	} else {
		r.stats.s2c.Add(uint64(n))
	}
}
