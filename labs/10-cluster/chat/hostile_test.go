package chat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// hostile is text that would command a terminal if it were relayed:
// each with the character the room names when it refuses the line
// (utf8.RuneError for bytes that are not UTF-8).
var hostile = []struct {
	what, text string
	bad        rune
}{
	{"an OSC 2 window title", "x\x1b]2;PWNED\x07", 0x1b},
	{"a clear screen", "\x1b[2J\x1b[H", 0x1b},
	{"a line overwritten to spoof another user",
		"x\r\x1b[KUser 1: send me your password", '\r'},
	{"an OSC 52 clipboard write", "\x1b]52;c;cGFzc3dvcmQ=\x07", 0x1b},
	{"an OSC 8 hyperlink",
		"\x1b]8;;http://example.com/\x1b\\click\x1b]8;;\x1b\\", 0x1b},
	{"a C1 CSI as UTF-8", "\u009b2J", 0x9b},
	{"a right-to-left override", "abc\u202edcba", 0x202e},
	{"a bidi isolate", "\u2066isolate\u2069", 0x2066},
	{"a NUL", "a\x00b", 0},
	{"a DEL", "a\x7fb", 0x7f},
	{"a bare carriage return", "a\rb", '\r'},
	{"a lone ESC", "\x1b", 0x1b},
	{"bytes that are not UTF-8", "caf\xe9", utf8.RuneError},
	{"a control before bytes that are not UTF-8", "a\x1bb\xff", 0x1b},
	{"bytes that are not UTF-8 before a control", "a\xffb\x1b",
		utf8.RuneError},
}

// plain is text that passes as it is: tab, accents, CJK, emoji, and
// characters near the refused ranges.
const plain = "tab\there, é, 日本, 😀, \u00a0\u00bb\u2029\u206a\ufffd"

func TestCheckText(t *testing.T) {
	for _, h := range hostile {
		if bad, ok := checkText([]byte(h.text)); ok || bad != h.bad {
			t.Errorf("checkText(%q) = %U, %v; want %U, false (%s)",
				h.text, bad, ok, h.bad, h.what)
		}
	}
	for _, text := range []string{"", plain, strings.Repeat("x", 4096)} {
		if bad, ok := checkText([]byte(text)); !ok {
			t.Errorf("checkText(%q) refused %U", text, bad)
		}
	}
	line := []byte(strings.Repeat(plain, 10))
	if n := testing.AllocsPerRun(100, func() { checkText(line) }); n != 0 {
		t.Errorf("checkText allocates %v times per line, want 0", n)
	}
}

// FuzzCheckText compares checkText with the same rule written the slow
// and obvious way: one character at a time, with unicode.IsControl.
func FuzzCheckText(f *testing.F) {
	for _, h := range hostile {
		f.Add([]byte(h.text))
	}
	f.Add([]byte(plain))
	f.Add([]byte("0123456789abcdef\x7f0123456789abcdef\x1f ~~~~~~~~"))
	f.Add([]byte("~~~~~~~\xff~~~~~~~~ \xc2\x9f~~~~~~~~"))
	f.Fuzz(func(t *testing.T, line []byte) {
		want, wantOK := rune(0), true
		for rest := line; len(rest) > 0 && wantOK; {
			r, size := utf8.DecodeRune(rest)
			if r == utf8.RuneError && size == 1 ||
				r != '\t' && unicode.IsControl(r) ||
				r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				want, wantOK = r, false
			}
			rest = rest[size:]
		}
		if bad, ok := checkText(line); bad != want || ok != wantOK {
			t.Errorf("checkText(%q) = %U, %v; want %U, %v", line, bad, ok,
				want, wantOK)
		}
	})
}

