package chat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"time"
	"unicode/utf8"
)

// errTooLong reports a line longer than the limit. The reader has
// skipped it up to and including its "\n" (or will, as it reads on).
var errTooLong = errors.New("line too long")

// firstBuffer is the size a lineReader starts with. Most chat lines fit;
// an idle client holds only this much, not a 4 KiB buffer.
const firstBuffer = 256

// A lineReader reads "\n"-terminated lines of at most max bytes of text.
// It is bufio.Reader's ReadSlice with three differences: the buffer
// starts small and doubles only when a line needs it, up to max+2 bytes
// (the text and "\r\n"); a line over the limit is skipped, not returned;
// and a line that has begun must end within timeout.
type lineReader struct {
	r     io.Reader
	max   int
	buf   []byte
	start int   // buf[start:end] is read but not yet returned
	end   int   //
	skip  bool  // dropping the rest of a line that was too long
	err   error // the read error to return once buf is used up

	// The time limit for a line works through read deadlines on r, if
	// r takes them (a net.Conn does). There is no deadline while no
	// line has begun, so a client may stay silent as long as it likes.
	conn     deadliner // r, or nil
	timeout  time.Duration
	deadline bool // conn has a read deadline now
	timing   bool // ... and it is the one for the line being read
}

// A deadliner is a reader whose reads can be given a deadline.
type deadliner interface{ SetReadDeadline(time.Time) error }

func newLineReader(r io.Reader, max int, timeout time.Duration) *lineReader {
	conn, _ := r.(deadliner)
	return &lineReader{r: r, max: max, conn: conn, timeout: timeout}
}

// next returns the next line without its "\n" or "\r\n". The line is
// only valid until the following call. At the end of the input a last
// line without "\n" is returned like any other, then io.EOF. Other read
// errors lose the unfinished line: next returns the error, which wraps
// os.ErrDeadlineExceeded for a line that did not end in time.
func (lr *lineReader) next() ([]byte, error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			line := lr.buf[lr.start : lr.start+i]
			lr.start += i + 1
			lr.timing = false // that line is done, in time
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
			if len(line) > 0 && !lr.skip && lr.err == io.EOF {
				return lr.check(line)
			}
			return nil, lr.err
		}
		lr.clock()
		lr.fill()
	}
}

// clock sets or clears the read deadline before a read. Only a read
// that ends in the middle of a line costs a SetReadDeadline: lines that
// arrive whole, the usual case, never start the clock at all.
func (lr *lineReader) clock() {
	begun := lr.start < lr.end || lr.skip
	switch {
	case lr.conn == nil:
	case begun && !lr.timing:
		lr.conn.SetReadDeadline(time.Now().Add(lr.timeout))
		lr.deadline, lr.timing = true, true
	case !begun && lr.deadline:
		lr.conn.SetReadDeadline(time.Time{})
		lr.deadline, lr.timing = false, false
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

// checkText reports whether line is text that may be relayed: valid
// UTF-8 holding no control character but tab. Otherwise it returns the
// first character at fault: a C0 control (U+0000 to U+001F) or DEL
// (U+007F), a C1 control (U+0080 to U+009F), a bidi control that
// reorders the text around it (U+202A to U+202E, U+2066 to U+2069), or
// utf8.RuneError for bytes that are not UTF-8. Any of them in a line
// could command the terminals of everyone who reads it.
//
// It runs for every line, so it makes one pass and allocates nothing:
// it validates the UTF-8 as it goes, where utf8.Valid would be a
// second pass. Like utf8.Valid, it takes plain ASCII eight bytes at a
// time.
func checkText(line []byte) (bad rune, ok bool) {
	for i := 0; i < len(line); {
		if len(line)-i >= 8 && printable8(line[i:]) {
			i += 8
			continue
		}
		if c := line[i]; c < utf8.RuneSelf { // ASCII: one byte
			if c < 0x20 && c != '\t' || c == 0x7f {
				return rune(c), false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && size == 1 || r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return r, false
		}
		i += size
	}
	return 0, true
}

// printable8 reports whether the first eight bytes of p are all printable
// ASCII, from space (0x20) to tilde (0x7E), with a few operations on one
// 64-bit word instead of eight comparisons. In each byte of the word:
// b-0x20 sets the top bit if b < 0x20 (or b >= 0xA0), b+0x01 sets it if
// b >= 0x7F, and b itself has it if b >= 0x80. A borrow or carry from one
// byte into the next happens only from a byte that is already caught,
// so it can cause a false alarm but never hide a byte: on an alarm the
// caller looks at the bytes one by one.
func printable8(p []byte) bool {
	w := binary.LittleEndian.Uint64(p)
	const ones, spaces, tops = 0x0101010101010101, 0x2020202020202020,
		0x8080808080808080
	return ((w-spaces)|(w+ones)|w)&tops == 0
}
