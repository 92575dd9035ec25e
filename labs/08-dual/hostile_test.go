package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// setLimit sets one of the server's limits to v until the test ends.
// Call it before startServer.
func setLimit[T any](t testing.TB, limit *T, v T) {
	t.Helper()
	old := *limit
	*limit = v
	t.Cleanup(func() { *limit = old })
}

// expectRefusal fails the test unless the next line the member receives
// is an error that names the character code (when code is not "").
func (m *member) expectRefusal(code string) {
	m.t.Helper()
	if got := m.read(); !strings.HasPrefix(got, "error: ") ||
		!strings.Contains(got, code) {
		m.t.Fatalf("User %d got %q, want an error naming %s", m.id, got,
			code)
	}
}

func TestServerRefusesControlCharacters(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		for _, door := range []string{"tcp", "unix"} {
			t.Run("through the "+door+" door", func(t *testing.T) {
				checkGoroutines(t)
				s := srv.start(t)
				a, b := join(t, s, door), join(t, s, door)
				a.expect("User 2 joined! (" + door + ")")
				for _, h := range hostile {
					a.send(h.sent + "\n")
					code := h.refused
					if !srv.firstFault && !utf8.ValidString(h.sent) {
						code = "" // Either fault may be named.
					}
					a.expectRefusal(code)
					// b's next line is this one: nothing of the refused
					// line came before it.
					a.send("ok\n")
					b.expect("User 1: ok")
				}
				a.send("a\r\r\n")
				a.expectRefusal("U+000D")
				a.send(plain + "\r\n")
				b.expect("User 1: " + plain)
				b.send("bye\n")
				a.expect("User 2: bye")
				checkInert(t, s.logs.String())
			})
		}
	})
}

// expectCutOff fails the test unless the member is told, with an error
// line, that it took too long, and the server then hangs up. (A client
// still sending when the server closes its connection gets a reset
// rather than an EOF: the server left bytes unread.)
func (m *member) expectCutOff() {
	m.t.Helper()
	if got := m.read(); !strings.HasPrefix(got, "error: ") {
		m.t.Fatalf("User %d got %q, want an error", m.id, got)
	}
	m.conn.SetReadDeadline(time.Now().Add(timeout))
	line, err := m.r.ReadString('\n')
	if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		m.t.Fatalf("User %d: read = %q, %v; want the server to hang up",
			m.id, line, err)
	}
}

