package main

import (
	"errors"
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

	"github.com/socketlab/socketlab/labs/10-cluster/chat"
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
			s.logs.waitFor(t, "User 2 joined (from "+srv.unnamed+", unix)\n")
			s.logs.waitFor(t, "User 3 joined (from "+
				c.conn.LocalAddr().String()+", tcp)\n")
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
				s := &testServer{path: path}
				join(t, s, "unix")
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
}

func TestDefaultPath(t *testing.T) {
	needSignals(t)
	if runtime.GOOS == "windows" {
		t.Skip("these check the folder's mode and owner, which Windows " +
			"keeps in an access control list")
	}
	t.Run("with XDG_RUNTIME_DIR set, the server listens there",
		func(t *testing.T) {
			dir := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", dir)
			checkDefaultServer(t, filepath.Join(dir, "socketlab.sock"))
		})

	t.Run("without it, in a folder socketlab-UID it makes 0700 in TMPDIR",
		func(t *testing.T) {
			base := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", "")
			t.Setenv("TMPDIR", base)
			dir := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
			checkDefaultServer(t, filepath.Join(dir, "socketlab.sock"))
			checkPrivate(t, dir)
		})

	t.Run("an XDG_RUNTIME_DIR that others may use is passed over, "+
		"with a warning", func(t *testing.T) {
		xdg := tempDir(t)
		if err := os.Chmod(xdg, 0o777); err != nil {
			t.Fatal(err)
		}
		out := checkPassedOver(t, xdg)
		if !strings.Contains(out, "XDG_RUNTIME_DIR") {
			t.Errorf("the server did not say why:\n%s", out)
		}
		if fi, err := os.Lstat(xdg); err != nil || fi.Mode().Perm() != 0o777 {
			t.Errorf("%s was changed (%v, %v)", xdg, fi.Mode(), err)
		}
	})

	t.Run("another user's XDG_RUNTIME_DIR is passed over",
		func(t *testing.T) {
			xdg := foreignDir(t)
			if err := os.Chmod(xdg, 0o700); err != nil {
				t.Fatal(err)
			}
			checkPassedOver(t, xdg)
		})

	t.Run("the default path written another way is still the default",
		func(t *testing.T) {
			base := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", "")
			t.Setenv("TMPDIR", base)
			dir := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
			path := base + "//socketlab-" + strconv.Itoa(os.Getuid()) +
				"/./socketlab.sock"
			out := newLogBuffer()
			cmd, done := startMain(t, out, "server", "-addr", "127.0.0.1:0",
				"-path", path)
			out.waitFor(t, "Listening on "+path)
			checkPrivate(t, dir)
			cmd.Process.Signal(os.Interrupt)
			if err := waitExit(t, done); err != nil {
				t.Errorf("the server: %v\n%s", err, out)
			}
		})

	t.Run("another user's folder at the default path is refused",
		func(t *testing.T) {
			squattedTempDir(t)
			out := newLogBuffer()
			_, done := startMain(t, out, "server", "-addr", "127.0.0.1:0")
			if err := waitExit(t, done); err == nil {
				t.Errorf("the server exited 0\n%s", out)
			}
			out.waitFor(t, "(uid 65534), not to you")
		})

	t.Run("a client refuses a default folder that others may use, "+
		"before it connects", func(t *testing.T) {
		base := tempDir(t)
		t.Setenv("XDG_RUNTIME_DIR", "")
		t.Setenv("TMPDIR", base)
		dir := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "socketlab.sock")
		ln, err := chat.ListenUnix(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan bool, 1)
		go func() {
			conn, err := ln.Accept()
			if err == nil {
				conn.Close()
			}
			accepted <- err == nil
		}()
		out := newLogBuffer()
		_, done := startMain(t, out, "client", "-path", path)
		if err := waitExit(t, done); err == nil {
			t.Errorf("the client exited 0\n%s", out)
		}
		ln.Close()
		if <-accepted {
			t.Errorf("the client connected:\n%s", out)
		}
	})

	t.Run("a client refuses another user's server on the default path",
		func(t *testing.T) {
			base := squattedTempDir(t)
			path := filepath.Join(base,
				"socketlab-"+strconv.Itoa(os.Getuid()), "socketlab.sock")
			startForeignServer(t, path)
			checkClientRefuses(t, path)
		})

	t.Run("a client refuses another user's server on the default path, "+
		"even in our folder and with our socket file", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("only a peer credential (SO_PEERCRED) can tell")
		}
		base := squattedTempDir(t)
		dir := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
		path := filepath.Join(dir, "socketlab.sock")
		startForeignServer(t, path)
		// Only root can do this: now the folder and the file say "ours",
		// and only the kernel knows who listens.
		for _, name := range []string{path, dir} {
			if err := os.Chown(name, os.Getuid(), os.Getgid()); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		checkClientRefuses(t, path)
	})

	t.Run("on another path it says whose server and goes on",
		func(t *testing.T) {
			path := filepath.Join(foreignDir(t), "shared.sock")
			startForeignServer(t, path)
			out := newLogBuffer()
			_, done := startMain(t, out, "client", "-path", path)
			if err := waitExit(t, done); err != nil {
				t.Errorf("the client: %v\n%s", err, out)
			}
			out.waitFor(t, "(uid 65534), not by you.\n")
			out.waitFor(t, "Welcome to the chat")
		})
}

// checkPassedOver checks that with XDG_RUNTIME_DIR set to xdg, a folder
// that is not ours alone, the server listens in the folder socketlab-UID
// of TMPDIR instead. It returns the server's output.
func checkPassedOver(t testing.TB, xdg string) string {
	t.Helper()
	base := tempDir(t)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	t.Setenv("TMPDIR", base)
	dir := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
	out := checkDefaultServer(t, filepath.Join(dir, "socketlab.sock"))
	checkPrivate(t, dir)
	if names, _ := os.ReadDir(xdg); len(names) != 0 {
		t.Errorf("made in %s: %v", xdg, names)
	}
	return out
}

// checkClientRefuses runs the lab's client with -path path, the default
// path, and checks that it exits non-zero, naming uid 65534, without
// chatting.
func checkClientRefuses(t testing.TB, path string) {
	t.Helper()
	out := newLogBuffer()
	_, done := startMain(t, out, "client", "-path", path)
	if err := waitExit(t, done); err == nil {
		t.Errorf("the client exited 0\n%s", out)
	}
	out.waitFor(t, "(uid 65534)")
	if strings.Contains(out.String(), "Welcome") {
		t.Errorf("the client chatted with the squatter:\n%s", out)
	}
}

// checkDefaultServer runs the lab's server without -path, and checks
// that it listens on path, a socket file of mode 0600 that a client
// given that path joins through, and that it removes when it stops. It
// returns the server's output.
func checkDefaultServer(t testing.TB, path string) string {
	t.Helper()
	out := newLogBuffer()
	cmd, done := startMain(t, out, "server", "-addr", "127.0.0.1:0")
	out.waitFor(t, "Listening on "+path+"\n")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want a socket with 0600", path, fi.Mode())
	}
	client := newLogBuffer()
	_, cdone := startMain(t, client, "client", "-path", path)
	client.waitFor(t, "you are User 1!")
	if err := waitExit(t, cdone); err != nil {
		t.Errorf("the client: %v\n%s", err, client)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := waitExit(t, done); err != nil {
		t.Errorf("the server: %v\n%s", err, out)
	}
	gone(t, path)
	return out.String()
}
