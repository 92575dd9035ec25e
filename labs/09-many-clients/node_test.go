package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A server is one of this lab's two servers, as the tests see it.
type server struct {
	start func(t testing.TB) *testServer
	// unnamed is how the server's log names a client whose socket has no
	// name: Go says "@", and Node, which has no address for either end
	// of a Unix socket, "undefined".
	unnamed string
	// firstFault is true if a refusal names the first fault in a line,
	// as Go's checkText does. Node's TextDecoder finds bytes that are
	// not UTF-8 before the server looks for controls.
	firstFault bool
}

// eachServer runs test twice: against the Go server, which startServer
// runs in this process, and against its Node twin, node/server.js, which
// startNodeServer runs as a child process.
func eachServer(t *testing.T, test func(t *testing.T, s server)) {
	t.Run("the Go server", func(t *testing.T) {
		test(t, server{startServer, "@", true})
	})
	t.Run("the Node server", func(t *testing.T) {
		test(t, server{startNodeServer, "undefined", false})
	})
}

// A nodeProcess is one of this lab's Node programs, running under node.
type nodeProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *logBuffer    // stdout and stderr, as a terminal shows them
	done  chan struct{} // closed once the process has exited
	err   error         // what cmd.Wait returned, once done is closed
	stop  func() error
}

// needNode skips the test if node is not installed.
func needNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skipf("node is not installed (%v); install Node.js (18 or "+
			"newer) to run the Node version of this lab", err)
	}
	if runtime.GOOS == "windows" {
		t.Skip("these tests stop Node with Ctrl-C (SIGINT), which " +
			"one program cannot send another on Windows")
	}
}

// startNode runs node/script with args until the test ends, and skips
// the test if node is not installed.
func startNode(t testing.TB, script string, args ...string) *nodeProcess {
	t.Helper()
	needNode(t)
	return startProcess(t, exec.Command("node",
		append([]string{"node/" + script}, args...)...))
}

