package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A visitor drops in while the classroom demo runs.
type visitor struct {
	name  string
	door  Door
	hello string
}

var visitors = []visitor{
	{"Ken", TCP, "hi, Ken here, over TCP: find my handshake and my FIN"},
	{"Barbara", Unix, "hi, Barbara here, over the Unix socket: no packets"},
	{"Radia", Tap, "hi, Radia here, through the tap: my bytes show"},
}

// A script plays the conversation. Every step first waits for the pace,
// then acts, then waits until every client in the room has seen the
// effect, so each transcript comes out in the same order on every run.
//
// After the first error every method does nothing, and err keeps the
// error: the conversation reads as a story, with one check at the end.
type script struct {
	d     *Demo
	ctx   context.Context
	timer *time.Timer
	live  []*client // connected, in the order they joined
	err   error
}

// run plays the conversation. In the opening, three clients, one per
// door, say what their door means for their bytes; then Linus leaves.
func (s *script) run() error {
	ada := s.join("Ada", TCP)
	linus := s.join("Linus", Unix)
	grace := s.join("Grace", Tap)
	s.say(ada, "hello over TCP")
	s.say(linus, "hello over a Unix socket")
	s.say(grace, "hello over a Unix socket too, through a tap")
	s.say(ada, "my bytes cross lo as TCP segments: capture sees them")
	s.say(linus, "mine stay in the kernel: no port, no packets")
	s.say(grace, "mine too, but the tap relays them and shows every byte")
	s.say(linus, "bye!")
	s.leave(linus)
	if s.d.cfg.Once {
		s.leave(ada)
		s.leave(grace)
		return s.err
	}
	// The classroom goes on: every few steps a visitor comes in through
	// the next door, says hello, is welcomed and leaves, so that new
	// sockets, handshakes and teardowns keep appearing.
	for i := 0; s.err == nil; i++ {
		v := visitors[i%len(visitors)]
		c := s.join(v.name, v.door)
		s.say(c, v.hello)
		if c != nil {
			s.say(ada, fmt.Sprintf("welcome, User %d!", c.id))
		}
		s.say(c, "bye!")
		s.leave(c)
		s.pause()
	}
	return s.err
}

// join connects a client named name through door and waits for its
// welcome and for the others' notice of it.
func (s *script) join(name string, door Door) *client {
	s.pause()
	if s.err != nil {
		return nil
	}
	// The room cannot tell a tapped client from a direct one: both come
	// through its Unix listener. The others' notice is awaited before
	// the client's number is known, so any number is accepted.
	roomDoor := Unix
	if door == TCP {
		roomDoor = TCP
	}
	suffix := fmt.Sprintf(" joined! (%s)", roomDoor)
	wants := s.expect(nil, name+"'s join notice", func(l string) bool {
		return strings.HasPrefix(l, "User ") && strings.HasSuffix(l, suffix)
	})
	c, err := s.d.dial(s.ctx, name, door)
	if err != nil {
		s.err = err
		return nil
	}
	s.live = append(s.live, c)
	if _, s.err = c.welcomed(s.ctx); s.err != nil {
		return nil
	}
	s.wait(wants)
	return c
}

// say has c send text and waits until the others have it.
func (s *script) say(c *client, text string) {
	s.pause()
	if s.err != nil {
		return
	}
	line := fmt.Sprintf("User %d: %s", c.id, text)
	wants := s.expect(c, fmt.Sprintf("%q", line), exactly(line))
	if s.err = c.say(text); s.err == nil {
		s.wait(wants)
	}
}

// leave has c leave and waits until the others know.
func (s *script) leave(c *client) {
	s.pause()
	if s.err != nil {
		return
	}
	s.live = slices.DeleteFunc(s.live, func(o *client) bool { return o == c })
	line := fmt.Sprintf("User %d left!", c.id)
	wants := s.expect(c, fmt.Sprintf("%q", line), exactly(line))
	if s.err = c.leave(s.ctx); s.err == nil {
		s.wait(wants)
	}
}

// An expectation is a line that one client is about to receive.
type expectation struct {
	c *client
	w *want
}

// expect registers a line that every live client but from is about to
// receive.
func (s *script) expect(from *client, what string, match func(string) bool) []expectation {
	var es []expectation
	for _, c := range s.live {
		if c != from {
			es = append(es, expectation{c, c.expect(what, match)})
		}
	}
	return es
}

// wait waits until every expected line has arrived.
func (s *script) wait(es []expectation) {
	for _, e := range es {
		if s.err == nil {
			s.err = e.c.wait(s.ctx, e.w)
		}
	}
}

func exactly(line string) func(string) bool {
	return func(l string) bool { return l == line }
}

// pause waits for the pace, or for the demo to stop.
func (s *script) pause() {
	if s.err != nil {
		return
	}
	s.timer.Reset(s.d.cfg.Pace)
	select {
	case <-s.timer.C:
	case <-s.ctx.Done():
		s.err = s.ctx.Err()
	}
}

// closeAll closes the clients still connected, once the script is over.
func (s *script) closeAll() {
	for _, c := range s.live {
		c.conn.Close()
	}
	s.live = nil
}
