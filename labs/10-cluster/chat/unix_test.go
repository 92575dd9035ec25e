// These tests look at file modes, owners, the umask and other users,
// which Windows does not have (see unix_sys_windows.go).

//go:build unix

package chat

import (
	"bufio"
	"errors"
	"io"
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

func TestListenUnix(t *testing.T) {
	t.Run("the socket file gets mode 0600 or the mode asked for",
		func(t *testing.T) {
			for _, mode := range []os.FileMode{0o600, 0o660} {
				path := filepath.Join(tempDir(t), "m.sock")
				ln, err := ListenUnix(path, mode, nil)
				if err != nil {
					t.Fatal(err)
				}
				fi, err := os.Lstat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != mode {
					t.Errorf("mode %v, want socket %v", fi.Mode(), mode)
				}
				ln.Close()
				if _, err := os.Lstat(path); !os.IsNotExist(err) {
					t.Errorf("%s still there after Close", path)
				}
			}
		})

	t.Run("a stale socket file is replaced and removed on close",
		func(t *testing.T) {
			path := filepath.Join(tempDir(t), "s.sock")
			leaveStaleSocket(t, path)
			ln, err := ListenUnix(path, 0o600, nil)
			if err != nil {
				t.Fatalf("stale socket not recovered: %v", err)
			}
			conn, err := net.Dial("unix", path)
			if err != nil {
				t.Fatalf("dial after recovery: %v", err)
			}
			conn.Close()
			ln.Close()
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Errorf("%s still there after Close", path)
			}
		})

	t.Run("a live server's socket is not taken", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "l.sock")
		live, err := ListenUnix(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		ln, err := ListenUnix(path, 0o600, nil)
		if err == nil {
			ln.Close()
			t.Fatal("second ListenUnix succeeded")
		}
		if !errors.Is(err, syscall.EADDRINUSE) ||
			!strings.Contains(err.Error(), path+", run by you") {
			t.Errorf("error %q does not say whose server is running", err)
		}
		// The live server still answers.
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("live server lost its socket: %v", err)
		}
		conn.Close()
	})

	t.Run("a file that is not a socket is left alone", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "f.sock")
		if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		ln, err := ListenUnix(path, 0o600, nil)
		if err == nil {
			ln.Close()
			t.Fatal("ListenUnix succeeded over a regular file")
		}
		if !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("error %q does not say it is not a socket", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "precious" {
			t.Errorf("the file was changed: %q", b)
		}
	})
}

// leaveStaleSocket leaves a socket file at path with nobody listening,
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