// startProcess starts cmd, a Node program or a shell that runs one with
// exec, until the test ends. Its stop sends it SIGINT, as Ctrl-C does,
// and waits for it to exit.
func startProcess(t testing.TB, cmd *exec.Cmd) *nodeProcess {
	t.Helper()
	p := &nodeProcess{cmd: cmd, out: newLogBuffer(),
		done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	p.stop = sync.OnceValue(func() error {
		p.interrupt()
		select {
		case <-p.done:
		case <-time.After(timeout):
			p.cmd.Process.Kill()
			<-p.done
			return fmt.Errorf("%s did not stop within %v of SIGINT:\n%s",
				p.cmd, timeout, p.out)
		}
		return p.result()
	})
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// interrupt sends the process SIGINT, as Ctrl-C in its terminal does.
func (p *nodeProcess) interrupt() {
	p.cmd.Process.Signal(os.Interrupt)
}

// result returns nil if the process, which has exited, ended normally or
// by a signal (SIGINT, from interrupt), and an error with its output if
// it failed.
func (p *nodeProcess) result() error {
	if code := p.cmd.ProcessState.ExitCode(); code > 0 {
		return fmt.Errorf("%s: %v\n%s", p.cmd, p.err, p.out)
	}
	return nil
}

// listening matches the line in which a server says where it listens.
var listening = regexp.MustCompile(`Listening on (\S+)\n`)

// startNodeServer runs node/server.js with both doors, on 127.0.0.1:0
// and on a socket in a fresh temporary folder, until the test ends, as
// startServer runs serve: its output is the log, and stop sends it
// SIGINT, as Ctrl-C does, and waits for it to exit.
func startNodeServer(t testing.TB) *testServer {
	t.Helper()
	s := &testServer{path: filepath.Join(tempDir(t), "chat.sock")}
	p := startNode(t, "server.js", "--addr", "127.0.0.1:0",
		"--path", s.path)
	s.logs, s.stop, s.pid = p.out, p.stop, p.cmd.Process.Pid
	s.addr = p.out.waitMatch(t, listening)[1]
	p.out.waitFor(t, "Listening on "+s.path+"\n")
	return s
}

// startNodeClient runs node/client.js through the server's door ("tcp"
// or "unix") until the test ends, as startClient runs runClient.
// Closing stdin is the learner's Ctrl-D; done receives nil once the
// client has exited, or an error if it failed. local is the client's
// own address, as it printed it.
func startNodeClient(t testing.TB, ctx context.Context, s *testServer,
	door string) (stdin io.WriteCloser, out *logBuffer, done <-chan error,
	local string) {
	t.Helper()
	args := []string{"--addr", s.addr}
	if door == "unix" {
		args = []string{"--path", s.path}
	}
	p := startNode(t, "client.js", args...)
	stopInterrupt := context.AfterFunc(ctx, p.interrupt)
	t.Cleanup(func() { stopInterrupt() })
	errc := make(chan error, 1)
	go func() {
		<-p.done
		errc <- p.result()
	}()
	local = p.out.waitMatch(t, thisEnd)[1]
	return p.stdin, p.out, errc, local
}

// thisEnd is the line in which a client prints its own address.
var thisEnd = regexp.MustCompile(`(?m)^  this end [^:\n]*:\s+(\S+)\n`)

// runNode runs node/script with args to its end, and returns its output
// and exit status.
func runNode(t testing.TB, script string, args ...string) (string, int) {
	t.Helper()
	needNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node",
		append([]string{"node/" + script}, args...)...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("node %s did not exit within %v:\n%s", script, timeout,
			out)
	}
	if exit != nil {
		return string(out), exit.ExitCode()
	}
	return string(out), 0
}

// TestNodeDoors shows the Node server's two doors beside the Go
// server's.
func TestNodeDoors(t *testing.T) {
	t.Run("each door describes its own kind of address", func(t *testing.T) {
		s := startNodeServer(t)
		s.logs.waitFor(t, "Listening on "+s.addr+"\n"+
			"{ address: '127.0.0.1', family: 'IPv4', port: "+
			port(t, s.addr)+" }\n")
		s.logs.waitFor(t, "Listening on "+s.path+"\n"+
			"  server.address(): '"+s.path+"'\n")
	})

	t.Run("a busy port stops it before it makes its socket file",
		func(t *testing.T) {
			s := startServer(t)
			path := filepath.Join(tempDir(t), "busy.sock")
			out, code := runNode(t, "server.js", "--addr", s.addr,
				"--path", path)
			if code != 1 || !regexp.MustCompile(`EADDRINUSE.*\n\(is `+
				`another server still running`).MatchString(out) {
				t.Errorf("exit status %d, output\n%s\nwant 1 and "+
					"EADDRINUSE", code, out)
			}
			gone(t, path)
		})

	t.Run("no door at all, or two for a client, is a usage error",
		func(t *testing.T) {
			for _, args := range [][]string{
				{"server.js", "--addr=", "--path="},
				{"client.js", "--addr", "127.0.0.1:1", "--path", "/nowhere"},
			} {
				out, code := runNode(t, args[0], args[1:]...)
				if code != 2 {
					t.Errorf("%v: exit status %d, want 2\n%s", args, code,
						out)
				}
			}
		})

	t.Run("the client goes through the door its flag names",
		func(t *testing.T) {
			s := startServer(t)
			a := join(t, s, "tcp")
			for i, door := range []string{"tcp", "unix"} {
				id := strconv.Itoa(i + 2)
				stdin, out, done, _ := startNodeClient(t,
					context.Background(), s, door)
				a.expect("User " + id + " joined! (" + door + ")")
				out.waitFor(t, "you are User "+id+"!")
				stdin.Close()
				a.expect("User " + id + " left!")
				if err := wait(t, done); err != nil {
					t.Errorf("client through %s: %v\n%s", door, err, out)
				}
				out.waitFor(t, "You left the chat.\n")
			}
		})
}

// flood joins a client that then stops reading, and sends total bytes of
// 4 KiB lines to the room from a second client while a third reads
// them all, through the Unix door. It reports whether the room cut the
// first client off, that is whether the third heard that it left.
func flood(t testing.TB, s *testServer, total int) bool {
	t.Helper()
	join(t, s, "unix") // User 1, who reads no more
	sender, reader := join(t, s, "unix"), join(t, s, "unix")
	sender.expect("User 3 joined! (unix)")
	line := strings.Repeat("x", 4095) + "\n"
	n := total / len(line)
	left := make(chan bool, 1)
	go func() {
		reader.conn.SetReadDeadline(time.Now().Add(timeout))
		heard := false
		for seen := 0; seen < n; {
			l, err := reader.r.ReadString('\n')
			switch {
			case err != nil:
				left <- heard
				return
			case l == "User 1 left!\n":
				heard = true
			case strings.HasPrefix(l, "User 2: "):
				seen++
			}
		}
		left <- heard
	}()
	sender.conn.SetWriteDeadline(time.Now().Add(timeout))
	for range n {
		if _, err := io.WriteString(sender.conn, line); err != nil {
			t.Fatalf("sending: %v", err)
		}
	}
	return <-left
}

// rss returns the resident memory of the process pid, from /proc.
func rss(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here to measure memory: %v", err)
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no VmRSS in /proc/%d/status", pid)
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return kb << 10
}

// TestSlowReader shows where the Node server, written as a course would
// write it, differs from the Go room: a client that stops reading.
func TestSlowReader(t *testing.T) {
	const total = 16 << 20

	t.Run("the Go server cuts it off once it is 4 MiB behind",
		func(t *testing.T) {
			checkGoroutines(t)
			if !flood(t, startServer(t), total) {
				t.Errorf("%d MiB later, the client that stopped reading "+
					"is still in the room", total>>20)
			}
		})

	t.Run("the Node server keeps it, and keeps its lines in memory",
		func(t *testing.T) {
			s := startNodeServer(t)
			before := rss(t, s.pid)
			if flood(t, s, total) {
				t.Fatal("the Node server cut the client off")
			}
			// All but what the kernel's buffers took waits in Node.
			if grown := rss(t, s.pid) - before; grown < total/2 {
				t.Errorf("the server grew by %d KiB for %d MiB that a "+
					"client did not read; want at least half of that",
					grown>>10, total>>20)
			}
		})
}
