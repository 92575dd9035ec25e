package tap

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

func TestListenSocket(t *testing.T) {
	t.Run("a new socket file gets mode 0600 and is removed on close", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		ln, err := ListenSocket(Addr{"unix", path}, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkMode(t, path, 0o600)
		ln.Close()
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("after Close: Lstat = %v, want the file gone", err)
		}
	})

	t.Run("an explicit mode is applied", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		ln, err := ListenSocket(Addr{"unix", path}, 0o660)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		checkMode(t, path, 0o660)
	})

	t.Run("a stale socket file is replaced", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		old.SetUnlinkOnClose(false) // die like a killed server would
		old.Close()
		ln, err := ListenSocket(Addr{"unix", path}, 0)
		if err != nil {
			t.Fatalf("ListenSocket over a stale file: %v", err)
		}
		defer ln.Close()
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("dialling the new listener: %v", err)
		}
		c.Close()
	})

	t.Run("a live server's path is refused and left working", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		live, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		ln, err := ListenSocket(Addr{"unix", path}, 0)
		if err == nil {
			ln.Close()
			t.Fatal("ListenSocket took a live server's path")
		}
		if !strings.Contains(err.Error(), "already listening") {
			t.Errorf("error %q does not say a server is listening", err)
		}
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("live server no longer reachable: %v", err)
		}
		c.Close()
	})

	t.Run("a regular file is never deleted", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "notes.sock")
		if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		ln, err := ListenSocket(Addr{"unix", path}, 0)
		if err == nil {
			ln.Close()
			t.Fatal("ListenSocket replaced a regular file")
		}
		if !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("error %q does not say the file is not a socket", err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
			t.Errorf("file now holds %q (%v), want it untouched", b, err)
		}
	})

	t.Run("a symbolic link to a stale socket is not followed", func(t *testing.T) {
		dir := shortDir(t)
		target := filepath.Join(dir, "real.sock")
		old, err := net.ListenUnix("unix", &net.UnixAddr{Name: target, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		old.SetUnlinkOnClose(false)
		old.Close()
		link := filepath.Join(dir, "link.sock")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if ln, err := ListenSocket(Addr{"unix", link}, 0); err == nil {
			ln.Close()
			t.Fatal("ListenSocket replaced a symbolic link")
		}
		for _, p := range []string{target, link} {
			if _, err := os.Lstat(p); err != nil {
				t.Errorf("%s: %v, want it left alone", p, err)
			}
		}
	})

	t.Run("the socket file is never more open than its mode, even under umask 0",
		func(t *testing.T) {
			setUmask(t, 0)
			path := filepath.Join(shortDir(t), "tap.sock")
			// A watcher looks at the file as fast as it can while we
			// bind and close it again and again; it records every
			// permission bit it sees beyond 0600.
			stop, seen := make(chan struct{}), make(chan os.FileMode)
			go func() {
				var wider os.FileMode
				for {
					select {
					case <-stop:
						seen <- wider
						return
					default:
					}
					if fi, err := os.Lstat(path); err == nil {
						wider |= fi.Mode().Perm() &^ 0o600
					}
				}
			}()
			for range 300 {
				ln, err := ListenSocket(Addr{"unix", path}, 0)
				if err != nil {
					close(stop)
					<-seen
					t.Fatal(err)
				}
				ln.Close()
			}
			close(stop)
			if wider := <-seen; wider != 0 {
				t.Errorf("the socket file was seen with %v beyond 0600",
					wider)
			}
		})

	t.Run("a TCP address is listened on as it is", func(t *testing.T) {
		ln, err := ListenSocket(Addr{"tcp", "127.0.0.1:0"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
	})
}

func TestListen(t *testing.T) {
	t.Run("a relay to its own address is refused", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		r, err := Listen(Config{Listen: path, To: "unix:" + path + "/."})
		if err == nil {
			r.Close()
			t.Fatal("Listen accepted a relay to itself")
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("Lstat = %v, want no socket file created", err)
		}
	})

	t.Run("a bad target is refused before listening", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "tap.sock")
		if r, err := Listen(Config{Listen: path, To: "tcp:nowhere"}); err == nil {
			r.Close()
			t.Fatal("Listen accepted a bad target")
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("Lstat = %v, want no socket file created", err)
		}
	})
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "/tmp/chat.sock", want: "unix:/tmp/chat.sock"},
		{in: "./chat", want: "unix:./chat"},
		{in: "chat.sock", want: "unix:chat.sock"},
		{in: "chat", want: "unix:chat"},
		{in: "@abstract", want: "unix:@abstract"},
		{in: "127.0.0.1:3008", want: "tcp:127.0.0.1:3008"},
		{in: ":3008", want: "tcp::3008"},
		{in: "[::1]:3008", want: "tcp:[::1]:3008"},
		{in: "localhost:3008", want: "tcp:localhost:3008"},
		{in: "host:http", want: "unix:host:http"},
		{in: "unix:127.0.0.1:3008", want: "unix:127.0.0.1:3008"},
		{in: "tcp:localhost:3008", want: "tcp:localhost:3008"},
		{in: "", err: "empty address"},
		{in: "unix:", err: "empty socket path"},
		{in: "tcp:/tmp/x", err: "want tcp:HOST:PORT"},
		{in: "tcp:localhost:70000", err: "want tcp:HOST:PORT"},
		{in: "3008", err: "ambiguous"},
	} {
		got, err := ParseAddr(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseAddr(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got.String() != tc.want):
			t.Errorf("ParseAddr(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// checkMode fails the test unless the file at path has permission want.
func checkMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != want {
		t.Errorf("%s has mode %v, want a socket with %v", path, fi.Mode(), want)
	}
}

func TestRelayChecksServer(t *testing.T) {
	t.Run("a relay to the default path hangs up on another user's server",
		func(t *testing.T) {
			// The default path is in our private folder, where
			// another user cannot create a file; but a socket file
			// that user's server bound elsewhere can be moved there,
			// and the server behind it is still theirs.
			t.Setenv("XDG_RUNTIME_DIR", shortDir(t))
			bound := filepath.Join(foreignDir(t), "chat.sock")
			startForeignServer(t, bound)
			if err := os.Rename(bound, chat.DefaultPath()); err != nil {
				t.Fatal(err)
			}
			ev, got := relayOnce(t, chat.DefaultPath())
			if ev.Kind != Error || ev.Err == nil ||
				!strings.Contains(ev.Err.Error(), "(uid 65534)") {
				t.Errorf("the connection ended with %v, want an error "+
					"naming uid 65534", ev)
			}
			if len(got) > 0 {
				t.Errorf("the client received %q from the other "+
					"user's server", got)
			}
		})

	t.Run("a relay to another path serves another user's server",
		func(t *testing.T) {
			path := filepath.Join(foreignDir(t), "shared.sock")
			t.Setenv("XDG_RUNTIME_DIR", shortDir(t))
			startForeignServer(t, path)
			ev, got := relayOnce(t, path)
			if ev.Kind != Close || ev.Err != nil {
				t.Errorf("the connection ended with %v, want a clean close",
					ev)
			}
			if want := "Welcome to the chat, you are User 1!\n"; string(got) != want {
				t.Errorf("the client received %q, want %q", got, want)
			}
		})
}

// relayOnce starts a relay to the socket at to, connects one client
// through it, reads until the relay hangs up, and returns the event that
// ended the connection and what the client received.
func relayOnce(t testing.TB, to string) (Event, []byte) {
	t.Helper()
	r, err := Listen(Config{Listen: filepath.Join(shortDir(t), "t.sock"),
		To: "unix:" + to})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx) }()
	defer func() {
		cancel()
		<-served
	}()
	c, err := net.DialTimeout("unix", r.Addr().String(), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testTimeout))
	var got bytes.Buffer
	got.ReadFrom(c) // until the relay hangs up, with a reset or not
	c.Close()       // our end too, so that the relayed connection can end
	timer := time.NewTimer(testTimeout)
	defer timer.Stop()
	for {
		select {
		case ev := <-r.Events():
			if ev.Kind != Open && ev.Kind != Data && ev.Kind != HalfClose {
				return ev, got.Bytes()
			}
		case <-timer.C:
			t.Fatal("the relayed connection did not end")
		}
	}
}

