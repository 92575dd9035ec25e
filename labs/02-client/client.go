package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
)

// runClient reports conn's two ends on stdout, then holds the connection
// open until stdin ends (Ctrl-D), the server hangs up, or ctx is done.
// It closes conn before it returns.
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

	// We have nothing to say yet. One goroutine waits for the end of
	// stdin, another for the server to hang up, and we stop at the first.
	// NOTE: the stdin goroutine may stay blocked in a Read after we
	// return; in a program that then exits, that does no harm.
	stdinDone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(stdinDone)
	}()
	hungUp := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		hungUp <- err
	}()
	select {
	case <-stdinDone:
	case err := <-hungUp:
		if errors.Is(err, net.ErrClosed) {
			return nil // ctx is done, and we closed conn ourselves.
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "The server hung up.")
	case <-ctx.Done():
	}
	return nil
}
