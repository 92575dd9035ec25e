package main

import (
	"context"
	"io"
	"os/exec"
	"regexp"
	"strings"
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

func TestRealClients(t *testing.T) {
	tools := []struct {
		name string
		args func(port string) []string
	}{
		{"nc", func(port string) []string {
			return []string{"-N", "127.0.0.1", port}
		}},
		{"python3", func(port string) []string {
			return []string{"python/chat.py", "--port", port}
		}},
	}
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		for _, tool := range tools {
			t.Run(tool.name+" chats with a raw client", func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a := join(t, addr)
				stdin, out, done := startTool(t, tool.name,
					tool.args(port(t, addr))...)
				out.waitFor(t, "Welcome to the chat, you are User 2!\n")
				a.expect("User 2 joined!")
				io.WriteString(stdin, "hello from "+tool.name+"\r\n")
				a.expect("User 2: hello from " + tool.name)
				a.send("hello back\n")
				out.waitFor(t, "User 1: hello back\n")
				// The end of its stdin makes it half-close; the server
				// then says goodbye by hanging up, and the program exits.
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
				logs.waitFor(t, "hung up\n")
			})
		}
	})
}

func TestPythonTools(t *testing.T) {
	t.Run("chat.py shows what a server sends, inert", func(t *testing.T) {
		checkGoroutines(t)
		var all strings.Builder
		for _, h := range hostile {
			all.WriteString("User 2: " + h.sent + "\n")
		}
		all.WriteString("User 2: " + plain + "\r\n")
		addr := rawServer(t, all.String())
		stdin, out, done := startTool(t, "python3", "python/chat.py",
			"--port", port(t, addr))
		defer stdin.Close()
		if err := <-done; err != nil {
			t.Fatalf("chat.py: %v\n%s", err, out)
		}
		checkInert(t, out.String())
		if !strings.HasSuffix(out.String(), "User 2: "+plain+"\n") {
			t.Errorf("output does not end in the plain line:\n%s", out)
		}
	})

	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("every line flood.py sends arrives, and it leaves cleanly",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a := join(t, addr)
				stdin, out, done := startTool(t, "python3",
					"python/flood.py", "--port", port(t, addr),
					"--lines", "2000", "--pause", "0")
				defer stdin.Close()
				a.expect("User 2 joined!")
				line := "User 2: " + strings.Repeat("x", 1000)
				for i := range 2000 {
					if got := a.read(); got != line {
						t.Fatalf("line %d is %.20q..., want %.20q...", i,
							got, line)
					}
				}
				if err := <-done; err != nil {
					t.Fatalf("flood.py: %v\n%s", err, out)
				}
				out.waitFor(t, "sent 2000 lines of 1000 bytes, then "+
					"read to the end:\n  Welcome to the chat, you are "+
					"User 2!\n")
				a.expect("User 2 left!")
				logs.waitFor(t, "hung up\n")
			})
	})

	// The Go server logs the reset every time. The Node server, in about
	// one run of three here, logs a hang-up instead, so this test runs
	// against the Go server only.
	t.Run("flood.py --no-read leaves its welcome unread, and the Go "+
		"server gets a reset", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		a := join(t, addr)
		stdin, out, done := startTool(t, "python3",
			"python/flood.py", "--port", port(t, addr),
			"--lines", "200", "--pause", "0", "--no-read")
		defer stdin.Close()
		flood := logs.waitMatch(t, regexp.MustCompile(
			`(\S+) is User 2\n`))[1]
		if err := <-done; err != nil {
			t.Fatalf("flood.py: %v\n%s", err, out)
		}
		logs.waitMatch(t, regexp.MustCompile(`(?m)^`+
			regexp.QuoteMeta(flood)+`: .*connection reset by peer$`))
		a.expect("User 2 joined!")
	})
}
