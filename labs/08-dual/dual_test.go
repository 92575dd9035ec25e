package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this lab's main as a real process: the test
// binary runs itself with SOCKETLAB_MAIN=1 and the lab's arguments.
func TestMain(m *testing.M) {
	if os.Getenv("SOCKETLAB_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(
			os.Getenv("SOCKETLAB_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startMain starts this lab's main in a child process with args. Its
// output goes to out; done receives its exit status.
func startMain(t testing.TB, out *logBuffer, args ...string) (
	*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SOCKETLAB_MAIN=1",
		"SOCKETLAB_ARGS="+strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done, exited := make(chan error, 1), make(chan struct{})
	go func() {
		done <- cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return cmd, done
}

// waitExit returns the exit status from done, or fails on timeout.
func waitExit(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		t.Fatal("the server did not exit")
		return nil
	}
}

// leaveStaleSocket leaves a socket file at path that nobody listens on,
// as a server killed with SIGKILL does.
func leaveStaleSocket(t testing.TB, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("no stale socket at %s: %v", path, err)
	}
}

// gone fails the test if path still exists.
func gone(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there (Lstat: %v)", path, err)
	}
}

func TestListenUnix(t *testing.T) {
	quiet := log.New(&bytes.Buffer{}, "", 0)

	t.Run("the socket file is mode 0600, or what -mode says", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("a socket file on Windows has no mode")
		}
		for _, mode := range []os.FileMode{0o600, 0o660} {
			path := filepath.Join(tempDir(t), "m.sock")
			ln, err := listenUnix(path, mode, quiet)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != mode {
				t.Errorf("file mode %v, want a socket with %v", fi.Mode(), mode)
			}
			ln.Close()
			gone(t, path)
		}
	})

	t.Run("a stale socket file is replaced, and removed at the end",
		func(t *testing.T) {
			path := filepath.Join(tempDir(t), "s.sock")
			leaveStaleSocket(t, path)
			logs := newLogBuffer()
			ln, err := listenUnix(path, 0o600, log.New(logs, "", 0))
			if err != nil {
				t.Fatalf("the stale file was not recovered: %v", err)
			}
			logs.waitFor(t, "Removed stale socket file "+path)
			dial(t, "unix", path).Close()
			ln.Close()
			gone(t, path)
		})

	t.Run("a live server's socket is never taken", func(t *testing.T) {
		s := startServer(t)
		path := s.path
		ln, err := listenUnix(path, 0o600, quiet)
		if err == nil {
			ln.Close()
			t.Fatal("a second server took a live server's path")
		}
		owner := ", run by you"
		if runtime.GOOS == "windows" {
			owner = "" // Windows does not tell (see peerUID).
		}
		if !errors.Is(err, errInUse) ||
			!strings.Contains(err.Error(), path+owner) {
			t.Errorf("error %q does not say whose server is running", err)
		}
		join(t, s, "unix") // The live server still answers.
	})

	t.Run("a file that is not a socket is never deleted", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "f.sock")
		if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		ln, err := listenUnix(path, 0o600, quiet)
		if err == nil {
			ln.Close()
			t.Fatal("listenUnix took the path of a regular file")
		}
		if !strings.Contains(err.Error(), path+" is not a socket") {
			t.Errorf("error %q does not say it is not a socket", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "precious" {
			t.Errorf("the file was changed to %q", b)
		}
	})
}

func TestChatOverUnix(t *testing.T) {
	t.Run("every client is @, so the server tells them apart by number",
		func(t *testing.T) {
			checkGoroutines(t)
			s := startServer(t)
			a, b := join(t, s, "unix"), join(t, s, "unix")
			a.expect("User 2 joined! (unix)")
			if a.conn.LocalAddr().String() != "@" ||
				a.conn.RemoteAddr().String() != s.path {
				t.Errorf("client ends %v -> %v, want @ -> %s",
					a.conn.LocalAddr(), a.conn.RemoteAddr(), s.path)
			}
			s.logs.waitFor(t, "@ is User 1")
			s.logs.waitFor(t, "@ is User 2")
			a.send("hi over IPC\n")
			b.expect("User 1: hi over IPC")
			b.conn.Close()
			a.expect("User 2 left!")
		})

}

