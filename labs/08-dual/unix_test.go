// These tests look at file modes, owners, the umask and other users,
// which Windows does not have (see unix_sys_windows.go).

//go:build unix

package main

import (
	"bufio"
	"bytes"
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

func TestFolderLock(t *testing.T) {
	quiet := log.New(io.Discard, "", 0)

	t.Run("a server waits for the folder's lock, then gives up, "+
		"changing nothing", func(t *testing.T) {
		setLimit(t, &lockWait, 100*time.Millisecond)
		dir := tempDir(t)
		path := filepath.Join(dir, "w.sock")
		leaveStaleSocket(t, path)
		stale, _ := os.Lstat(path)
		// The test holds the lock, as another server would in the
		// middle of its look-remove-bind.
		lock, err := lockDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		if ln, err := listenUnix(path, 0o600, quiet); err == nil {
			ln.Close()
			t.Fatal("a server bound while another held the lock")
		}
		if now, err := os.Lstat(path); err != nil ||
			!os.SameFile(now, stale) {
			t.Errorf("the stale socket file was touched (%v)", err)
		}
		lock.Close()
		ln, err := listenUnix(path, 0o600, quiet)
		if err != nil {
			t.Fatalf("once the lock is free: %v", err)
		}
		ln.Close()
	})

	t.Run("a server that stops while another holds the lock leaves its "+
		"file, for the next one to find stale", func(t *testing.T) {
		setLimit(t, &lockWait, 100*time.Millisecond)
		dir := tempDir(t)
		path := filepath.Join(dir, "c.sock")
		ln, err := listenUnix(path, 0o600, quiet)
		if err != nil {
			t.Fatal(err)
		}
		lock, err := lockDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		lock.Close()
		if _, err := os.Lstat(path); err != nil {
			t.Fatalf("the file was removed without the lock: %v", err)
		}
		if ln, err = listenUnix(path, 0o600, quiet); err != nil {
			t.Fatalf("the next server: %v", err)
		}
		ln.Close()
	})

	t.Run("a server that stops leaves its successor's socket file alone",
		func(t *testing.T) {
			path := filepath.Join(tempDir(t), "n.sock")
			first, err := listenUnix(path, 0o600, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			// Someone removes the first server's file, and a second
			// server starts on the free path.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			second, err := listenUnix(path, 0o600, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			first.Close()
			conn, err := net.DialTimeout("unix", path, timeout)
			if err != nil {
				t.Fatalf("the second server lost its socket file: %v", err)
			}
			conn.Close()
			second.Close()
			gone(t, path)
		})

	t.Run("no lock file is left behind", func(t *testing.T) {
		dir := tempDir(t)
		ln, err := listenUnix(filepath.Join(dir, "k.sock"), 0o600, quiet)
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		if names, _ := os.ReadDir(dir); len(names) != 0 {
			t.Errorf("left in %s: %v, want nothing", dir, names)
		}
	})

	t.Run("a socket folder reached through a symbolic link is used",
		func(t *testing.T) {
			// As /tmp is on macOS (a link to /private/tmp): the
			// lock and the socket are in the folder the link leads to.
			base := tempDir(t)
			real := filepath.Join(base, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(base, "link")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			ln, err := listenUnix(filepath.Join(link, "l.sock"), 0o600,
				quiet)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(filepath.Join(real, "l.sock")); err != nil {
				t.Errorf("no socket in the link's folder: %v", err)
			}
			ln.Close()
			if names, _ := os.ReadDir(real); len(names) != 0 {
				t.Errorf("left in %s: %v, want nothing", real, names)
			}
		})
}

func TestDefaultPath(t *testing.T) {
	t.Run("with XDG_RUNTIME_DIR set, the server listens there",
		func(t *testing.T) {
			dir := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", dir)
			path := filepath.Join(dir, "socketlab.sock")
			checkDefaultServer(t, path)
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
			out.waitFor(t, "(a path: no IP, no family, no port)")
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
		ln, err := listenUnix(filepath.Join(dir, "socketlab.sock"), 0o600,
			log.New(io.Discard, "", 0))
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
		_, done := startMain(t, out, "client", "-path", defaultPath())
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
			startForeignServer(t, filepath.Join(base,
				"socketlab-"+strconv.Itoa(os.Getuid()), "socketlab.sock"))
			checkClientRefuses(t)
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
		checkClientRefuses(t)
	})

	t.Run("on a path given with -path it says whose server and goes on",
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
// that is not ours alone, the server and the client meet in the folder
// socketlab-UID of TMPDIR instead. It returns the server's output.
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

// checkClientRefuses runs the lab's client on the default path and
// checks that it exits non-zero, naming uid 65534, without chatting.
func checkClientRefuses(t testing.TB) {
	t.Helper()
	out := newLogBuffer()
	_, done := startMain(t, out, "client", "-path", defaultPath())
	if err := waitExit(t, done); err == nil {
		t.Errorf("the client exited 0\n%s", out)
	}
	out.waitFor(t, "(uid 65534)")
	if strings.Contains(out.String(), "Welcome") {
		t.Errorf("the client chatted with the squatter:\n%s", out)
	}
}

func TestMakePrivateDir(t *testing.T) {
	t.Run("a missing folder is made 0700, whatever the umask",
		func(t *testing.T) {
			for _, umask := range []int{0, 0o022, 0o277} {
				dir := filepath.Join(tempDir(t), "p")
				old := syscall.Umask(umask)
				err := makePrivateDir(dir)
				syscall.Umask(old)
				if err != nil {
					t.Fatalf("umask %04o: %v", umask, err)
				}
				checkPrivate(t, dir)
				if err := makePrivateDir(dir); err != nil {
					t.Errorf("umask %04o, again: %v", umask, err)
				}
			}
		})

	t.Run("a folder others may enter is refused, and left as it is",
		func(t *testing.T) {
			for _, mode := range []os.FileMode{0o777, 0o755, 0o710} {
				dir := filepath.Join(tempDir(t), "p")
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, mode); err != nil {
					t.Fatal(err)
				}
				if err := makePrivateDir(dir); err == nil {
					t.Errorf("mode %04o: accepted", mode)
				}
				if fi, err := os.Lstat(dir); err != nil ||
					fi.Mode().Perm() != mode {
					t.Errorf("mode %04o: changed (%v, %v)", mode,
						fi.Mode(), err)
				}
			}
		})

	t.Run("a symbolic link is refused, even to a private folder of ours",
		func(t *testing.T) {
			base := tempDir(t)
			real := filepath.Join(base, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(base, "p")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			if err := makePrivateDir(link); err == nil {
				t.Error("makePrivateDir accepted a symbolic link")
			}
		})
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

// checkPrivate fails the test unless dir is a folder of mode 0700.
func checkPrivate(t testing.TB, dir string) {
	t.Helper()
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want a folder with 0700", dir, fi.Mode())
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
	base := tempDir(t)
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

// squattedTempDir makes a new temporary folder the default one, as
// TMPDIR, and lets uid 65534 make our socketlab-UID folder in it first.
func squattedTempDir(t testing.TB) string {
	t.Helper()
	squat := foreignDir(t)
	base := filepath.Dir(squat)
	own := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
	if err := os.Rename(squat, own); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", base)
	return base
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
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
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
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan []byte, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadBytes('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if !bytes.Equal(line, []byte("listening\n")) {
			t.Fatalf("the other user's server did not start: %q", line)
		}
	case <-time.After(timeout):
		t.Fatalf("the other user's server did not start in %v", timeout)
	}
}