// nobody is the user id that tests run other users' programs as.
const nobody = 65534

// foreignDir returns a new folder that belongs to uid 65534, for that
// user's socket files. It skips the test unless it runs as root, which
// it needs to act as another user.
func foreignDir(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user (uid 65534) needs root")
	}
	base := shortDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "f")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	return dir
}

// foreignServer listens on a Unix socket path as another user would: it
// greets each client like the chat does and hangs up.
const foreignServer = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"Welcome to the chat, you are User 1!\n")
    c.close()
`

// startForeignServer runs foreignServer as uid 65534 on path until the
// test ends, and waits until it listens. It skips the test without root
// or a python3 that uid 65534 may run.
func startForeignServer(t testing.TB, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user (uid 65534) needs root")
	}
	var cmd *exec.Cmd
	var out io.Reader
	var err error
	// The python3 first in our PATH may be in root's home, out of reach.
	pys := []string{"/usr/bin/python3", "/usr/local/bin/python3"}
	if py, lerr := exec.LookPath("python3"); lerr == nil {
		pys = append(pys, py)
	}
	for _, py := range pys {
		cmd = exec.Command(py, "-c", foreignServer, path)
		runAs(cmd, nobody)
		if out, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		if err = cmd.Start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Skipf("no python3 that uid 65534 may run, to play another "+
			"user's server: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		<-done
	})
	ready := make(chan []byte, 1)
	go func() {
		defer close(done)
		line, _ := bufio.NewReader(out).ReadBytes('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if string(line) != "listening\n" {
			t.Fatalf("the other user's server did not start: %q", line)
		}
	case <-time.After(testTimeout):
		t.Fatalf("the other user's server did not start in %v",
			testTimeout)
	}
}
