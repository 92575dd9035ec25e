package chat

import (
	"bytes"
	"errors"
	"io"
)

// errTooLong reports a line longer than the limit. The reader has
// skipped it up to and including its "\n" (or will, as it reads on).
var errTooLong = errors.New("line too long")

// firstBuffer is the size a lineReader starts with. Most chat lines fit;
// an idle client holds only this much, not a 4 KiB buffer.
const firstBuffer = 256

// A lineReader reads "\n"-terminated lines of at most max bytes of text.
// It is bufio.Reader's ReadSlice with two differences: the buffer starts
// small and doubles only when a line needs it, up to max+2 bytes (the
// text and "\r\n"), and a line over the limit is skipped, not returned.
type lineReader struct {
	r     io.Reader
	max   int
	buf   []byte
	start int   // buf[start:end] is read but not yet returned
	end   int   //
	skip  bool  // dropping the rest of a line that was too long
	err   error // the read error to return once buf is used up
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: r, max: max}
}

// next returns the next line without its "\n" or "\r\n". The line is
// only valid until the following call. At the end of the input a last
// line without "\n" is returned like any other, then the read error
// (io.EOF for a clean end).
func (lr *lineReader) next() ([]byte, error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			line := lr.buf[lr.start : lr.start+i]
			lr.start += i + 1
			if lr.skip {
				lr.skip = false // the end of the long line: go on
				continue
			}
			return lr.check(line)
		}
		if lr.skip {
			lr.start, lr.end = 0, 0 // throw the middle of a long line away
		} else if lr.end-lr.start >= lr.max+2 {
			// max+2 bytes and no "\n" yet: even with "\r\n" the text
			// is longer than max. Drop it now rather than buffer more.
			lr.start, lr.end, lr.skip = 0, 0, true
			return nil, errTooLong
		}
		if lr.err != nil {
			// A last line that ends at EOF without "\n" still counts.
			line := lr.buf[lr.start:lr.end]
			lr.start = lr.end
			if len(line) > 0 && !lr.skip {
				return lr.check(line)
			}
			return nil, lr.err
		}
		lr.fill()
	}
}

// check trims "\r" and enforces the limit on a complete line.
func (lr *lineReader) check(line []byte) ([]byte, error) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > lr.max {
		return nil, errTooLong
	}
	return line, nil
}

// fill makes room at the end of buf and reads once into it.
func (lr *lineReader) fill() {
	if lr.start > 0 { // slide the unread bytes to the front
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if lr.end == len(lr.buf) {
		size := min(max(2*len(lr.buf), firstBuffer), lr.max+2)
		buf := make([]byte, size)
		copy(buf, lr.buf[:lr.end])
		lr.buf = buf
	}
	n, err := lr.r.Read(lr.buf[lr.end:])
	lr.end += n
	lr.err = err
}
