package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/cmd/internal/testout"
)

// tapWait bounds every wait in the tap tests.
const tapWait = 20 * time.Second

func TestTapUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no flags is a usage error", nil, "both -listen and -to are required"},
		{"an unknown flag is a usage error", []string{"-x"}, "flag provided but not defined: -x"},
		{"a mode that is not octal is a usage error",
			[]string{"-listen", "a.sock", "-to", "b.sock", "-mode", "rw"}, `-mode "rw"`},
		{"an ambiguous address is a usage error",
			[]string{"-listen", "3008", "-to", "b.sock"}, "write :3008 for a TCP port"},
		{"an extra argument is a usage error",
			[]string{"-listen", "a.sock", "-to", "b.sock", "more"}, `unexpected argument "more"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"tap"}, tc.args...), &stdout, &stderr)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usageError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if code := exitCode(err, &stderr); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
		})
	}

	t.Run("-h prints the help and exits 0", func(t *testing.T) {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"tap", "-h"}, &stdout, io.Discard)
		if !errors.Is(err, flag.ErrHelp) || exitCode(err, io.Discard) != 0 {
			t.Errorf("err = %v, want flag.ErrHelp (exit 0)", err)
		}
		for _, want := range []string{"usage: inspect tap -listen L -to T", "-text", "-mode"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("help lacks %q:\n%s", want, stdout.String())
			}
		}
	})
}

func TestTapPrintsTraffic(t *testing.T) {
	t.Run("nc and python3 through the tap reach an echo server and are printed", func(t *testing.T) {
		tapNoLeaks(t)
		dir := tapShortDir(t)
		real := filepath.Join(dir, "real.sock")
		tapEchoServer(t, "unix", real)
		tapSock := filepath.Join(dir, "tap.sock")
		out, stop := tapStart(t, "-listen", tapSock, "-to", real)
		out.WaitFor(t, `(?m)^tap: Ctrl-C stops$`)
		tapCheckMode(t, tapSock, 0o600)

		if got := tapRunClient(t, "hello\n", "nc", "-N", "-U", tapSock); got != "hello\n" {
			t.Errorf("nc got %q back, want %q", got, "hello\n")
		}
		out.WaitFor(t, `(?m)^\S+ #1 close$`)
		py := `import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"from python\x00\x01")
s.shutdown(socket.SHUT_WR)
sys.stdout.write(repr(s.recv(100)))`
		if got := tapRunClient(t, "", "python3", "-c", py, tapSock); got != `b'from python\x00\x01'` {
			t.Errorf("python3 got %s back", got)
		}
		out.WaitFor(t, `(?m)^\S+ #2 close$`)

		if err := stop(); err != nil {
			t.Fatalf("runTap after cancel: %v", err)
		}
		if _, err := os.Lstat(tapSock); !os.IsNotExist(err) {
			t.Errorf("socket file left behind: %v", err)
		}
		for _, re := range []string{
			`(?m)^tap: relaying unix:` + regexp.QuoteMeta(tapSock) + ` -> unix:` + regexp.QuoteMeta(real) + `$`,
			`(?m)^tap: socket file mode 0600\ntap: AF_UNIX bytes never reach lo; these come from the relay, not from a capture$`,
			`(?m)^\d\d:\d\d:\d\d\.\d{6} #1 open client @ -> server unix:` + regexp.QuoteMeta(real) + `$`,
			`(?m)^\S+ #1 c>s 6 bytes\n\t0x0000:  6865 6c6c 6f0a +hello\.$`,
			`(?m)^\S+ #1 half-close c>s: end of stream passed on \(shutdown\)$`,
			`(?m)^\S+ #1 s>c 6 bytes\n\t0x0000:  6865 6c6c 6f0a +hello\.$`,
			`(?m)^\S+ #2 c>s 13 bytes\n\t0x0000:  6672 6f6d 2070 7974 686f 6e00 01 +from\.python\.\.$`,
			`(?m)^tap: stopped after 2 connections; 19 bytes c>s, 19 bytes s>c; 0 events dropped$`,
		} {
			if !regexp.MustCompile(re).MatchString(out.String()) {
				t.Errorf("output does not match %s:\n%s", re, out.String())
			}
		}
	})

	t.Run("-text prints quoted text, from a TCP listener to a Unix server", func(t *testing.T) {
		tapNoLeaks(t)
		real := filepath.Join(tapShortDir(t), "real.sock")
		tapEchoServer(t, "unix", real)
		out, stop := tapStart(t, "-text", "-listen", "127.0.0.1:0", "-to", real)
		m := regexp.MustCompile(`(?m)^tap: relaying tcp:(127\.0\.0\.1:\d+) -> `).
			FindStringSubmatch(out.WaitFor(t, `(?m)^tap: Ctrl-C stops$`))
		if m == nil {
			t.Fatalf("no TCP address in:\n%s", out.String())
		}
		host, port, _ := net.SplitHostPort(m[1])
		if got := tapRunClient(t, "hi\tthere\n", "nc", "-N", host, port); got != "hi\tthere\n" {
			t.Errorf("nc got %q back", got)
		}
		out.WaitFor(t, `(?m)^\S+ #1 close$`)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		for _, re := range []string{
			`(?m)^tap: relaying tcp:\S+ -> unix:\S+\ntap: AF_UNIX bytes never reach lo`,
			`(?m)^\S+ #1 open client 127\.0\.0\.1:\d+ -> server unix:`,
			`(?m)^\S+ #1 c>s 9 bytes "hi\\tthere\\n"$`,
			`(?m)^\S+ #1 s>c 9 bytes "hi\\tthere\\n"$`,
			// A TCP client's FIN reaches the Unix server as end of
			// stream, and the server's shutdown reaches the client as a FIN.
			`(?m)^\S+ #1 half-close c>s: FIN passed on as end of stream \(shutdown\)$`,
			`(?m)^\S+ #1 half-close s>c: end of stream passed on as a FIN \(shutdown\)$`,
		} {
			if !regexp.MustCompile(re).MatchString(out.String()) {
				t.Errorf("output does not match %s:\n%s", re, out.String())
			}
		}
	})

	t.Run("a live server's path is refused with exit status 1", func(t *testing.T) {
		tapNoLeaks(t)
		real := filepath.Join(tapShortDir(t), "real.sock")
		tapEchoServer(t, "unix", real)
		err := run(context.Background(), []string{"tap", "-listen", real, "-to", real + ".2"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "already listening") {
			t.Fatalf("err = %v, want a live-server error", err)
		}
		if code := exitCode(err, io.Discard); code != 1 {
			t.Errorf("exit status %d, want 1", code)
		}
		if c, err := net.Dial("unix", real); err != nil {
			t.Errorf("the live server stopped answering: %v", err)
		} else {
			c.Close()
		}
	})
}