func TestTwoDoors(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		t.Run("TCP and Unix clients chat in one room", func(t *testing.T) {
			checkGoroutines(t)
			s := srv.start(t)
			a := join(t, s, "tcp")
			b := join(t, s, "unix")
			a.expect("User 2 joined! (unix)")
			c := join(t, s, "tcp")
			a.expect("User 3 joined! (tcp)")
			b.expect("User 3 joined! (tcp)")
			a.send("hello from tcp\n")
			b.expect("User 1: hello from tcp")
			c.expect("User 1: hello from tcp")
			b.send("hello from unix\n")
			a.expect("User 2: hello from unix")
			c.expect("User 2: hello from unix")
			b.conn.Close()
			a.expect("User 2 left!")
			c.expect("User 2 left!")
			s.logs.waitFor(t, a.conn.LocalAddr().String()+" is User 1")
			s.logs.waitFor(t, srv.unnamed+" is User 2")
		})
	})

	t.Run("each door describes its own kind of address", func(t *testing.T) {
		checkGoroutines(t)
		s := startServer(t)
		s.logs.waitFor(t, "Listening on "+s.addr+"\n"+
			"  address: 127.0.0.1\n  family:  IPv4\n"+
			"  port:    "+port(t, s.addr)+"\n")
		s.logs.waitFor(t, "Listening on "+s.path+"\n"+
			"  network: unix\n"+
			"  address: "+s.path+" (a path: no IP, no family, no port)\n")
	})

	t.Run("shutdown says goodbye through both doors and removes the file",
		func(t *testing.T) {
			checkGoroutines(t)
			s := startServer(t)
			a, b := join(t, s, "tcp"), join(t, s, "unix")
			a.expect("User 2 joined! (unix)")
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			a.expectEnd("Server is shutting down.")
			b.expectEnd("Server is shutting down.")
			gone(t, s.path)
			if !s.tcpClosed() {
				t.Error("the TCP listener is still open after shutdown")
			}
		})

	t.Run("one door is enough", func(t *testing.T) {
		checkGoroutines(t)
		for _, door := range []string{"tcp", "unix"} {
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln, s := tcp, &testServer{addr: tcp.Addr().String()}
			if door == "unix" {
				tcp.Close()
				s.path = filepath.Join(tempDir(t), "one.sock")
				ln, err = listenUnix(s.path, 0o600, log.New(io.Discard, "", 0))
				if err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			logs := newLogBuffer()
			go func() {
				done <- serve(ctx, []net.Listener{ln}, log.New(logs, "", 0))
			}()
			a, b := join(t, s, door), join(t, s, door)
			a.expect("User 2 joined! (" + door + ")")
			b.send("just one door\n")
			a.expect("User 2: just one door")
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve with the %s door alone: %v", door, err)
			}
			a.expectEnd("Server is shutting down.")
		}
	})
}

func TestMainProcess(t *testing.T) {
	needSignals(t)
	for name, sig := range map[string]os.Signal{
		"Ctrl-C (SIGINT)": os.Interrupt, "SIGTERM": syscall.SIGTERM} {
		t.Run("on "+name+" the server removes its socket and exits 0",
			func(t *testing.T) {
				path := filepath.Join(tempDir(t), "p.sock")
				leaveStaleSocket(t, path) // recovered first, then removed
				out := newLogBuffer()
				cmd, done := startMain(t, out, "server",
					"-addr", "127.0.0.1:0", "-path", path)
				out.waitFor(t, "Removed stale socket file "+path)
				out.waitFor(t, "Listening on "+path)
				join(t, &testServer{path: path}, "unix")
				cmd.Process.Signal(sig)
				if err := waitExit(t, done); err != nil {
					t.Errorf("exit: %v\n%s", err, out)
				}
				gone(t, path)
			})
	}

	t.Run("a second server on a live path exits non-zero, taking nothing",
		func(t *testing.T) {
			s := startServer(t)
			out := newLogBuffer()
			_, done := startMain(t, out, "server", "-addr", "127.0.0.1:0",
				"-path", s.path)
			err := waitExit(t, done)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Errorf("exit status %v, want non-zero", err)
			}
			out.waitFor(t, "a server is already listening on "+s.path)
			join(t, s, "unix")
		})

	t.Run("a second server on a busy port exits non-zero, "+
		"leaving no socket file", func(t *testing.T) {
		s := startServer(t)
		path := filepath.Join(tempDir(t), "busy.sock")
		out := newLogBuffer()
		_, done := startMain(t, out, "server", "-addr", s.addr,
			"-path", path)
		if err := waitExit(t, done); err == nil {
			t.Errorf("the server exited 0\n%s", out)
		}
		out.waitFor(t, "address already in use\n"+
			"(is another server still running?")
		gone(t, path)
		join(t, s, "tcp")
	})

	t.Run("the client goes through the door its flag names",
		func(t *testing.T) {
			s := startServer(t)
			a := join(t, s, "tcp")
			for i, args := range [][]string{
				{"client", "-addr", s.addr},
				{"client", "-path", s.path},
			} {
				out := newLogBuffer()
				_, done := startMain(t, out, args...)
				door := []string{"tcp", "unix"}[i]
				a.expect("User " + strconv.Itoa(i+2) + " joined! (" +
					door + ")")
				out.waitFor(t, "you are User "+strconv.Itoa(i+2)+"!")
				// The child's stdin is empty: it half-closes at once, the
				// server sees it leave and hangs up, and it exits.
				a.expect("User " + strconv.Itoa(i+2) + " left!")
				if err := waitExit(t, done); err != nil {
					t.Errorf("client %v: %v\n%s", args, err, out)
				}
			}
		})

	t.Run("a client with no server says how to start one", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "none.sock")
		out := newLogBuffer()
		_, done := startMain(t, out, "client", "-path", path)
		if err := waitExit(t, done); err == nil {
			t.Error("the client exited 0 with no server")
		}
		out.waitFor(t, "dial unix "+path+
			": connect: no such file or directory\n"+
			"(is the server running? start it with: "+
			"go run ./labs/08-dual server)")
	})

	t.Run("no door at all, or two for a client, is a usage error",
		func(t *testing.T) {
			for _, args := range [][]string{
				{"server", "-addr=", "-path="},
				{"client", "-addr", "127.0.0.1:1", "-path", "/nowhere"},
			} {
				out := newLogBuffer()
				_, done := startMain(t, out, args...)
				var exit *exec.ExitError
				err := waitExit(t, done)
				if !errors.As(err, &exit) || exit.ExitCode() != 2 {
					t.Errorf("%v: exit status %v, want 2\n%s", args, err,
						out)
				}
			}
		})
}
