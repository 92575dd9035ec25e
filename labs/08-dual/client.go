package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// splitSize, when positive, makes send write in pieces of that many
// bytes (the -split flag).
var splitSize int

// runClient reports conn's two ends on stdout, then sends stdin to the
// server while it shows the lines the server sends, both at once. At the
// end of stdin it half-closes conn; it returns when the server hangs up
// or ctx is done, and closes conn before it returns.
func runClient(ctx context.Context, conn net.Conn, stdin io.Reader,
	stdout io.Writer) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fmt.Fprintln(stdout, "Connected to the server!")
	// net.Dial returned a net.Conn, the same type the server's Accept
	// returned: at this level, client and server are alike.
	fmt.Fprintf(stdout, "  this end (LocalAddr):   %v\n", conn.LocalAddr())
	fmt.Fprintf(stdout, "  other end (RemoteAddr): %v\n", conn.RemoteAddr())
	screen := newScreen(stdin, stdout)
	screen.prompt()

	// A net.Conn is a duplex stream: one goroutine writes to it while
	// this one reads from it. From a terminal, each stdin Read returns
	// one line.
	// NOTE: the stdin goroutine may stay blocked in a Read after we
	// return; in a program that then exits, that does no harm.
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := stdin.Read(buf)
			if n > 0 && send(conn, buf[:n]) != nil {
				return
			}
			screen.prompt()
			if err != nil {
				break
			}
		}
		// Half-close: the server reads EOF, but can still answer.
		if c, ok := conn.(interface{ CloseWrite() error }); ok {
			c.CloseWrite()
		}
	}()
	// Each line from the server is shown whole, so that the prompt can
	// be drawn again below it.
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		screen.show(lines.Text())
	}
	err := lines.Err()
	if errors.Is(err, net.ErrClosed) {
		return nil // ctx is done, and we closed conn ourselves.
	}
	if err != nil {
		return err
	}
	screen.end("The server hung up.")
	return nil
}

// send writes p to conn in one Write, or with -split in pieces of
// splitSize bytes, one Write each. However we write, the reader may get
// the bytes in different pieces: TCP keeps only their order.
func send(conn net.Conn, p []byte) error {
	for len(p) > 0 {
		n := len(p)
		if splitSize > 0 && splitSize < n {
			n = splitSize
		}
		if _, err := conn.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}
