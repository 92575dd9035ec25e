package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A member is a raw chat client driven by a test.
type member struct {
	t    testing.TB
	conn *net.TCPConn
	r    *bufio.Reader
	id   int
}

// join connects to addr and waits until the server has put the new
// client in the room, which the server's log says with its number.
func join(t testing.TB, addr string, logs *logBuffer) *member {
	t.Helper()
	conn := dial(t, addr)
	m := &member{t: t, conn: conn, r: bufio.NewReader(conn)}
	local := conn.LocalAddr().String()
	logs.waitFor(t, local+" is User ")
	re := regexp.MustCompile(regexp.QuoteMeta(local) + ` is User (\d+)\n`)
	m.id, _ = strconv.Atoi(re.FindStringSubmatch(logs.String())[1])
	return m
}

// read returns the next line the member receives, without its "\n".
func (m *member) read() string {
	m.t.Helper()
	m.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := m.r.ReadString('\n')
	if err != nil {
		m.t.Fatalf("User %d: read: %v (got %q so far)", m.id, err, line)
	}
	return strings.TrimSuffix(line, "\n")
}

// expect fails the test unless the next lines received are want.
func (m *member) expect(want ...string) {
	m.t.Helper()
	for _, w := range want {
		if got := m.read(); got != w {
			m.t.Fatalf("User %d got %q, want %q", m.id, got, w)
		}
	}
}

// send writes text to the server as it is: add "\n" to end a line.
func (m *member) send(text string) {
	m.t.Helper()
	m.conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(m.conn, text); err != nil {
		m.t.Fatalf("User %d: write: %v", m.id, err)
	}
}

func TestBroadcast(t *testing.T) {
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("a line reaches every other client and not the sender",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b, c := join(t, addr, logs), join(t, addr, logs),
					join(t, addr, logs)
				if a.id != 1 || b.id != 2 || c.id != 3 {
					t.Fatalf("ids %d, %d, %d; want 1, 2, 3", a.id, b.id,
						c.id)
				}
				a.send("hello, room\n")
				b.expect("User 1: hello, room")
				c.expect("User 1: hello, room")
				// Had the server echoed a's line, a would read it before
				// b's reply, which the server handled later.
				b.send("hi\n")
				a.expect("User 2: hi")
				c.expect("User 2: hi")
			})

		t.Run("a client that hangs up is no longer heard from",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b, c := join(t, addr, logs), join(t, addr, logs),
					join(t, addr, logs)
				b.conn.Close()
				logs.waitFor(t, b.conn.LocalAddr().String()+" hung up\n")
				// The room carries on, and the server logs no write
				// errors.
				a.send("still here?\n")
				c.expect("User 1: still here?")
				c.send("yes\n")
				a.expect("User 3: yes")
				for _, bad := range []string{"use of closed", "broken pipe"} {
					if strings.Contains(logs.String(), bad) {
						t.Errorf("the log mentions %q:\n%s", bad, logs)
					}
				}
			})

		t.Run("numbers are not reused after a client leaves",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				join(t, addr, logs)
				b := join(t, addr, logs)
				b.conn.Close()
				logs.waitFor(t, b.conn.LocalAddr().String()+" hung up\n")
				if c := join(t, addr, logs); c.id != 3 {
					t.Errorf("the next client is User %d, want 3", c.id)
				}
			})

		t.Run("lines split across writes are reassembled",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b := join(t, addr, logs), join(t, addr, logs)
				var all strings.Builder
				for i := range 2000 {
					fmt.Fprintf(&all, "line %d %s\r\n", i,
						strings.Repeat("é", i%50))
				}
				// Odd-sized writes cut lines, and even "é", at every
				// point.
				text := all.String()
				go func() {
					for len(text) > 0 {
						n := min(len(text), 1+len(text)%997)
						_, err := io.WriteString(a.conn, text[:n])
						if err != nil {
							return
						}
						text = text[n:]
					}
				}()
				for i := range 2000 {
					b.expect(fmt.Sprintf("User 1: line %d %s", i,
						strings.Repeat("é", i%50)))
				}
			})
	})
}

// TestLeavingTheRoom shows where the two servers differ. The Go server's
// handler takes its client out of the room when it returns. The Node
// server, written as a course would write it first, puts each socket in
// its array and never takes it out: every socket it was ever given stays
// in its memory, and every line is written to all of them.
func TestLeavingTheRoom(t *testing.T) {
	const n = 20 // clients that come and go
	t.Run("the Go room forgets every client that has left",
		func(t *testing.T) {
			r := newRoom()
			var conns []net.Conn
			for range n {
				a, b := net.Pipe()
				defer a.Close()
				defer b.Close()
				r.join(a)
				conns = append(conns, a)
			}
			for _, c := range conns {
				r.leave(c)
			}
			if len(r.clients) != 0 {
				t.Errorf("the room holds %d clients after all %d left",
					len(r.clients), n)
			}
		})

	t.Run("the Node server keeps every socket that has left",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, heap := startNodeServerWithHeap(t)
			a := join(t, addr, logs)
			for range n {
				m := join(t, addr, logs)
				m.conn.Close()
				logs.waitFor(t, m.conn.LocalAddr().String()+" hung up\n")
			}
			// The live client is still served, and numbered by the
			// length of the array: n+2.
			b := join(t, addr, logs)
			if b.id != n+2 {
				t.Errorf("the next client is User %d, want %d", b.id, n+2)
			}
			a.send("hi\n")
			b.expect("User 1: hi")
			// A heap snapshot counts the sockets that the server's
			// memory still holds, after a full garbage collection.
			if got := heap(t, "Socket"); got < n {
				t.Errorf("the server holds %d sockets after %d clients "+
					"came and went; want at least %d, the bug", got, n, n)
			}
		})
}
