package main

import (
	"bufio"
	"io"
	"net"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/term"
)

// startNodeTerminalClient runs node/client.js on a new pseudo-terminal,
// as a learner runs it, against a server on 127.0.0.1:0 that the test
// plays, and waits for the prompt. It returns a terminalClient, as
// startTerminalClient does for the Go client.
func startNodeTerminalClient(t testing.TB) *terminalClient {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skipf("node is not installed (%v); install Node.js (18 or "+
			"newer) to run the Node version of this lab", err)
	}
	ptmx, tty := openPTY(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command("node", "node/client.js", "--addr",
		ln.Addr().String())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	c := &terminalClient{t: t, keys: ptmx, screen: newLogBuffer()}
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
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done, exited := make(chan error, 1), make(chan struct{})
	go func() {
		done <- cmd.Wait()
		close(exited)
	}()
	c.done = done
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(timeout))
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetDeadline(time.Now().Add(timeout))
	c.srv, c.sent = srv, bufio.NewReader(srv)
	c.waitShown("(remoteAddress): ", func(after string) bool {
		return strings.Contains(after, prompt)
	})
	return c
}

// expectExit waits for the Node client to exit, and fails the test
// unless it exited normally and put the terminal back as it was.
func (c *terminalClient) expectExit() {
	c.t.Helper()
	if err := wait(c.t, c.done); err != nil {
		c.t.Errorf("node client.js: %v\n%q", err, c.screen)
	}
	if after := c.tty(); !reflect.DeepEqual(after, c.before) {
		c.t.Errorf("the terminal was left as %+v, not put back as %+v",
			after, c.before)
	}
}

// typed returns a function that reports whether text shows what was
// typed. Readline moves the cursor with escape sequences as it draws:
// we leave them out.
func typed(what string) func(text string) bool {
	escape := regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	return func(text string) bool {
		return strings.HasPrefix(escape.ReplaceAllString(text, ""), what)
	}
}

func TestNodeTerminal(t *testing.T) {
	t.Run("a message does not wipe out the half line you are typing, "+
		"which then goes out whole", func(t *testing.T) {
		c := startNodeTerminalClient(t)
		c.typeKeys("hel")
		c.waitShown(prompt, typed("hel"))
		io.WriteString(c.srv, "User 2: hi\n")
		// The message is shown on a line of its own, then the prompt and
		// the half line again below it.
		c.waitShown("User 2: hi\r\n", func(after string) bool {
			i := strings.Index(after, prompt)
			return i >= 0 && typed("hel")(after[i+len(prompt):])
		})
		c.typeKeys("lo\r")
		c.expectSent("hello")
		c.srv.Close()
		c.expectExit()
		c.screen.waitFor(t, "The server hung up.")
	})

	t.Run("Ctrl-D says that you left, not that the server hung up",
		func(t *testing.T) {
			c := startNodeTerminalClient(t)
			c.typeKeys("\x04")
			// The client half-closes; this server hangs up in turn.
			if line, err := c.sent.ReadString('\n'); err != io.EOF {
				t.Fatalf("the server got %q, %v; want EOF", line, err)
			}
			c.srv.Close()
			c.expectExit()
			c.waitShown(prompt, func(after string) bool {
				return strings.Contains(after, "You left the chat.") &&
					!strings.Contains(after, "hung up")
			})
		})

	t.Run("Ctrl-C ends the line and stops the client, sending nothing",
		func(t *testing.T) {
			c := startNodeTerminalClient(t)
			c.typeKeys("hel")
			c.waitShown(prompt, typed("hel"))
			c.typeKeys("\x03")
			c.expectExit()
			if line, err := c.sent.ReadString('\n'); err != io.EOF {
				t.Errorf("the server got %q, %v; want EOF", line, err)
			}
			c.waitShown(prompt, func(after string) bool {
				return typed("hel")(after) && ended(after)
			})
		})
}
