package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// setLimit sets one of the server's limits to v until the test ends.
// Call it before startServer.
func setLimit[T any](t testing.TB, limit *T, v T) {
	t.Helper()
	old := *limit
	*limit = v
	t.Cleanup(func() { *limit = old })
}

// A member is a raw chat client driven by a test.
type member struct {
	t    testing.TB
	conn *net.TCPConn
	r    *bufio.Reader
	id   int
}

// join connects to addr and reads the welcome line, which gives the
// member its id.
func join(t testing.TB, addr string) *member {
	t.Helper()
	m := connect(t, addr)
	line := m.read()
	if _, err := fmt.Sscanf(line, "Welcome to the chat, you are User %d!",
		&m.id); err != nil {
		t.Fatalf("first line %q is not a welcome: %v", line, err)
	}
	return m
}

// connect connects to addr without reading anything.
func connect(t testing.TB, addr string) *member {
	t.Helper()
	conn := dial(t, addr)
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

func TestBroadcast(t *testing.T) {
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("a line reaches every other client and not the sender",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, _, _ := startServer(t)
				a, b, c := join(t, addr), join(t, addr), join(t, addr)
				a.expect("User 2 joined!", "User 3 joined!")
				b.expect("User 3 joined!")
				a.send("hello, room\n")
				b.expect("User 1: hello, room")
				c.expect("User 1: hello, room")
				// Had the server echoed a's line, a would read it before
				// b's reply, which the server handled later.
				b.send("hi\n")
				a.expect("User 2: hi")
				c.expect("User 2: hi")
			})

		t.Run("empty lines are ignored, bad lines earn the sender an error",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, _, _ := startServer(t)
				a, b := join(t, addr), join(t, addr)
				a.expect("User 2 joined!")
				a.send("\n\r\n" + strings.Repeat("x", 5000) + "\n\xff\xfe\n")
				a.send(strings.Repeat("y", 4096) + "\r\nstill here\n")
				a.expect("error: line too long (limit 4096 bytes), dropped",
					"error: line is not valid UTF-8, dropped")
				b.expect("User 1: "+strings.Repeat("y", 4096),
					"User 1: still here")
			})

		t.Run("lines split across writes are reassembled", func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			a, b := join(t, addr), join(t, addr)
			a.expect("User 2 joined!")
			var all strings.Builder
			for i := range 2000 {
				fmt.Fprintf(&all, "line %d %s\r\n", i, strings.Repeat("é", i%50))
			}
			// Odd-sized writes cut lines, and even "é", at every point.
			text := all.String()
			go func() {
				for len(text) > 0 {
					n := min(len(text), 1+len(text)%997)
					if _, err := io.WriteString(a.conn, text[:n]); err != nil {
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

func TestPresence(t *testing.T) {
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("the newcomer learns its id, the others hear it join and leave",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a := join(t, addr)
				b := join(t, addr)
				if a.id != 1 || b.id != 2 {
					t.Fatalf("ids are %d and %d, want 1 and 2", a.id, b.id)
				}
				a.expect("User 2 joined!")
				b.conn.Close()
				a.expect("User 2 left!")
				logs.waitFor(t, b.conn.LocalAddr().String()+" is User 2\n")
				logs.waitFor(t, b.conn.LocalAddr().String()+" hung up\n")
			})

		t.Run("ids are never reused", func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			a, b := join(t, addr), join(t, addr)
			a.expect("User 2 joined!")
			b.conn.Close()
			a.expect("User 2 left!")
			// Two clients are left in the room after the third joins: an id
			// made from the number of clients would be 2 again.
			c := join(t, addr)
			if c.id != 3 {
				t.Errorf("the newcomer after a leave is User %d, want 3", c.id)
			}
			a.expect("User 3 joined!")
		})

		t.Run("an abrupt reset counts as leaving", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr), join(t, addr)
			a.expect("User 2 joined!")
			// With linger 0, Close sends RST instead of FIN.
			b.conn.SetLinger(0)
			b.conn.Close()
			a.expect("User 2 left!")
			logs.waitMatch(t, regexp.MustCompile(`(?i)`+
				regexp.QuoteMeta(b.conn.LocalAddr().String())+
				`: .*reset.*\n`))
			a.send("anyone?\n")
			c := join(t, addr)
			a.expect("User 3 joined!")
			c.send("me\n")
			a.expect("User 3: me")
		})
	})

	t.Run("a full server refuses politely", func(t *testing.T) {
		checkGoroutines(t)
		setLimit(t, &maxClients, 2)
		addr, logs, _ := startServer(t)
		a, b := join(t, addr), join(t, addr)
		a.expect("User 2 joined!")
		c := connect(t, addr)
		c.expectEnd("error: server full (2 clients), try again later")
		logs.waitFor(t, c.conn.LocalAddr().String()+
			" refused: server full (2 clients), try again later\n")
		// A place frees up when someone leaves.
		b.conn.Close()
		a.expect("User 2 left!")
		if d := join(t, addr); d.id != 3 {
			t.Errorf("the next client is User %d, want 3", d.id)
		}
	})
}