func TestRoomRefusesControlCharacters(t *testing.T) {
	for _, door := range []string{"tcp", "unix"} {
		t.Run("through the "+door+" door", func(t *testing.T) {
			tr := startRoom(t, Config{})
			a := tr.dial(t, door)
			b := tr.dial(t, door)
			a.expect("User " + b.id + " joined! (" + door + ")")
			for _, h := range hostile {
				b.send(h.text + "\n")
				got := b.read()
				want := "error: line is not valid UTF-8, dropped"
				if h.bad != utf8.RuneError {
					want = fmt.Sprintf("%U", h.bad)
				}
				if !strings.HasPrefix(got, "error: ") ||
					!strings.Contains(got, want) {
					t.Fatalf("%s: got %q, want an error naming %s",
						h.what, got, want)
				}
				// a's next line is this one: nothing of the refused
				// line came before it.
				b.send("ok\n")
				a.expect("User " + b.id + ": ok")
			}
			b.send("a\r\r\n" + plain + "\r\n")
			if got := b.read(); !strings.Contains(got, "U+000D") {
				t.Errorf("a \\r inside a line: got %q", got)
			}
			a.expect("User " + b.id + ": " + plain)
		})
	}
}

// expectCutOff fails unless p is told, with an error line, that it took
// too long, and the room then hangs up. (A client still sending when the
// room closes its connection gets a reset rather than an EOF: the room
// left bytes unread.)
func (p *peer) expectCutOff() {
	p.t.Helper()
	if got := p.read(); !strings.HasPrefix(got, "error: ") {
		p.t.Fatalf("got %q, want an error", got)
	}
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := p.r.ReadString('\n')
	if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		p.t.Fatalf("read %q, %v; want the room to hang up", line, err)
	}
}

// trickle writes one byte to conn every 10 ms, never a "\n", until a
// write fails. The channel is closed when it stops.
func trickle(conn net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	return done
}

func TestLineTimeout(t *testing.T) {
	t.Run("half a line is cut off after LineTimeout, and not relayed",
		func(t *testing.T) {
			tr := startRoom(t, Config{LineTimeout: 100 * time.Millisecond})
			a := tr.dial(t, "tcp")
			b := tr.dial(t, "unix")
			a.expect("User " + b.id + " joined! (unix)")
			b.send("half a li")
			b.expectCutOff()
			a.expect("User " + b.id + " left!")
			if !strings.Contains(tr.log.String(), "User "+b.id+" cut off") {
				t.Errorf("the log does not say so:\n%s", tr.log)
			}
		})

	t.Run("a client that trickles a line a byte at a time is cut off",
		func(t *testing.T) {
			const limit = 300 * time.Millisecond
			tr := startRoom(t, Config{LineTimeout: limit})
			slow := tr.dial(t, "tcp")
			start := time.Now()
			done := trickle(slow.conn)
			slow.expectCutOff()
			if took := time.Since(start); took < limit {
				t.Errorf("cut off after %v, before LineTimeout %v",
					took, limit)
			}
			<-done
		})

	t.Run("a line over MaxLine that then trickles is cut off too",
		func(t *testing.T) {
			const limit = 300 * time.Millisecond
			tr := startRoom(t, Config{MaxLine: 16, LineTimeout: limit})
			slow := tr.dial(t, "tcp")
			start := time.Now()
			slow.send(strings.Repeat("x", 100))
			if got := slow.read(); !strings.HasPrefix(got, "error: ") {
				t.Fatalf("got %q, want an error: too long", got)
			}
			done := trickle(slow.conn)
			slow.expectCutOff()
			if took := time.Since(start); took < limit {
				t.Errorf("cut off after %v, before LineTimeout %v",
					took, limit)
			}
			<-done
		})

	t.Run("clients silent between lines are never cut off",
		func(t *testing.T) {
			tr := startRoom(t, Config{LineTimeout: 200 * time.Millisecond})
			idle := tr.dial(t, "tcp")
			a := tr.dial(t, "unix")
			idle.expect("User " + a.id + " joined! (unix)")
			a.send("hi\n")
			idle.expect("User " + a.id + ": hi")
			// slow is cut off LineTimeout after its first byte: by then
			// idle and a have been silent for longer than that.
			slow := tr.dial(t, "tcp")
			slow.send("x")
			slow.expectCutOff()
			for _, p := range []*peer{idle, a} {
				p.expect("User " + slow.id + " joined! (tcp)")
				p.expect("User " + slow.id + " left!")
			}
			idle.send("still here\n")
			a.expect("User " + idle.id + ": still here")
			a.send("me too\n")
			idle.expect("User " + a.id + ": me too")
		})

	t.Run("a client sending for longer than LineTimeout, "+
		"one short line after the other, is not cut off",
		func(t *testing.T) {
			const limit = 250 * time.Millisecond
			tr := startRoom(t, Config{LineTimeout: limit})
			a := tr.dial(t, "tcp")
			b := tr.dial(t, "tcp")
			a.expect("User " + b.id + " joined! (tcp)")
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			// Every write ends in the middle of a line, so that the
			// server never waits between lines: each line must get a
			// deadline of its own.
			a.send("line 0, first half ")
			start := time.Now()
			for i := 0; time.Since(start) < 3*limit; i++ {
				a.send(fmt.Sprintf("and second half\nline %d, first half ",
					i+1))
				b.expect(fmt.Sprintf("User %s: line %d, first half "+
					"and second half", a.id, i))
				<-tick.C
			}
		})
}