func TestFolderLock(t *testing.T) {
	t.Run("a server waits for the folder's lock, then gives up, "+
		"changing nothing", func(t *testing.T) {
		setLockWait(t, 100*time.Millisecond)
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
		if ln, err := ListenUnix(path, 0o600, nil); err == nil {
			ln.Close()
			t.Fatal("a server bound while another held the lock")
		}
		if now, err := os.Lstat(path); err != nil ||
			!os.SameFile(now, stale) {
			t.Errorf("the stale socket file was touched (%v)", err)
		}
		lock.Close()
		ln, err := ListenUnix(path, 0o600, nil)
		if err != nil {
			t.Fatalf("once the lock is free: %v", err)
		}
		ln.Close()
	})

	t.Run("a server that stops while another holds the lock leaves its "+
		"file, for the next one to find stale", func(t *testing.T) {
		setLockWait(t, 100*time.Millisecond)
		dir := tempDir(t)
		path := filepath.Join(dir, "c.sock")
		ln, err := ListenUnix(path, 0o600, nil)
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
		if ln, err = ListenUnix(path, 0o600, nil); err != nil {
			t.Fatalf("the next server: %v", err)
		}
		ln.Close()
	})

	t.Run("a server that stops leaves its successor's socket file alone",
		func(t *testing.T) {
			path := filepath.Join(tempDir(t), "n.sock")
			first, err := ListenUnix(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			// Someone removes the first server's file, and a second
			// server starts on the free path.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			second, err := ListenUnix(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			first.Close()
			conn, err := net.Dial("unix", path)
			if err != nil {
				t.Fatalf("the second server lost its socket file: %v", err)
			}
			conn.Close()
			second.Close()
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Errorf("%s still there after the second Close", path)
			}
		})

	t.Run("no lock file is left behind", func(t *testing.T) {
		dir := tempDir(t)
		path := filepath.Join(dir, "k.sock")
		ln, err := ListenUnix(path, 0o600, nil)
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
			ln, err := ListenUnix(filepath.Join(link, "l.sock"), 0o600,
				nil)
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

// setLockWait sets lockWait to d until the test ends.
func setLockWait(t testing.TB, d time.Duration) {
	t.Helper()
	old := lockWait
	lockWait = d
	t.Cleanup(func() { lockWait = old })
}

func TestDefaultPath(t *testing.T) {
	t.Run("with XDG_RUNTIME_DIR set, the socket lives there", func(t *testing.T) {
		dir := tempDir(t)
		t.Setenv("XDG_RUNTIME_DIR", dir)
		if got, want := DefaultPath(), filepath.Join(dir, "socketlab.sock"); got != want {
			t.Errorf("DefaultPath() = %s, want %s", got, want)
		}
	})

	t.Run("without it, in a folder socketlab-UID of the temporary folder",
		func(t *testing.T) {
			dir := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", "")
			t.Setenv("TMPDIR", dir)
			want := filepath.Join(dir, "socketlab-"+strconv.Itoa(os.Getuid()),
				"socketlab.sock")
			if got := DefaultPath(); got != want {
				t.Errorf("DefaultPath() = %s, want %s", got, want)
			}
		})

	t.Run("a relative XDG_RUNTIME_DIR is ignored", func(t *testing.T) {
		t.Setenv("XDG_RUNTIME_DIR", "run")
		if got := DefaultPath(); !filepath.IsAbs(got) {
			t.Errorf("DefaultPath() = %s, want an absolute path", got)
		}
	})

	t.Run("an XDG_RUNTIME_DIR that others may use is passed over, "+
		"saying why", func(t *testing.T) {
		xdg := tempDir(t)
		if err := os.Chmod(xdg, 0o777); err != nil {
			t.Fatal(err)
		}
		checkPassedOver(t, xdg)
	})

	t.Run("another user's XDG_RUNTIME_DIR is passed over, saying why",
		func(t *testing.T) {
			xdg := foreignDir(t)
			if err := os.Chmod(xdg, 0o700); err != nil {
				t.Fatal(err)
			}
			checkPassedOver(t, xdg)
		})

	t.Run("a symbolic link as XDG_RUNTIME_DIR is passed over, saying why",
		func(t *testing.T) {
			base := tempDir(t)
			link := filepath.Join(base, "run")
			if err := os.Symlink(tempDir(t), link); err != nil {
				t.Fatal(err)
			}
			checkPassedOver(t, link)
		})

	t.Run("IsDefault knows the default path however it is written",
		func(t *testing.T) {
			dir := tempDir(t)
			t.Setenv("XDG_RUNTIME_DIR", dir)
			for path, want := range map[string]bool{
				dir + "/socketlab.sock":      true,
				dir + "//socketlab.sock":     true,
				dir + "/./socketlab.sock":    true,
				dir + "/x/../socketlab.sock": true,
				dir + "/other.sock":          false,
			} {
				if got := IsDefault(path); got != want {
					t.Errorf("IsDefault(%s) = %v, want %v", path, got, want)
				}
			}
		})
}

// checkPassedOver checks that with XDG_RUNTIME_DIR set to xdg, a folder
// that is not this user's alone, DefaultDir is socketlab-UID in TMPDIR
// and says why it did not use xdg.
func checkPassedOver(t testing.TB, xdg string) {
	t.Helper()
	base := tempDir(t)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	t.Setenv("TMPDIR", base)
	want := filepath.Join(base, "socketlab-"+strconv.Itoa(os.Getuid()))
	if dir, skipped := DefaultDir(); dir != want || skipped == nil {
		t.Errorf("DefaultDir() = %s, %v; want %s and why", dir, skipped,
			want)
	}
	if got := DefaultPath(); got != filepath.Join(want, "socketlab.sock") {
		t.Errorf("DefaultPath() = %s, want it in %s", got, want)
	}
}

func TestMakePrivateDir(t *testing.T) {
	t.Run("a missing folder is made 0700, whatever the umask", func(t *testing.T) {
		for _, umask := range []int{0, 0o022, 0o277} {
			dir := filepath.Join(tempDir(t), "p")
			old := syscall.Umask(umask)
			err := MakePrivateDir(dir)
			syscall.Umask(old)
			if err != nil {
				t.Fatalf("umask %04o: %v", umask, err)
			}
			checkPrivate(t, dir)
			// A second server finds the folder and accepts it.
			if err := MakePrivateDir(dir); err != nil {
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
				if err := MakePrivateDir(dir); err == nil {
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
			if err := MakePrivateDir(link); err == nil {
				t.Error("MakePrivateDir accepted a symbolic link")
			}
		})

	t.Run("a regular file is refused", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "p")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := MakePrivateDir(path); err == nil {
			t.Error("MakePrivateDir accepted a regular file")
		}
	})

	t.Run("another user's folder is refused, naming its owner",
		func(t *testing.T) {
			needRoot(t)
			dir := filepath.Join(tempDir(t), "p")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, nobody, nobody); err != nil {
				t.Fatal(err)
			}
			err := MakePrivateDir(dir)
			if err == nil || !strings.Contains(err.Error(), "(uid 65534)") {
				t.Errorf("err = %v, want a refusal naming uid 65534", err)
			}
		})
}

func TestCheckServer(t *testing.T) {
	t.Run("our own server is fine on any path", func(t *testing.T) {
		dir := tempDir(t)
		t.Setenv("XDG_RUNTIME_DIR", dir)
		for _, path := range []string{DefaultPath(),
			filepath.Join(dir, "other.sock")} {
			ln, err := ListenUnix(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			conn, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if note, err := CheckServer(conn, path); note != "" || err != nil {
				t.Errorf("%s: CheckServer = %q, %v; want nothing", path,
					note, err)
			}
		}
	})

	t.Run("another user's server on the default path is refused by name, "+
		"even in our folder and with our socket file", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("only a peer credential (SO_PEERCRED) can tell")
		}
		dir := foreignDir(t)
		path := filepath.Join(dir, "socketlab.sock")
		startForeignServer(t, path)
		// Only root can do this: now the folder and the file say
		// "ours", and only the kernel knows who listens.
		for _, name := range []string{path, dir} {
			if err := os.Chown(name, os.Getuid(), os.Getgid()); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv("XDG_RUNTIME_DIR", dir)
		if !IsDefault(path) {
			t.Fatalf("%s is not the default path %s", path, DefaultPath())
		}
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = CheckServer(conn, path)
		if err == nil || !strings.Contains(err.Error(), "(uid 65534)") {
			t.Errorf("CheckServer = %v, want an error naming uid 65534",
				err)
		}
	})

	t.Run("another user's server on an explicit path earns a note",
		func(t *testing.T) {
			dir := foreignDir(t)
			t.Setenv("XDG_RUNTIME_DIR", tempDir(t))
			path := filepath.Join(dir, "shared.sock")
			startForeignServer(t, path)
			conn, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			note, err := CheckServer(conn, path)
			if err != nil || !strings.Contains(note, "(uid 65534)") {
				t.Errorf("CheckServer = %q, %v; want a note naming uid "+
					"65534", note, err)
			}
		})

	t.Run("a second server names the user whose server it found",
		func(t *testing.T) {
			path := filepath.Join(foreignDir(t), "taken.sock")
			startForeignServer(t, path)
			ln, err := ListenUnix(path, 0o600, nil)
			if err == nil {
				ln.Close()
				t.Fatal("ListenUnix took another user's live path")
			}
			if !strings.Contains(err.Error(), "run by user nobody (uid 65534)") &&
				!strings.Contains(err.Error(), "run by uid 65534") {
				t.Errorf("error %q does not name the server's owner", err)
			}
		})
}

// nobody is the user id that tests run other users' programs as.
const nobody = 65534

// needRoot skips the test unless it runs as root, which it needs to act
// as another user.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as another user (uid 65534) needs root")
	}
}

// foreignDir returns a new folder that belongs to uid 65534, for that
// user's socket files. It skips the test unless it runs as root.
func foreignDir(t testing.TB) string {
	t.Helper()
	needRoot(t)
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
	needRoot(t)
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
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if line != "listening\n" {
			t.Fatalf("the other user's server did not start: %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the other user's server did not start in 10s")
	}
}

// checkPrivate fails the test unless dir is a folder of ours, mode 0700.
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
