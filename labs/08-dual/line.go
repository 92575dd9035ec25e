package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
	"unicode/utf8"
)

// errLineTooLong reports a line longer than the limit.
var errLineTooLong = errors.New("line too long")

// errNotUTF8 reports a line that is not valid UTF-8.
var errNotUTF8 = errors.New("line is not valid UTF-8")

// A lineReader reads newline-framed lines of at most limit bytes from a
// connection. It never holds more than limit+2 bytes of the stream in
// memory, however long a line is, and it waits at most timeout for the
// rest of a line that has begun.
type lineReader struct {
	conn     net.Conn
	r        *bufio.Reader
	limit    int
	timeout  time.Duration
	skipping bool // inside a line that was too long
}

// newLineReader returns a lineReader for lines of at most limit bytes,
// each of which must end within timeout of its first byte.
func newLineReader(conn net.Conn, limit int,
	timeout time.Duration) *lineReader {
	// The buffer has room for the longest line and its "\r\n".
	return &lineReader{conn: conn, r: bufio.NewReaderSize(conn, limit+2),
		limit: limit, timeout: timeout}
}

// readLine returns the next line without its "\n" or "\r\n". A last line
// that ends at EOF without "\n" still counts. For a line longer than limit
// bytes, readLine returns errLineTooLong as soon as it knows, possibly
// before the line has ended; the next call skips the rest of that line.
// A line that does not end in time makes it return an error that wraps
// os.ErrDeadlineExceeded. At the end of the stream it returns io.EOF.
func (lr *lineReader) readLine() (string, error) {
	for {
		if !lr.skipping {
			if err := lr.startLine(); err != nil {
				return "", err
			}
		}
		// ReadSlice returns a view of the buffer up to and including the
		// next "\n", or bufio.ErrBufferFull when the buffer holds no "\n".
		b, err := lr.r.ReadSlice('\n')
		if lr.skipping {
			switch {
			case err == nil:
				lr.skipping = false // The long line ended; read the next.
				continue
			case errors.Is(err, bufio.ErrBufferFull):
				continue
			}
			return "", err
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			lr.skipping = true
			return "", errLineTooLong
		}
		if err == io.EOF && len(b) > 0 {
			err = nil
		}
		if err != nil {
			return "", err
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(b) > lr.limit {
			return "", errLineTooLong
		}
		return string(b), nil
	}
}

// startLine waits for the first byte of the next line, as long as it
// takes: a client may stay silent between lines. From that byte on, the
// rest of the line must arrive within timeout, or the read deadline that
// we set on the connection ends the wait. Without it, a client could
// hold its place in the room forever by sending a line a byte a minute.
func (lr *lineReader) startLine() error {
	if lr.r.Buffered() == 0 {
		lr.conn.SetReadDeadline(time.Time{}) // no deadline
		if _, err := lr.r.Peek(1); err != nil {
			return err
		}
	}
	return lr.conn.SetReadDeadline(time.Now().Add(lr.timeout))
}

// checkText returns an error if line is not text that we may pass on:
// it must be valid UTF-8, with no control character but tab (see
// isControl). A client's line ends up on other people's terminals, and
// a control character in it could command them: clear the screen,
// retitle the window, or write over a line to fake someone else's words.
// The error names the first fault in the line, whichever kind it is.
func checkText(line string) error {
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return errNotUTF8
		case isControl(r):
			return fmt.Errorf("line holds a control character (%U)", r)
		}
		i += size
	}
	return nil
}