// deadlineCounter counts the read deadlines set on a real connection.
type deadlineCounter struct {
	net.Conn
	set, cleared int
}

func (c *deadlineCounter) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		c.cleared++
	} else {
		c.set++
	}
	return c.Conn.SetReadDeadline(t)
}

func TestLineReaderDeadlines(t *testing.T) {
	// net.Pipe hands each Write to one Read, whole: the test decides
	// where reads end.
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	conn := &deadlineCounter{Conn: server}
	lr := newLineReader(conn, 4096, time.Minute)
	read := func(writes ...string) {
		t.Helper()
		go func() {
			for _, w := range writes {
				client.Write([]byte(w))
			}
		}()
		if _, err := lr.next(); err != nil {
			t.Fatal(err)
		}
	}

	for range 100 {
		read("a whole line\n")
	}
	if conn.set+conn.cleared != 0 {
		t.Errorf("whole lines set %d deadlines and cleared %d, want none",
			conn.set, conn.cleared)
	}
	for range 100 {
		read("half a line, ", "then the rest\n")
	}
	// One deadline for each line once its first half is in, cleared
	// before the next line, when nothing is waiting.
	if conn.set != 100 || conn.cleared != 99 {
		t.Errorf("split lines set %d deadlines and cleared %d, "+
			"want 100 and 99", conn.set, conn.cleared)
	}
}

func TestLogQuotesClientNames(t *testing.T) {
	// A client names its socket by binding it to a path of its choice:
	// any bytes but "/" and NUL.
	names := []string{"\x1b]2;PWNED\x07\nUser 9 joined (fake)"}
	for _, h := range hostile {
		if !strings.ContainsAny(h.text, "/\x00") {
			names = append(names, h.text)
		}
	}
	named := func(t testing.TB, dir, room, name string) *net.UnixConn {
		t.Helper()
		conn, err := net.DialUnix("unix",
			&net.UnixAddr{Name: filepath.Join(dir, name), Net: "unix"},
			&net.UnixAddr{Name: room, Net: "unix"})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	checkLog := func(t testing.TB, log string) {
		t.Helper()
		for _, line := range strings.Split(log, "\n") {
			if bad, ok := checkText([]byte(line)); !ok {
				t.Fatalf("the log holds %U in %q", bad, line)
			}
		}
		if strings.Contains(log, "\nUser 9 joined (fake)") {
			t.Errorf("a client's name began a log line:\n%s", log)
		}
	}

	t.Run("when it joins and when its connection fails", func(t *testing.T) {
		tr := startRoom(t, Config{})
		w, dir := tr.dial(t, "tcp"), tempDir(t)
		for i, name := range names {
			conn := named(t, dir, tr.unix, name)
			id := strconv.Itoa(i + 2)
			w.expect("User " + id + " joined! (unix)")
			// It hangs up with its welcome unread: the room's next
			// read then fails with an error that holds the name, where
			// the system says so (Linux does).
			waitUnread(t, conn)
			conn.Close()
			w.expect("User " + id + " left!")
		}
		checkLog(t, tr.log.String())
	})

	t.Run("when the room is full", func(t *testing.T) {
		tr := startRoom(t, Config{MaxClients: 1})
		tr.dial(t, "tcp")
		dir := tempDir(t)
		for _, name := range names {
			r := bufio.NewReader(named(t, dir, tr.unix, name))
			if line, err := r.ReadString('\n'); err != nil ||
				!strings.HasPrefix(line, "error: ") {
				t.Fatalf("%q: got %q, %v; want an error", name, line, err)
			}
		}
		checkLog(t, tr.log.String())
	})
}