func TestLineTimeout(t *testing.T) {
	t.Run("half a line is cut off after -line-timeout, and not relayed",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &lineTimeout, 100*time.Millisecond)
			s := startServer(t)
			a, b := join(t, s, "tcp"), join(t, s, "unix")
			a.expect("User 2 joined! (unix)")
			b.send("half a li")
			b.expectCutOff()
			a.expect("User 2 left!")
			s.logs.waitFor(t, ": line not finished")
		})

	t.Run("a client that trickles a line a byte at a time is cut off",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &lineTimeout, 300*time.Millisecond)
			s := startServer(t)
			slow := join(t, s, "tcp")
			start := time.Now()
			done := trickle(slow.conn)
			slow.expectCutOff()
			if took := time.Since(start); took < lineTimeout {
				t.Errorf("cut off after %v, before -line-timeout %v",
					took, lineTimeout)
			}
			<-done
		})

	t.Run("a line over -max-line that then trickles is cut off too",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &maxLine, 16)
			setLimit(t, &lineTimeout, 300*time.Millisecond)
			s := startServer(t)
			slow := join(t, s, "tcp")
			start := time.Now()
			slow.send(strings.Repeat("x", 100))
			slow.expectRefusal("") // too long
			done := trickle(slow.conn)
			slow.expectCutOff()
			if took := time.Since(start); took < lineTimeout {
				t.Errorf("cut off after %v, before -line-timeout %v",
					took, lineTimeout)
			}
			<-done
		})

	t.Run("clients silent between lines are never cut off",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &lineTimeout, 200*time.Millisecond)
			s := startServer(t)
			idle, a := join(t, s, "unix"), join(t, s, "tcp")
			idle.expect("User 2 joined! (tcp)")
			a.send("hi\n")
			idle.expect("User 2: hi")
			// slow is cut off lineTimeout after its first byte: by
			// then idle and a have been silent for longer than that.
			slow := join(t, s, "unix")
			slow.send("x")
			slow.expectCutOff()
			idle.expect("User 3 joined! (unix)", "User 3 left!")
			idle.send("still here\n")
			a.expect("User 3 joined! (unix)", "User 3 left!",
				"User 1: still here")
			a.send("me too\n")
			idle.expect("User 2: me too")
		})

	t.Run("a client sending for longer than -line-timeout, "+
		"one short line after the other, is not cut off",
		func(t *testing.T) {
			checkGoroutines(t)
			setLimit(t, &lineTimeout, 250*time.Millisecond)
			s := startServer(t)
			a, b := join(t, s, "tcp"), join(t, s, "unix")
			a.expect("User 2 joined! (unix)")
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			// Every write ends in the middle of a line, so that the
			// server never waits between lines: each line must get a
			// deadline of its own.
			a.send("line 0, first half ")
			start := time.Now()
			for i := 0; time.Since(start) < 3*lineTimeout; i++ {
				a.send(fmt.Sprintf("and second half\nline %d, first half ",
					i+1))
				b.expect(fmt.Sprintf("User 1: line %d, first half "+
					"and second half", i))
				<-tick.C
			}
		})
}

