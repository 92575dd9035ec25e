package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"unicode/utf8"
)

// splitSize, when positive, makes send write in pieces of that many
// bytes (the -split flag).
var splitSize int

// runClient reports conn's two ends on stdout, then sends stdin to the
// server while it shows the lines the server sends, through visible,
// both at once. At the end of stdin it half-closes conn; it returns when
// the server hangs up, ctx is done or you press Ctrl-C on a terminal.
// Before it returns, it closes conn and puts the terminal back as it was.
func runClient(ctx context.Context, conn net.Conn, stdin io.Reader,
	stdout io.Writer) error {
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fmt.Fprintln(stdout, "Connected to the server!")
	// net.Dial returned a net.Conn, the same type the server's Accept
	// returned: at this level, client and server are alike.
	fmt.Fprintf(stdout, "  this end (LocalAddr):   %v\n", conn.LocalAddr())
	fmt.Fprintf(stdout, "  other end (RemoteAddr): %v\n", conn.RemoteAddr())
	screen, err := newScreen(stdin, stdout)
	if err != nil {
		return err
	}
	defer screen.close()

	// A net.Conn is a duplex stream: one goroutine writes to it while
	// this one reads from it. From a terminal, each screen Read returns
	// one line.
	// NOTE: the stdin goroutine may stay blocked in a Read after we
	// return; in a program that then exits, that does no harm.
	left := make(chan struct{}) // closed at the end of stdin
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := screen.Read(buf)
			if n > 0 && send(conn, buf[:n]) != nil {
				return
			}
			if errors.Is(err, errInterrupt) {
				cancel() // Ctrl-C: we stop, as the signal would make us.
				return
			}
			if err != nil {
				break
			}
		}
		// Half-close: the server reads EOF, but can still answer.
		close(left)
		if c, ok := conn.(interface{ CloseWrite() error }); ok {
			c.CloseWrite()
		}
	}()
	// Each line from the server is shown whole, so that the prompt can
	// be drawn again below it; only a line too long to hold is cut.
	in := bufio.NewReaderSize(conn, maxShown)
	for {
		line, cut, err := nextLine(in)
		if errors.Is(err, net.ErrClosed) {
			screen.stop()
			return nil // ctx is done, and we closed conn ourselves.
		}
		if err == io.EOF {
			// After you left, the server hangs up: that is its goodbye.
			select {
			case <-left:
				screen.end("You left the chat.")
			default:
				screen.end("The server hung up.")
			}
			return nil
		}
		if err != nil {
			screen.stop()
			return err
		}
		text := visible(line)
		if cut > 0 {
			text += fmt.Sprintf(" [%d more bytes not shown]", cut)
		}
		screen.show(text)
	}
}

// maxShown is the most of one line that the client shows, in bytes.
const maxShown = 64 << 10

// nextLine returns the next line from in without its "\n" or "\r\n", and
// how many bytes of it were cut off. A line longer than in's buffer is
// cut: we keep its start and skip the rest, so that a server cannot make
// the client hold more than one buffer of it. A last line that ends at
// EOF without "\n" still counts.
func nextLine(in *bufio.Reader) (line string, cut int, err error) {
	b, err := in.ReadSlice('\n')
	line = string(b) // a copy: b is only good until the next read
	for errors.Is(err, bufio.ErrBufferFull) {
		b, err = in.ReadSlice('\n')
		cut += len(bytes.TrimSuffix(b, []byte("\n")))
	}
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	if cut > 0 {
		// The cut may fall inside a character: its first bytes go with
		// the rest, so that we show no half of it.
		for i := len(line) - 1; i >= 0 && i > len(line)-utf8.UTFMax; i-- {
			if utf8.RuneStart(line[i]) {
				if !utf8.FullRuneInString(line[i:]) {
					line, cut = line[:i], cut+len(line)-i
				}
				break
			}
		}
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), cut, err
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
