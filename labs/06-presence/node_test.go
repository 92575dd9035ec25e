package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A serverStarter starts one of this lab's servers on 127.0.0.1:0 until
// the test ends, as startServer does: it returns the server's address,
// its log, and stop, which stops it and returns what went wrong.
type serverStarter func(t testing.TB) (addr string, logs *logBuffer,
	stop func() error)

// eachServer runs test twice: against the Go server, which startServer
// runs in this process, and against its Node twin, node/server.js, which
// startNodeServer runs as a child process.
func eachServer(t *testing.T, test func(t *testing.T, start serverStarter)) {
	t.Run("the Go server", func(t *testing.T) { test(t, startServer) })
	t.Run("the Node server", func(t *testing.T) {
		test(t, startNodeServer)
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

// startNode runs node/script with args until the test ends, and skips
// the test if node is not installed.
func startNode(t testing.TB, script string, args ...string) *nodeProcess {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skipf("node is not installed (%v); install Node.js (18 or "+
			"newer) to run the Node version of this lab", err)
	}
	if runtime.GOOS == "windows" {
		t.Skip("these tests stop Node with Ctrl-C (SIGINT), which " +
			"one program cannot send another on Windows")
	}
	p := &nodeProcess{out: newLogBuffer(), done: make(chan struct{})}
	p.cmd = exec.Command("node", append([]string{"node/" + script},
		args...)...)
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
			return fmt.Errorf("node %s did not stop within %v of "+
				"SIGINT:\n%s", script, timeout, p.out)
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

// exited reports whether the process has exited.
func (p *nodeProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
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

// listening is the line a server prints once it listens.
var listening = regexp.MustCompile(`Listening on (\S+)\n`)

// startNodeServer runs node/server.js on 127.0.0.1:0 until the test ends,
// as startServer runs serve: its output is the log, and stop sends it
// SIGINT, as Ctrl-C does, and waits for it to exit.
func startNodeServer(t testing.TB) (addr string, logs *logBuffer,
	stop func() error) {
	t.Helper()
	p := startNode(t, "server.js", "--addr", "127.0.0.1:0")
	addr = p.out.waitMatch(t, listening)[1]
	listeners.Store(addr, p)
	return addr, p.out, p.stop
}

// thisEnd is the line in which a client prints its own address.
var thisEnd = regexp.MustCompile(`(?m)^  this end [^:\n]*:\s+(\S+)\n`)

// startNodeClient runs node/client.js against addr until the test ends,
// as startClient runs runClient. Closing stdin is the learner's Ctrl-D,
// and canceling ctx sends SIGINT, as Ctrl-C does; done receives nil once
// the client has exited, normally or by SIGINT, or an error if it
// failed. local is the client's own address, from its output.
func startNodeClient(t testing.TB, ctx context.Context, addr string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error,
	local string) {
	t.Helper()
	p := startNode(t, "client.js", "--addr", addr)
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
