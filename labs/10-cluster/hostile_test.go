package main

import (
	"bufio"
	"context"
	"errors"
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

// TestLineTimeoutFlag checks that -line-timeout reaches the room; the
// room's own tests (package chat) cover how the limit works.
func TestLineTimeoutFlag(t *testing.T) {
	needSignals(t)
	path := filepath.Join(tempDir(t), "p.sock")
	out := newLogBuffer()
	cmd, done := startMain(t, out, "server", "-addr", "127.0.0.1:0",
		"-path", path, "-line-timeout", "100ms")
	out.waitFor(t, "Listening on "+path)
	m := join(t, &testServer{path: path}, "unix")
	m.send("half a li")
	m.expectCutOff()
	out.waitFor(t, "cut off: line not finished within 100ms")
	cmd.Process.Signal(os.Interrupt)
	if err := waitExit(t, done); err != nil {
		t.Errorf("exit: %v\n%s", err, out)
	}
}

// rawServer serves one connection through the door ("tcp" or "unix")
// until the test ends: it writes text, unfiltered, as a server that
// trusts its clients would relay it, and hangs up. It returns the
// address to dial.
func rawServer(t testing.TB, door, text string) string {
	t.Helper()
	address := "127.0.0.1:0"
	if door == "unix" {
		address = filepath.Join(tempDir(t), "raw.sock")
	}
	ln, err := net.Listen(door, address)
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

// clientOutput runs runClient through the door against a raw server
// that sends text, with nothing on stdin, and returns what the client
// wrote to stdout.
func clientOutput(t testing.TB, door, text string) string {
	t.Helper()
	address := rawServer(t, door, text)
	out := newLogBuffer()
	err := runClient(context.Background(), dial(t, door, address),
		openStdin(t), out)
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestClientShowsHostileTextInert(t *testing.T) {
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString("User 2: " + h.sent + "\n")
	}
	all.WriteString("User 2: " + plain + "\r\n")
	for _, door := range []string{"tcp", "unix"} {
		t.Run("through a "+door+" socket", func(t *testing.T) {
			checkGoroutines(t)
			out := clientOutput(t, door, all.String())
			checkInert(t, out)
			for _, h := range hostile {
				if !strings.Contains(out, "User 2: "+h.shown+"\n") {
					t.Errorf("output does not show %s as %q:\n%s",
						h.what, h.shown, out)
				}
			}
			if !strings.HasSuffix(out, plain+"\nThe server hung up.\n") {
				t.Errorf("output does not end in the plain line:\n%s", out)
			}
		})
	}
}

func TestClientLongLines(t *testing.T) {
	t.Run("a 100 KiB line is cut with a note, and the next line shown",
		func(t *testing.T) {
			checkGoroutines(t)
			out := clientOutput(t, "tcp", strings.Repeat("x", 100<<10)+
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
			address := rawServer(t, "unix", text)
			out := newLogBuffer()
			conn := dial(t, "unix", address)
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