// TestTapSignals runs the real inspect main in a child process (this test
// binary, re-run as TestTapChildProcess) and stops it with a signal.
func TestTapSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String()+" closes connections, removes the socket file and exits 0", func(t *testing.T) {
			tapNoLeaks(t)
			dir := tapShortDir(t)
			real := filepath.Join(dir, "real.sock")
			tapEchoServer(t, "unix", real)
			tapSock := filepath.Join(dir, "tap.sock")

			out := &testout.Buffer{}
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
			cmd.Env = append(os.Environ(), "SOCKETLAB_INSPECT_CHILD=tap\n-listen\n"+tapSock+"\n-to\n"+real)
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var waitErr error
			exited := make(chan struct{})
			go func() {
				waitErr = cmd.Wait()
				close(exited)
			}()
			t.Cleanup(func() {
				cmd.Process.Kill() // fails harmlessly if it has exited
				<-exited
			})
			out.WaitFor(t, `(?m)^tap: Ctrl-C stops$`)
			c, err := net.DialTimeout("unix", tapSock, tapWait)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(tapWait))
			out.WaitFor(t, `(?m)^\S+ #1 open `)

			cmd.Process.Signal(sig)
			select {
			case <-exited:
				if waitErr != nil {
					t.Fatalf("child: %v\n%s", waitErr, out.String())
				}
			case <-time.After(tapWait):
				t.Fatalf("child still running after %v:\n%s", sig, out.String())
			}
			if _, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("live client read %v, want EOF", err)
			}
			if _, err := os.Lstat(tapSock); !os.IsNotExist(err) {
				t.Errorf("socket file left behind: %v", err)
			}
			if !strings.Contains(out.String(), "#1 close: relay stopped") {
				t.Errorf("output lacks the close line:\n%s", out.String())
			}
		})
	}
}

// tapStart runs "inspect tap" with args in the background. stop cancels
// it and returns runTap's error.
func tapStart(t testing.TB, args ...string) (out *testout.Buffer, stop func() error) {
	t.Helper()
	out = &testout.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"tap"}, args...), out, out) }()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(tapWait):
			return errors.New("runTap did not return after cancel")
		}
	})
	t.Cleanup(func() { stop() })
	return out, stop
}

// tapEchoServer serves an echo on network and address until the test
// ends: each connection gets back what it sent, then a FIN.
func tapEchoServer(t testing.TB, network, address string) {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(tapWait))
				io.Copy(c, c)
				c.(interface{ CloseWrite() error }).CloseWrite()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// tapRunClient runs a client program with stdin and returns its output,
// skipping the test if the program is not installed.
func tapRunClient(t testing.TB, stdin string, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), tapWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return string(out)
}

// tapShortDir returns a new short temporary directory, removed after the
// test, for socket paths that must fit in sun_path.
func tapShortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// tapCheckMode fails the test unless path is a socket with permission want.
func tapCheckMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != want {
		t.Errorf("%s has mode %v, want a socket with %v", path, fi.Mode(), want)
	}
}

// tapNoLeaks fails the test if it leaves goroutines behind that were not
// running when it started.
func tapNoLeaks(t testing.TB) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}
