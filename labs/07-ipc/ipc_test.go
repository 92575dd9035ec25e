package main

import (
	"bytes"
	"errors"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
			dial(t, path).Close()
			ln.Close()
			gone(t, path)
		})

	t.Run("a live server's socket is never taken", func(t *testing.T) {
		path, _, _ := startServer(t)
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
		join(t, path) // The live server still answers.
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
	eachServer(t, func(t *testing.T, s server) {
		t.Run("every client looks the same, so the server tells them "+
			"apart by number", func(t *testing.T) {
			checkGoroutines(t)
			path, logs, _ := s.start(t)
			a, b := join(t, path), join(t, path)
			a.expect("User 2 joined!")
			if a.conn.LocalAddr().String() != "@" ||
				a.conn.RemoteAddr().String() != path {
				t.Errorf("client ends %v -> %v, want @ -> %s",
					a.conn.LocalAddr(), a.conn.RemoteAddr(), path)
			}
			logs.waitFor(t, s.unnamed+" is User 1")
			logs.waitFor(t, s.unnamed+" is User 2")
			a.send("hi over IPC\n")
			b.expect("User 1: hi over IPC")
			b.conn.Close()
			a.expect("User 2 left!")
		})
	})

	t.Run("the listener's address is a path, not address and port",
		func(t *testing.T) {
			checkGoroutines(t)
			path, logs, _ := startServer(t)
			logs.waitFor(t, "Listening on "+path+"\n"+
				"  network: unix\n"+
				"  address: "+path+" (a path: no IP, no family, no port)\n")
		})

	t.Run("shutdown says goodbye and removes the socket file",
		func(t *testing.T) {
			checkGoroutines(t)
			path, _, stop := startServer(t)
			a := join(t, path)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			a.expectEnd("Server is shutting down.")
			gone(t, path)
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
				cmd, done := startMain(t, out, "server", "-path", path)
				out.waitFor(t, "Listening on "+path)
				join(t, path)
				cmd.Process.Signal(sig)
				if err := waitExit(t, done); err != nil {
					t.Errorf("exit: %v\n%s", err, out)
				}
				gone(t, path)
			})
	}

	t.Run("a second server on a live path exits non-zero, taking nothing",
		func(t *testing.T) {
			path, _, _ := startServer(t)
			out := newLogBuffer()
			_, done := startMain(t, out, "server", "-path", path)
			err := waitExit(t, done)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Errorf("exit status %v, want non-zero", err)
			}
			out.waitFor(t, "a server is already listening on "+path)
			join(t, path)
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
			"go run ./labs/07-ipc server)")
	})

}
