package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// client is one connection of the swarm. Its reader goroutine owns the
// receive counters; others read them only after that goroutine has
// ended, except the atomics, which progress and drain poll.
type client struct {
	id     int
	conn   net.Conn
	sender int  // index among the senders, or -1
	slow   bool // stops reading when sending starts
	inRoom bool // had seen a probe when sending started
	dialed time.Duration
	done   chan struct{} // closed when the reader has returned

	// next[s] is the sequence number this client expects next from
	// sender s: every earlier line was received or counted as a gap.
	next []uint32

	recv      atomic.Int64 // valid lines received
	accounted atomic.Int64 // recv plus lines skipped over (gaps)
	probed    atomic.Bool  // has seen another client's settle probe
	gone      atomic.Bool  // the server ended the connection
	goneWant  atomic.Int64 // lines expected here when it went

	nRecv, nAccounted           int64 // the values of recv and accounted
	gaps, dups, echoes, corrupt int64
	foreign, unknown, notices   int64
	serverErrors, probes        int64
	lastNs                      int64 // when the last valid line came
	snap                        []int64
	goneErr                     error

	slowBytes int64 // read from a slow client after the run
	slowCut   bool  // the server had closed the slow client
}

// readLoop reads and accounts lines until the connection fails or
// swarm closes it.
func (c *client) readLoop(s *swarm) {
	br := bufio.NewReaderSize(c.conn, s.bufSize)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than any the protocol allows: count it and
			// skip to its end without buffering it.
			c.unknown++
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
		}
		if err != nil {
			c.ended(s, err)
			return
		}
		c.handle(s, line)
	}
}

// ended records why reading stopped. A close by swarm itself, or the
// deadline that makes a slow client stop reading, is not a disconnect.
func (c *client) ended(s *swarm, err error) {
	if s.closing.Load() || c.slow && errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	// The server ended this connection: from now on nothing more can be
	// expected here. Lines started before this moment still are.
	c.goneErr = err
	c.snap = s.started()
	var want int64
	for i, n := range c.snap {
		if i != c.sender {
			want += n
		}
	}
	c.goneWant.Store(want)
	c.gone.Store(true)
}

var (
	prefixUser    = []byte("User ")
	prefixWelcome = []byte("Welcome to the chat, you are User ")
	prefixError   = []byte("error: ")
	suffixJoined  = []byte(" joined!")
	suffixLeft    = []byte(" left!")
)

// handle accounts one line from the server, newline included.
func (c *client) handle(s *swarm, line []byte) {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if !bytes.HasPrefix(line, prefixUser) {
		switch {
		case bytes.HasPrefix(line, prefixWelcome):
			c.notices++
		case bytes.HasPrefix(line, prefixError):
			c.serverErrors++
		default:
			c.unknown++
		}
		return
	}
	i := len(prefixUser)
	for i < len(line) && '0' <= line[i] && line[i] <= '9' {
		i++
	}
	digits := i > len(prefixUser)
	// A user of another server in the same room: "User 3@b: ...".
	if digits && i < len(line) && line[i] == '@' {
		for i < len(line) && line[i] != ':' && line[i] != ' ' {
			i++
		}
	}
	rest := line[i:]
	switch {
	case !digits:
		c.unknown++
	case len(rest) >= 2 && rest[0] == ':' && rest[1] == ' ':
		c.payload(s, rest[2:])
	case bytes.HasPrefix(rest, suffixJoined), bytes.HasPrefix(rest, suffixLeft):
		c.notices++
	default:
		c.unknown++
	}
}

// payload accounts the text of one chat line.
func (c *client) payload(s *swarm, p []byte) {
	k, from, seq, t := s.codec.parse(p)
	switch k {
	case kindForeign:
		c.foreign++
		return
	case kindCorrupt:
		c.corrupt++
		return
	case kindProbe:
		if from == c.id {
			c.echoes++
		} else {
			c.probes++
			c.probed.Store(true)
		}
		return
	}
	if from >= len(c.next) {
		c.corrupt++
		return
	}
	if from == c.sender {
		c.echoes++
		return
	}
	n := int(c.next[from])
	if seq < n {
		// A chat server keeps each sender's order, so an old number is
		// a line delivered twice (or, rarely, out of order).
		c.dups++
		return
	}
	c.gaps += int64(seq - n)
	c.next[from] = uint32(seq + 1)
	// Only this goroutine writes the counters, so a store publishes
	// them without a locked add.
	c.nAccounted += int64(seq + 1 - n)
	c.accounted.Store(c.nAccounted)
	c.nRecv++
	c.recv.Store(c.nRecv)
	now := s.now()
	c.lastNs = now
	s.hist.record(c.id, now-t)
	if int(s.observer[from].Load()) == c.id {
		s.acked(from, seq+1)
	}
}
