package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socketlab/socketlab/inspect/tap"
)

// Limits of a scripted client.
const (
	expectTimeout = 10 * time.Second // for a line the script waits for
	writeTimeout  = 10 * time.Second
	maxTranscript = 1000 // lines of transcript kept per client
	maxLineBytes  = 64 << 10
)

const welcome = "Welcome to the chat, you are User "

// A client is one scripted chat client: a connection, a goroutine that
// reads it line by line, and what it has seen.
type client struct {
	d    *Demo
	name string
	door Door
	conn net.Conn

	mu     sync.Mutex
	id     int     // the room's number for it, from its welcome line
	lines  []Line  // its transcript, newest last
	wants  []*want // lines the script waits for
	ended  bool    // the reading goroutine is done
	endErr error
	wake   chan struct{} // closed when id, a want or ended changes
}

// A want is a line the script waits for a client to receive. It is
// registered before the step that causes the line, so the line cannot
// slip past, and it holds only a yes or no, so however much else the
// client receives (a student may flood the room), nothing piles up.
type want struct {
	match func(line string) bool
	what  string // for errors
	seen  bool
}

// dial connects a new client through door and starts its reader.
func (d *Demo) dial(ctx context.Context, name string, door Door) (*client, error) {
	network, addr := "unix", d.chatPath
	switch door {
	case TCP:
		network, addr = "tcp", d.tcpAddr.String()
	case Tap:
		addr = d.tapPath
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &client{d: d, name: name, door: door, conn: conn,
		wake: make(chan struct{})}
	d.mu.Lock()
	d.clients[name] = c
	d.mu.Unlock()
	c.record(Note, d.connectNote(c)) // before any line it reads
	d.readers.Add(1)
	go c.read()
	return c, nil
}

// read is c's reading goroutine: it records every line until the room
// closes the connection.
func (c *client) read() {
	defer c.d.readers.Done()
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	for sc.Scan() {
		c.record(Received, sc.Text())
	}
	c.mu.Lock()
	c.ended, c.endErr = true, sc.Err()
	c.signal()
	c.mu.Unlock()
}

// record adds a line to c's transcript and to the demo's log, and marks
// the first want it satisfies.
func (c *client) record(kind LineKind, text string) {
	l := Line{Time: time.Now(), Kind: kind, Client: c.name, Door: c.door,
		Text: text}
	c.mu.Lock()
	if len(c.lines) >= 2*maxTranscript {
		c.lines = append(c.lines[:0], c.lines[len(c.lines)-maxTranscript+1:]...)
	}
	c.lines = append(c.lines, l)
	if kind == Received {
		c.match(text)
	}
	c.mu.Unlock()
	c.d.lines.publish(l)
}

// match notes what a received line means to the script. c.mu is held.
func (c *client) match(text string) {
	if c.id == 0 && strings.HasPrefix(text, welcome) {
		if id, err := strconv.Atoi(strings.TrimSuffix(text[len(welcome):], "!")); err == nil {
			c.id = id
			c.signal()
			return
		}
	}
	for _, w := range c.wants {
		if !w.seen && w.match(text) {
			w.seen = true
			c.signal()
			return
		}
	}
}

// signal wakes whoever waits in await. c.mu is held.
func (c *client) signal() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// await waits until check, called under c.mu, reports true. It fails if
// the connection ends first, if ctx is done, or after expectTimeout;
// what names the awaited thing in that error.
func (c *client) await(ctx context.Context, what string, check func() bool) error {
	deadline := time.NewTimer(expectTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		done := check()
		ended, endErr, wake := c.ended, c.endErr, c.wake
		c.mu.Unlock()
		switch {
		case done:
			return nil
		case ended:
			return fmt.Errorf("%s: the connection ended (%s) while "+
				"waiting for %s", c.name, endOf(endErr), what)
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%s: no %s after %v", c.name, what, expectTimeout)
		}
	}
}

// welcomed waits for c's welcome line and returns its number.
func (c *client) welcomed(ctx context.Context) (int, error) {
	var id int
	err := c.await(ctx, "welcome line", func() bool {
		id = c.id
		return id != 0
	})
	return id, err
}

// expect registers a line that c is about to receive: the first one that
// match accepts from now on. Call it before the step that causes it.
func (c *client) expect(what string, match func(string) bool) *want {
	w := &want{match: match, what: what}
	c.mu.Lock()
	c.wants = append(c.wants, w)
	c.mu.Unlock()
	return w
}

// wait waits until w's line has arrived.
func (c *client) wait(ctx context.Context, w *want) error {
	err := c.await(ctx, w.what, func() bool { return w.seen })
	c.mu.Lock()
	c.wants = slices.DeleteFunc(c.wants, func(o *want) bool { return o == w })
	c.mu.Unlock()
	return err
}

// say sends text as one chat line. It logs the line first, so that the
// log shows it before anyone's copy of it.
func (c *client) say(text string) error {
	c.record(Sent, text)
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.conn.Write([]byte(text + "\n")); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

// leave half-closes c's connection, as a polite client does, waits for
// the room to close its side in turn, and closes the socket.
func (c *client) leave(ctx context.Context) error {
	var err error
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		if err = cw.CloseWrite(); err != nil {
			err = fmt.Errorf("%s: %w", c.name, err)
		}
	}
	if err == nil {
		err = c.await(ctx, "the room to close the connection",
			func() bool { return c.ended && c.endErr == nil })
	}
	c.conn.Close()
	if err != nil {
		return err
	}
	// A Unix socket has no FIN: shutting down writing makes the room's
	// next read return end of file, and the room's close does the same
	// to ours.
	sent, got := tap.EndOfStream("unix"), "EOF"
	if c.door == TCP {
		sent, got = tap.EndOfStream("tcp"), "FIN"
	}
	c.record(Note, "left: sent "+sent+", got "+got+", closed")
	return nil
}

// endOf describes how a connection's reading ended.
func endOf(err error) string {
	if err == nil {
		return "EOF"
	}
	if errors.Is(err, net.ErrClosed) {
		return "closed"
	}
	return err.Error()
}

// transcript returns a copy of c's transcript.
func (c *client) transcript() []Line {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.lines
	if len(out) > maxTranscript {
		out = out[len(out)-maxTranscript:]
	}
	return append([]Line(nil), out...)
}
