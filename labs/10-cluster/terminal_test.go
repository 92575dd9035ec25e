package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/term"
)

// A terminalClient is runClient on a pseudo-terminal, as a learner runs
// it. The test types on keys and reads the screen; it plays the server
// on srv, the other end of the client's connection.
type terminalClient struct {
	t      testing.TB
	keys   io.Writer
	screen *logBuffer
	srv    net.Conn
	sent   *bufio.Reader // what the client sent to the server
	done   <-chan error
	cancel context.CancelFunc
	before *term.State // the terminal's settings before runClient
	tty    func() *term.State
}

// startTerminalClient starts runClient on a new pseudo-terminal, against
// a server on 127.0.0.1:0 that the test plays, and waits for the prompt.
func startTerminalClient(t testing.TB) *terminalClient {
	t.Helper()
	ptmx, tty := openPTY(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetDeadline(time.Now().Add(timeout))

	c := &terminalClient{t: t, keys: ptmx, screen: newLogBuffer(),
		srv: srv, sent: bufio.NewReader(srv)}
	c.tty = func() *term.State {
		var state *term.State
		control(tty, func(fd int) { state, err = term.GetState(fd) })
		if err != nil {
			t.Fatal(err)
		}
		return state
	}
	c.before = c.tty()
	go io.Copy(c.screen, ptmx) // ends when the test closes ptmx
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- runClient(ctx, conn, tty, tty) }()
	c.done = done
	c.screen.waitFor(t, "\n"+prompt)
	return c
}

// typeKeys types text on the keyboard: "\r" is Enter, "\x03" Ctrl-C,
// "\x04" Ctrl-D.
func (c *terminalClient) typeKeys(text string) {
	c.t.Helper()
	if _, err := io.WriteString(c.keys, text); err != nil {
		c.t.Fatal(err)
	}
}

// expectSent fails the test unless the next line the server receives is
// want.
func (c *terminalClient) expectSent(want string) {
	c.t.Helper()
	line, err := c.sent.ReadString('\n')
	if err != nil || line != want+"\n" {
		c.t.Fatalf("the server got %q, %v; want %q", line, err, want)
	}
}

// expectEnd waits for runClient to return, and fails the test unless it
// returned nil and put the terminal back as it was.
func (c *terminalClient) expectEnd() {
	c.t.Helper()
	if err := wait(c.t, c.done); err != nil {
		c.t.Errorf("runClient = %v, want nil", err)
	}
	if after := c.tty(); !reflect.DeepEqual(after, c.before) {
		c.t.Errorf("the terminal was left as %+v, not put back as %+v",
			after, c.before)
	}
}

// waitShown waits until what the screen shows after the last time it
// showed text is accepted by ok, and fails the test on timeout.
func (c *terminalClient) waitShown(text string, ok func(after string) bool) {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		c.screen.mu.Lock()
		screen, changed := c.screen.buf.String(), c.screen.changed
		c.screen.mu.Unlock()
		after, found := "", false
		if i := strings.LastIndex(screen, text); i >= 0 {
			after, found = screen[i+len(text):], true
		}
		if found && ok(after) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("timed out; after %q the screen showed %q",
				text, after)
		}
	}
}

// ended reports whether the line was ended.
func ended(after string) bool { return strings.Contains(after, "\n") }

func TestTerminal(t *testing.T) {
	t.Run("a message does not wipe out the half line you are typing, "+
		"which then goes out whole", func(t *testing.T) {
		checkGoroutines(t)
		c := startTerminalClient(t)
		c.typeKeys("hel")
		c.screen.waitFor(t, prompt+"hel")
		io.WriteString(c.srv, "User 2: hi\n")
		// The message is shown on a line of its own, then the prompt and
		// the half line again below it.
		c.screen.waitFor(t, "User 2: hi\r\n"+prompt+"hel")
		c.typeKeys("lo\r")
		c.expectSent("hello")
		c.srv.Close()
		c.expectEnd()
	})

	t.Run("a line longer than one Read of the screen goes out whole",
		func(t *testing.T) {
			checkGoroutines(t)
			c := startTerminalClient(t)
			long := strings.Repeat("x", 3000)
			c.typeKeys(long + "\r")
			c.expectSent(long)
			c.srv.Close()
			c.expectEnd()
		})

	t.Run("Ctrl-D says that you left, not that the server hung up",
		func(t *testing.T) {
			checkGoroutines(t)
			c := startTerminalClient(t)
			c.typeKeys("\x04")
			// The client half-closes; this server hangs up in turn.
			if line, err := c.sent.ReadString('\n'); err != io.EOF {
				t.Fatalf("the server got %q, %v; want EOF", line, err)
			}
			c.srv.Close()
			c.expectEnd()
			c.waitShown(prompt, func(after string) bool {
				return strings.Contains(after, "left") && ended(after) &&
					!strings.Contains(after, "hung up")
			})
		})

	t.Run("Ctrl-C ends the line and stops the client, sending nothing",
		func(t *testing.T) {
			checkGoroutines(t)
			c := startTerminalClient(t)
			c.typeKeys("hel")
			c.screen.waitFor(t, prompt+"hel")
			c.typeKeys("\x03")
			c.expectEnd()
			if line, err := c.sent.ReadString('\n'); err != io.EOF {
				t.Errorf("the server got %q, %v; want EOF", line, err)
			}
			c.waitShown(prompt+"hel", ended)
		})

	t.Run("SIGTERM, which cancels ctx, ends the line and puts the "+
		"terminal back too", func(t *testing.T) {
		checkGoroutines(t)
		c := startTerminalClient(t)
		c.typeKeys("hel")
		c.screen.waitFor(t, prompt+"hel")
		c.cancel()
		c.expectEnd()
		c.waitShown(prompt+"hel", ended)
	})

	t.Run("a server that hangs up leaves no half line behind",
		func(t *testing.T) {
			checkGoroutines(t)
			c := startTerminalClient(t)
			c.typeKeys("hel")
			c.screen.waitFor(t, prompt+"hel")
			c.srv.Close()
			c.expectEnd()
			// The last thing drawn erases the line that held "hel".
			c.waitShown(prompt+"hel", func(after string) bool {
				return strings.HasSuffix(after, "\r\x1b[K")
			})
		})
}

func TestScreen(t *testing.T) {
	t.Run("elsewhere than a terminal, messages are plain lines and "+
		"there is no prompt", func(t *testing.T) {
		var out strings.Builder
		s, err := newScreen(strings.NewReader("hi\n"), &out)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		s.show("User 2: hi")
		s.end("The server hung up.")
		want := "User 2: hi\nThe server hung up.\n"
		if out.String() != want {
			t.Errorf("wrote %q, want %q", out.String(), want)
		}
		typed, err := io.ReadAll(s)
		if err != nil || string(typed) != "hi\n" {
			t.Errorf("read %q, %v; want the bytes of stdin", typed, err)
		}
	})

	t.Run("a pipe or /dev/null is not a terminal, a pseudo-terminal is",
		func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			null, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer null.Close()
			for _, f := range []*os.File{r, w, null} {
				if isTerminal(f) {
					t.Errorf("%s was taken for a terminal", f.Name())
				}
			}
			_, tty := openPTY(t)
			if !isTerminal(tty) {
				t.Errorf("%s was not taken for a terminal", tty.Name())
			}
		})
}