func TestShutdown(t *testing.T) {
	t.Run("it tells every client, hangs up and leaves no goroutines",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := startServer(t)
			a, b := join(t, addr), join(t, addr)
			a.expect("User 2 joined!")
			if err := stop(); err != nil {
				t.Fatalf("serve returned %v, want nil", err)
			}
			a.expectEnd("Server is shutting down.")
			b.expectEnd("Server is shutting down.")
			if c, err := net.DialTimeout("tcp", addr, timeout); err == nil {
				c.Close()
				t.Error("dial after shutdown succeeded; want it refused")
			}
			if strings.Contains(logs.String(), "use of closed") {
				t.Errorf("a normal stop logged an error:\n%s", logs)
			}
		})
}

// dialSmall connects with a tiny receive buffer, set before the
// connection exists so that the window the client advertises is small
// from the start. A client that does not read then fills up quickly.
func dialSmall(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: timeout, Control: func(_, _ string,
		rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) {
			err = setRcvBuf(fd, 4096)
		})
		return err
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.(*net.TCPConn)
}

// stall makes a client that joins and then never reads, and floods the
// room through sender until the server logs that the stalled client was
// dropped for the reason in why. After every line, reader must receive
// it within the test timeout: the stalled client must not hold it up.
func stall(t *testing.T, addr string, logs *logBuffer, why string) {
	t.Helper()
	sender, reader := join(t, addr), join(t, addr)
	sender.expect("User 2 joined!")
	stalled := dialSmall(t, addr)
	sender.expect("User 3 joined!")
	reader.expect("User 3 joined!")

	// The stalled client may be dropped at any moment, so "User 3 left!"
	// may come before the line just sent.
	line := strings.Repeat("z", 4000)
	left := false
	for i := 0; !left; i++ {
		if i == 10000 { // 40 MB: far more than any socket buffers here
			t.Fatalf("the stalled client was not dropped; log:\n%s", logs)
		}
		sender.send(line + "\n")
		got := reader.read()
		if got == "User 3 left!" {
			left, got = true, reader.read()
		}
		if got != "User 1: "+line {
			t.Fatalf("the reader got %.40q..., want line %d", got, i)
		}
	}
	sender.expect("User 3 left!")
	logs.waitFor(t, "User 3 dropped: "+why)

	// The stalled client gets what was in flight, then the end.
	stalled.SetReadDeadline(time.Now().Add(timeout))
	_, err := io.Copy(io.Discard, stalled)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the stalled client read %v, want EOF or a reset", err)
	}
}

func TestSlowClient(t *testing.T) {
	t.Run("a client that stops reading is cut off when its queue is full",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &queueBytes, 256<<10)
			setLimit(t, &writeTimeout, time.Hour) // only the queue can
			addr, logs, _ := startServer(t)
			stall(t, addr, logs, "outbound queue full")
		})

	t.Run("a client that stops reading is cut off by the write deadline",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &queueLines, 1<<20) // only the deadline can
			setLimit(t, &queueBytes, 1<<30)
			setLimit(t, &writeTimeout, 100*time.Millisecond)
			addr, logs, _ := startServer(t)
			stall(t, addr, logs, "write failed: ")
			logs.waitFor(t, "i/o timeout")
		})
}

// TestSlowClientInNode shows where the two servers differ. The Go server
// cuts off a client that stops reading (TestSlowClient). The Node server,
// written as a course would write it, calls socket.write for every line
// and never looks at what it returns: what the client does not read
// waits in the server's memory, without a limit.
func TestSlowClientInNode(t *testing.T) {
	checkGoroutines(t)
	addr, logs, _ := startNodeServer(t)
	v, _ := listeners.Load(addr)
	pid := v.(*nodeProcess).cmd.Process.Pid
	sender := join(t, addr)
	stalled := dialSmall(t, addr)
	logs.waitFor(t, stalled.LocalAddr().String()+" is User 2\n")
	before := rss(t, pid)
	const lines, size = 32 << 10, 1 << 10 // 32 MiB, more than buffers
	go func() {
		line := strings.Repeat("z", size-1) + "\n"
		for range lines {
			if _, err := io.WriteString(sender.conn, line); err != nil {
				return // sender.expect below says why
			}
		}
		// The server answers this refused line once it has handled
		// every line before it.
		io.WriteString(sender.conn, "\x01\n")
	}()
	sender.expect("User 2 joined!")
	sender.expectRefusal("U+0001")
	grown := rss(t, pid) - before
	if grown < lines*size/2 {
		t.Errorf("the Node server grew by %d KiB while a client did not "+
			"read %d KiB; want it to hold at least half of it, the bug",
			grown>>10, lines*size>>10)
	}
	t.Logf("the Node server grew by %d MiB", grown>>20)
}

// rss returns how many bytes of memory process pid has in RAM (its
// resident set size), as ps says.
func rss(t testing.TB, pid int) int {
	t.Helper()
	out, err := exec.Command("ps", "-o", "rss=", "-p",
		strconv.Itoa(pid)).Output()
	if err != nil {
		t.Skipf("ps cannot say how much memory the server holds: %v", err)
	}
	kib, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("ps -o rss= said %q: %v", out, err)
	}
	return kib << 10
}
