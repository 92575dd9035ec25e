package chat

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

func TestListenUnixRaces(t *testing.T) {
	t.Run("two servers started at once on a stale path: exactly one wins",
		func(t *testing.T) {
			dir := tempDir(t)
			for round := range 200 {
				path := filepath.Join(dir, "r"+strconv.Itoa(round)+".sock")
				leaveStaleSocket(t, path)
				start := make(chan struct{})
				lns := make([]net.Listener, 2)
				var wg sync.WaitGroup
				for i := range lns {
					wg.Go(func() {
						<-start
						lns[i], _ = ListenUnix(path, 0o600, nil)
					})
				}
				close(start)
				wg.Wait()
				won := 0
				for _, ln := range lns {
					if ln != nil {
						won++
						defer ln.Close()
					}
				}
				if won != 1 {
					t.Fatalf("round %d: %d servers listen on %s, want 1",
						round, won, path)
				}
				conn, err := net.Dial("unix", path)
				if err != nil {
					t.Fatalf("round %d: the winner does not answer: %v",
						round, err)
				}
				conn.Close()
			}
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

	t.Run("a symbolic link at the lock file's path is not followed",
		func(t *testing.T) {
			dir := tempDir(t)
			path := filepath.Join(dir, "y.sock")
			target := filepath.Join(dir, "elsewhere")
			if err := os.Symlink(target, path+".lock"); err != nil {
				t.Fatal(err)
			}
			if ln, err := ListenUnix(path, 0o600, nil); err == nil {
				ln.Close()
				t.Fatal("ListenUnix locked through a symbolic link")
			}
			if _, err := os.Lstat(target); !os.IsNotExist(err) {
				t.Errorf("the link's target was created (%v)", err)
			}
			if _, err := os.Lstat(path); !os.IsNotExist(err) {
				t.Errorf("a socket was bound without the lock (%v)", err)
			}
		})
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

	t.Run("a folder others may enter is refused", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o777, 0o755, 0o710} {
			dir := filepath.Join(tempDir(t), "p")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			err := MakePrivateDir(dir)
			if err == nil || !strings.Contains(err.Error(), "chmod 700") {
				t.Errorf("mode %04o: err = %v, want a refusal saying "+
					"how to fix it", mode, err)
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
			err := MakePrivateDir(link)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("err = %v, want a refusal of the link", err)
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

	t.Run("another user's server on the default path is refused by name",
		func(t *testing.T) {
			dir := foreignDir(t)
			t.Setenv("XDG_RUNTIME_DIR", dir)
			path := DefaultPath()
			startForeignServer(t, path)
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
