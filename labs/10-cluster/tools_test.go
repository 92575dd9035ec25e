package main

import (
	"context"
	"io"
	"net"
	"os/exec"
	"testing"
	"time"
)

// startTool starts a client program nobody here wrote. The test writes
// its stdin and watches its stdout; done receives its exit status. It
// skips the test if the program is not installed.
func startTool(t testing.TB, name string, args ...string) (
	stdin io.WriteCloser, stdout *logBuffer, done <-chan error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (%v); install it to run this test",
			name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	cmd := exec.CommandContext(ctx, name, args...)
	stdout = newLogBuffer()
	cmd.Stdout, cmd.Stderr = stdout, stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errc, exited := make(chan error, 1), make(chan struct{})
	go func() {
		errc <- cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stdin.Close()
		cancel()
		<-exited
	})
	return stdin, stdout, errc
}

// pyChat is a chat client written with Python's socket module: over TCP
// for an argument "tcp:host:port", over a Unix domain socket (AF_UNIX)
// for a path. It sends its stdin line by line, prints every line it
// receives, and exits when the server hangs up.
const pyChat = `
import socket, sys, threading
where = sys.argv[1]
if where.startswith("tcp:"):
    host, port = where[4:].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(where)
def send():
    for line in sys.stdin.buffer:
        s.sendall(line)
    s.shutdown(socket.SHUT_WR)
threading.Thread(target=send, daemon=True).start()
for line in s.makefile("rb"):
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
`

func TestRealClients(t *testing.T) {
	tools := []struct {
		name, door string
		args       func(address string) []string
	}{
		{"nc", "unix", func(path string) []string {
			return []string{"-N", "-U", path}
		}},
		{"socat", "unix", func(path string) []string {
			return []string{"-", "UNIX-CONNECT:" + path}
		}},
		{"python3", "unix", func(path string) []string {
			return []string{"-c", pyChat, path}
		}},
		{"nc", "tcp", func(addr string) []string {
			host, port, _ := net.SplitHostPort(addr)
			return []string{"-N", host, port}
		}},
		{"socat", "tcp", func(addr string) []string {
			return []string{"-", "TCP:" + addr}
		}},
		{"python3", "tcp", func(addr string) []string {
			return []string{"-c", pyChat, "tcp:" + addr}
		}},
	}
	eachServer(t, func(t *testing.T, srv server) {
		for _, tool := range tools {
			t.Run(tool.name+" over "+tool.door+" chats with a Go client",
				func(t *testing.T) {
					checkGoroutines(t)
					s := srv.start(t)
					a := join(t, s, "tcp")
					_, address := s.door(tool.door)
					stdin, out, done := startTool(t, tool.name,
						tool.args(address)...)
					out.waitFor(t, "Welcome to the chat, you are User 2!\n")
					a.expect("User 2 joined! (" + tool.door + ")")
					io.WriteString(stdin, "hello from "+tool.name+"\r\n")
					a.expect("User 2: hello from " + tool.name)
					a.send("hello back\n")
					out.waitFor(t, "User 1: hello back\n")
					// The end of its stdin makes it half-close; the server
					// then hangs up, and the program exits.
					stdin.Close()
					a.expect("User 2 left!")
					select {
					case err := <-done:
						if err != nil {
							t.Errorf("%s: %v\n%s", tool.name, err, out)
						}
					case <-time.After(timeout):
						t.Errorf("%s did not exit after the server hung up",
							tool.name)
					}
					s.logs.waitFor(t, "User 2 left\n")
				})
		}
	})
}