func TestLineTimeoutFlag(t *testing.T) {
	path := filepath.Join(tempDir(t), "p.sock")
	out := newLogBuffer()
	needSignals(t)
	cmd, done := startMain(t, out, "server", "-addr", "127.0.0.1:0",
		"-path", path, "-line-timeout", "100ms")
	out.waitFor(t, "Listening on "+path)
	m := join(t, &testServer{path: path}, "unix")
	m.send("half a li")
	m.expectCutOff()
	out.waitFor(t, ": line not finished within 100ms")
	cmd.Process.Signal(os.Interrupt)
	if err := waitExit(t, done); err != nil {
		t.Errorf("exit: %v\n%s", err, out)
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
			conn.SetWriteDeadline(time.Now().Add(timeout))
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	return done
}

// rawServer serves one connection on a Unix socket until the test ends:
// it writes text, unfiltered, as a server that trusts its clients would
// relay it, and hangs up. It returns the socket's path.
func rawServer(t testing.TB, text string) string {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(tempDir(t), "raw.sock"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(text)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.Write(data)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// openStdin returns a stdin that stays open, with nothing on it, until
// the test ends: a terminal nobody types on. (At the end of stdin the
// client leaves, and would say so.)
func openStdin(t testing.TB) io.Reader {
	t.Helper()
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	return r
}

// clientOutput runs runClient against a raw server that sends text, with
// nothing typed on stdin, and returns what the client wrote to stdout.
func clientOutput(t testing.TB, text string) string {
	t.Helper()
	path := rawServer(t, text)
	out := newLogBuffer()
	err := runClient(context.Background(), dial(t, "unix", path),
		openStdin(t), out)
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestClientShowsHostileTextInert(t *testing.T) {
	checkGoroutines(t)
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString("User 2: " + h.sent + "\n")
	}
	all.WriteString("User 2: " + plain + "\r\n")
	out := clientOutput(t, all.String())
	checkInert(t, out)
	for _, h := range hostile {
		if !strings.Contains(out, "User 2: "+h.shown+"\n") {
			t.Errorf("output does not show %s as %q:\n%s", h.what,
				h.shown, out)
		}
	}
	if !strings.HasSuffix(out, plain+"\nThe server hung up.\n") {
		t.Errorf("output does not end in the plain line:\n%s", out)
	}
}

func TestClientLongLines(t *testing.T) {
	t.Run("a 100 KiB line is cut with a note, and the next line shown",
		func(t *testing.T) {
			checkGoroutines(t)
			out := clientOutput(t, strings.Repeat("x", 100<<10)+
				"\nnext line\n")
			want := strings.Repeat("x", maxShown) + " [" +
				strconv.Itoa(100<<10-maxShown) + " more bytes not shown]\n" +
				"next line\nThe server hung up.\n"
			if !strings.HasSuffix(out, want) {
				t.Errorf("output ends in %q, want %q",
					out[max(0, len(out)-100):], want[len(want)-100:])
			}
		})

	t.Run("a 16 MiB line costs a few buffers of memory, not 16 MiB",
		func(t *testing.T) {
			checkGoroutines(t)
			text := strings.Repeat("x", 16<<20) + "\nnext line\n"
			path := rawServer(t, text)
			out := newLogBuffer()
			conn := dial(t, "unix", path)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := runClient(context.Background(), conn,
				openStdin(t), out)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(out.String(), "next line\n"+
				"The server hung up.\n") {
				t.Errorf("the next line is missing:\n%.200s", out)
			}
			grown := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB while 16 MiB went by", grown>>10)
			if grown > 2<<20 {
				t.Errorf("allocated %d KiB while 16 MiB went by; "+
					"is the client holding the line?", grown>>10)
			}
		})
}

func TestNextLine(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // each line, and how much was cut after "+"
	}{
		{"lines end in \\n or \\r\\n", "a\nb\r\n", []string{"a+0", "b+0"}},
		{"a last line without \\n still counts", "a\nb",
			[]string{"a+0", "b+0"}},
		{"a line longer than the buffer is cut, the next is whole",
			strings.Repeat("x", 40) + "\nok\n",
			[]string{strings.Repeat("x", 16) + "+24", "ok+0"}},
		{"no half of a character is shown at the cut",
			strings.Repeat("x", 15) + "日本\n",
			[]string{strings.Repeat("x", 15) + "+6"}},
		{"a cut line that ends at EOF still counts",
			strings.Repeat("é", 20),
			[]string{strings.Repeat("é", 8) + "+24"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per Read, too: cut lines cross many reads.
			for _, r := range []func() *bufio.Reader{
				func() *bufio.Reader {
					return bufio.NewReaderSize(strings.NewReader(tt.in), 16)
				},
				func() *bufio.Reader {
					return bufio.NewReaderSize(iotest.OneByteReader(
						strings.NewReader(tt.in)), 16)
				},
			} {
				in := r()
				var got []string
				for {
					line, cut, err := nextLine(in)
					if err != nil {
						break
					}
					got = append(got, line+"+"+strconv.Itoa(cut))
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestServerLogsClientNamesQuoted(t *testing.T) {
	checkGoroutines(t)
	s := startServer(t)
	server := &net.UnixAddr{Name: s.path, Net: "unix"}
	// A client names its socket by binding it to a path of its choice:
	// any bytes but "/" and NUL.
	names := []string{"\x1b]2;PWNED\x07\nUser 9 joined (fake)"}
	for _, h := range hostile {
		if !strings.ContainsAny(h.sent, "/\x00") {
			names = append(names, h.sent)
		}
	}
	dir := tempDir(t)
	for i, name := range names {
		self := &net.UnixAddr{Name: filepath.Join(dir, name), Net: "unix"}
		conn, err := net.DialUnix("unix", self, server)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		// It hangs up with its welcome unread: the server's next read
		// then fails with an error that holds the name, where the
		// system says so (Linux does).
		waitUnread(t, conn)
		conn.Close()
		s.logs.waitFor(t, fmt.Sprintf("is User %d", i+1))
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	out := s.logs.String()
	checkInert(t, out)
	if strings.Contains(out, "\nUser 9 joined (fake)") {
		t.Errorf("a client's name began a log line:\n%s", out)
	}
}
