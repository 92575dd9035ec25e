package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"unicode/utf8"
)

// splitSize, when positive, makes send write in pieces of that many
// bytes (the -split flag).
var splitSize int

// runClient reports conn's two ends on stdout, then sends stdin to the
// server while it shows what the server sends on stdout, both at once.
// At the end of stdin it half-closes conn; it returns when the server
// hangs up or ctx is done, and closes conn before it returns.
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
			if err != nil {
				break
			}
		}
		// Half-close: the server reads EOF, but can still answer.
		if c, ok := conn.(interface{ CloseWrite() error }); ok {
			c.CloseWrite()
		}
	}()
	err := copyVisible(stdout, conn)
	if errors.Is(err, net.ErrClosed) {
		return nil // ctx is done, and we closed conn ourselves.
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "The server hung up.")
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

// copyVisible copies src to dst until src ends, as io.Copy does, but
// through visible: whatever the server sends, it cannot command our
// terminal. Like io.Copy, it returns nil at the end of src.
func copyVisible(dst io.Writer, src io.Reader) error {
	in := bufio.NewReader(src)
	var text []byte // whole characters read, not yet written
	for {
		// ReadRune waits for every byte of a character, however TCP cut
		// them into Reads. A byte that is not UTF-8 comes back as
		// utf8.RuneError; we take that byte itself, to show it.
		r, size, err := in.ReadRune()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if r == utf8.RuneError && size == 1 {
			in.UnreadRune()
			b, _ := in.ReadByte()
			text = append(text, b)
		} else {
			text = utf8.AppendRune(text, r)
		}
		// Write once no whole character is left in the buffer: one Write
		// per burst of input, not one per character.
		if next, _ := in.Peek(in.Buffered()); !utf8.FullRune(next) {
			_, err := io.WriteString(dst, visible(string(text)))
			if err != nil {
				return err
			}
			text = text[:0]
		}
	}
}
