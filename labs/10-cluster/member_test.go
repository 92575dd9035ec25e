package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A member is a raw chat client driven by a test.
type member struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	id   int
}

// join connects through the server's door ("tcp" or "unix") and reads
// the welcome line, which gives the member its id.
func join(t testing.TB, s *testServer, door string) *member {
	t.Helper()
	m := connect(t, s, door)
	line := m.read()
	if _, err := fmt.Sscanf(line, "Welcome to the chat, you are User %d!",
		&m.id); err != nil {
		t.Fatalf("first line %q is not a welcome: %v", line, err)
	}
	return m
}

// connect connects through the server's door without reading anything.
func connect(t testing.TB, s *testServer, door string) *member {
	t.Helper()
	network, address := s.door(door)
	conn := dial(t, network, address)
	return &member{t: t, conn: conn, r: bufio.NewReader(conn)}
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

// expectEnd fails the test unless the server hangs up on the member
// after sending it the lines in want.
func (m *member) expectEnd(want ...string) {
	m.t.Helper()
	m.expect(want...)
	m.conn.SetReadDeadline(time.Now().Add(timeout))
	if line, err := m.r.ReadString('\n'); err != io.EOF {
		m.t.Fatalf("User %d: read = %q, %v; want the server to hang up",
			m.id, line, err)
	}
}
