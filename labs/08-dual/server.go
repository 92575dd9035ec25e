package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// maxLine is the longest line the server accepts, in bytes without the
// "\n" (the -max-line flag).
var maxLine = 4096

// serve accepts connections on every listener in lns, the server's
// doors, and hands each one to handle in its own goroutine, until ctx is
// done. It then closes the listeners, tells every client that the server
// is shutting down, waits for the handlers to return, and returns nil.
// All the connections share one room, whichever door they came in by.
func serve(ctx context.Context, lns []net.Listener,
	logger *log.Logger) error {
	r := newRoom(logger)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer r.shutdown() // Deferred calls run last first: this one first.

	// The server says where it listens, every door, before it lets
	// anyone in: its first lines are its addresses, however fast the
	// first client is.
	for _, ln := range lns {
		describe(logger, ln.Addr())
	}
	// Each door has an accept loop of its own, in a goroutine of its own:
	// an Accept waits on one listener only.
	var doors sync.WaitGroup
	for _, ln := range lns {
		// Closing the listener is how we stop a blocked Accept: it
		// returns an error that wraps net.ErrClosed.
		stop := context.AfterFunc(ctx, func() { ln.Close() })
		defer stop()
		doors.Go(func() { accept(ln, r, &wg, logger) })
	}
	doors.Wait()
	return nil
}

// accept accepts connections on ln until ln is closed, and hands each
// one to handle in a goroutine that wg counts.
func accept(ln net.Listener, r *room, wg *sync.WaitGroup,
	logger *log.Logger) {
	// This loop is Node's 'connection' event: each Accept returns one new
	// connection, already connected, as a net.Conn, whichever the door.
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return // We closed ln ourselves: a normal stop.
		}
		if err != nil {
			// Errors such as "too many open files" pass. We log them and
			// try again a little later, rather than spin or give up.
			logger.Printf("accept: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		wg.Go(func() { handle(r, conn, logger) })
	}
}

// handle serves one connection until the peer hangs up, the room drops
// it or the room shuts down. Its goroutine is the client's reader; a
// second goroutine, the writer, is the only one that writes to conn.
func handle(r *room, conn net.Conn, logger *log.Logger) {
	defer conn.Close()
	// A Unix client may bind its socket to a name of its choosing before
	// it connects, and that name is its RemoteAddr: so addresses, and
	// errors that hold them, are text from the client too (see quoted).
	peer := quoted(conn.RemoteAddr().String())
	logger.Printf("A new connection to the server! (from %v)", peer)
	// The client's conn is a net.Conn too. Its LocalAddr is our
	// RemoteAddr and the other way round: compare with its output.
	logger.Printf("  this end (LocalAddr):   %v",
		quoted(conn.LocalAddr().String()))
	logger.Printf("  other end (RemoteAddr): %v", peer)

	// A full room, or one that is shutting down, refuses politely: one
	// error line, then we hang up.
	c, err := r.join(conn)
	if err != nil {
		logger.Printf("%v refused: %v", peer, err)
		conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		fmt.Fprintf(conn, "error: %v\n", err)
		return
	}
	logger.Printf("%v is User %d", peer, c.id)

	// From now on, other handlers queue lines for this client, and its
	// writer writes them. When we return, the client leaves the room,
	// and the writer finishes what is queued and hangs up.
	written := make(chan struct{})
	go func() {
		defer close(written)
		if err := writeLoop(conn, c.out, writeTimeout); err != nil {
			r.drop(c, fmt.Errorf("write failed: %w", err))
		}
		conn.Close() // After a shutdown, this ends the reader.
	}()
	defer func() {
		r.leave(c)
		c.out.close()
		<-written
	}()

	// Our protocol: the client sends lines of UTF-8 text ending in "\n",
	// and each one goes to everyone else in the room. readLine finds the
	// lines, however the bytes were cut into Reads; checkText refuses
	// what is not plain text.
	lines := newLineReader(conn, maxLine, lineTimeout)
	for {
		line, err := lines.readLine()
		var answer string
		switch bad := checkText(line); {
		case err == io.EOF:
			logger.Printf("%v hung up", peer)
			return
		case errors.Is(err, net.ErrClosed):
			return // The room dropped the client, or is shutting down.
		case errors.Is(err, os.ErrDeadlineExceeded):
			// A line begun and not ended: the client is told, then
			// the writer hangs up once the queue is written.
			logger.Printf("%v: line not finished within %v, cut off",
				peer, lineTimeout)
			c.out.push(fmt.Appendf(nil, "error: line not finished "+
				"within %v, disconnecting\n", lineTimeout))
			return
		case errors.Is(err, errLineTooLong):
			logger.Printf("%v: line too long, dropped", peer)
			answer = fmt.Sprintf("error: line too long "+
				"(limit %d bytes), dropped", maxLine)
		case err != nil:
			logger.Printf("%v: %v", peer, quoted(err.Error()))
			return
		case bad != nil:
			logger.Printf("%v: %v, dropped", peer, bad)
			answer = fmt.Sprintf("error: %v, dropped", bad)
		case line == "":
			continue // An empty line says nothing, so we do not answer.
		default:
			// We no longer log what is said: with many clients, the log
			// would cost more than the chat.
			r.broadcast(c, line)
			continue
		}
		// Errors go to the sender only, through its outbox like
		// everything else.
		if err := c.out.push([]byte(answer + "\n")); err != nil {
			r.drop(c, err)
			return
		}
	}
}

// quoted returns text from a client as the log may show it: as it is if
// checkText would pass it, and otherwise as Go quotes a string, so that
// no control character in it reaches the terminal, and no newline in it
// starts a log line of its own that seems to be the server's.
func quoted(text string) string {
	if checkText(text) == nil {
		return text
	}
	return strconv.Quote(text)
}
