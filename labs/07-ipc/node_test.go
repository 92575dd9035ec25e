package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

// A serverStarter starts one of this lab's servers on a socket in a
// fresh temporary folder until the test ends, as startServer does: it
// returns the socket's path, the server's log, and stop, which stops it
// and returns what went wrong.
type serverStarter func(t testing.TB) (path string, logs *logBuffer,
	stop func() error)

// A server is one of this lab's two servers, as the tests see it.
type server struct {
	start serverStarter
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

// startNodeServer runs node/server.js on a socket in a fresh temporary
// folder until the test ends, as startServer runs serve: its output is
// the log, and stop sends it SIGINT, as Ctrl-C does, and waits for it to
// exit.
func startNodeServer(t testing.TB) (path string, logs *logBuffer,
	stop func() error) {
	t.Helper()
	path = filepath.Join(tempDir(t), "chat.sock")
	p := startNode(t, "server.js", "--path", path)
	p.out.waitFor(t, "Listening on "+path+"\n")
	return path, p.out, p.stop
}

// startNodeClient runs node/client.js against the socket at path until
// the test ends, as startClient runs runClient. Closing stdin is the
// learner's Ctrl-D; done receives nil once the client has exited, or an
// error if it failed.
func startNodeClient(t testing.TB, ctx context.Context, path string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error) {
	t.Helper()
	p := startNode(t, "client.js", "--path", path)
	stopInterrupt := context.AfterFunc(ctx, p.interrupt)
	t.Cleanup(func() { stopInterrupt() })
	errc := make(chan error, 1)
	go func() {
		<-p.done
		errc <- p.result()
	}()
	return p.stdin, p.out, errc
}

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

// inUse and startIt match what a Node program says when its path is
// taken, and when it finds no server.
var (
	inUse   = regexp.MustCompile(`EADDRINUSE.*\n\(is another server still running`)
	startIt = regexp.MustCompile(`\(is the server running\? start it with: ` +
		`node labs/07-ipc/node/server\.js\)`)
)

// TestNodeSocketFile shows what the Node server, written as a course
// would write it, does with its socket file, beside what the Go server
// does with it.
func TestNodeSocketFile(t *testing.T) {
	t.Run("its address is the path, a bare string", func(t *testing.T) {
		path, logs, _ := startNodeServer(t)
		logs.waitFor(t, "Listening on "+path+"\n"+
			"  server.address(): '"+path+"'\n")
		// Where Go has a *net.UnixAddr, the path and the network.
		_, goLogs, _ := startServer(t)
		goLogs.waitFor(t, "  ln.Addr(): &net.UnixAddr{Name:")
	})

	t.Run("Ctrl-C leaves the file behind, and the next start fails",
		func(t *testing.T) {
			path, _, stop := startNodeServer(t)
			join(t, path)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(path); err != nil ||
				fi.Mode().Type() != os.ModeSocket {
				t.Fatalf("after Ctrl-C: Lstat = %v, %v; want the socket "+
					"file left behind", fi, err)
			}
			out, code := runNode(t, "server.js", "--path", path)
			if code != 1 || !inUse.MatchString(out) {
				t.Errorf("a new Node server exited %d, saying\n%s\nwant "+
					"1 and EADDRINUSE", code, out)
			}
			// The Go server finds the file stale and takes its place.
			logs := newLogBuffer()
			ln, err := listenUnix(path, 0o600, log.New(logs, "", 0))
			if err != nil {
				t.Fatalf("the Go server did not recover the file: %v", err)
			}
			ln.Close()
			logs.waitFor(t, "Removed stale socket file "+path)
		})

	t.Run("the file's mode is what the umask leaves", func(t *testing.T) {
		needNode(t)
		for _, tt := range []struct {
			umask string
			want  os.FileMode
		}{{"000", 0o777}, {"022", 0o755}, {"077", 0o700}} {
			path := filepath.Join(tempDir(t), "u.sock")
			p := startProcess(t, exec.Command("sh", "-c",
				"umask "+tt.umask+" && exec node node/server.js --path "+
					`"$1"`, "sh", path))
			p.out.waitFor(t, "Listening on "+path+"\n")
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.want {
				t.Errorf("umask %s: mode %v, want %v", tt.umask,
					fi.Mode().Perm(), tt.want)
			}
			// With 0777, anyone on the machine may connect; the Go
			// server's file is 0600 whatever the umask.
			p.stop()
		}
	})
}

// TestNodeClient runs the Node client against the Go server.
func TestNodeClient(t *testing.T) {
	t.Run("it chats, and says that you left after Ctrl-D",
		func(t *testing.T) {
			checkGoroutines(t)
			path, logs, _ := startServer(t)
			a := join(t, path)
			stdin, out, done := startNodeClient(t, context.Background(),
				path)
			out.waitFor(t, "Connected to the server!\n"+
				"  this end (localAddress):   undefined\n"+
				"  other end (remoteAddress): undefined\n")
			out.waitFor(t, "Welcome to the chat, you are User 2!\n")
			a.expect("User 2 joined!")
			io.WriteString(stdin, "hello from Node\n")
			a.expect("User 2: hello from Node")
			a.send("hello back\n")
			out.waitFor(t, "User 1: hello back\n")
			stdin.Close()
			if err := wait(t, done); err != nil {
				t.Fatal(err)
			}
			out.waitFor(t, "You left the chat.\n")
			a.expect("User 2 left!")
			logs.waitFor(t, "@ hung up\n")
		})

	t.Run("with no server it says how to start one", func(t *testing.T) {
		for name, leave := range map[string]func(t testing.TB, path string){
			"no file": func(testing.TB, string) {}, "a stale file": leaveStaleSocket,
		} {
			path := filepath.Join(tempDir(t), "none.sock")
			leave(t, path)
			out, code := runNode(t, "client.js", "--path", path)
			if code != 1 || !startIt.MatchString(out) {
				t.Errorf("%s: the client exited %d, saying\n%s\nwant 1 and "+
					"how to start the server", name, code, out)
			}
		}
	})

	t.Run("it shows hostile text inert", func(t *testing.T) {
		var all string
		for _, h := range hostile {
			all += "User 2: " + h.sent + "\n"
		}
		path := rawServer(t, all)
		_, out, done := startNodeClient(t, context.Background(), path)
		if err := wait(t, done); err != nil {
			t.Fatal(err)
		}
		checkInert(t, out.String())
		out.waitFor(t, "The server hung up.\n")
	})
}
