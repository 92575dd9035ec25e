package main

import (
	"context"
	"io"
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

// pyChat is a chat client written with Python's socket module, over a
// Unix domain socket (AF_UNIX): it sends its stdin line by line, prints
// every line it receives, and exits when the server hangs up.
const pyChat = `
import socket, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
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
		name string
		args func(path string) []string
	}{
		{"nc", func(path string) []string {
			return []string{"-N", "-U", path}
		}},
		{"socat", func(path string) []string {
			return []string{"-", "UNIX-CONNECT:" + path}
		}},
		{"python3", func(path string) []string {
			return []string{"-c", pyChat, path}
		}},
	}
	eachServer(t, func(t *testing.T, s server) {
		for _, tool := range tools {
			t.Run(tool.name+" chats with a Go client", func(t *testing.T) {
				checkGoroutines(t)
				path, logs, _ := s.start(t)
				a := join(t, path)
				stdin, out, done := startTool(t, tool.name, tool.args(path)...)
				out.waitFor(t, "Welcome to the chat, you are User 2!\n")
				a.expect("User 2 joined!")
				io.WriteString(stdin, "hello from "+tool.name+"\r\n")
				a.expect("User 2: hello from " + tool.name)
				a.send("hello back\n")
				out.waitFor(t, "User 1: hello back\n")
				// The end of its stdin makes it half-close; the server then
				// says goodbye by hanging up, and the program exits.
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
				logs.waitFor(t, s.unnamed+" hung up\n")
			})
		}
	})
}
