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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStalePathRaces(t *testing.T) {
	quiet := log.New(io.Discard, "", 0)

	t.Run("two servers started at once on a stale path: exactly one wins",
		func(t *testing.T) {
			dir := tempDir(t)
			for round := range 200 {
				path := filepath.Join(dir, strconv.Itoa(round)+".sock")
				leaveStaleSocket(t, path)
				start := make(chan struct{})
				lns := make([]net.Listener, 2)
				var wg sync.WaitGroup
				for i := range lns {
					wg.Go(func() {
						<-start
						lns[i], _ = listenUnix(path, 0o600, quiet)
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
				dial(t, path).Close() // the winner answers
			}
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

	t.Run("another user's folder at the default path is refused",
		func(t *testing.T) {
			squattedTempDir(t)
			out := newLogBuffer()
			_, done := startMain(t, out, "server")
			if err := waitExit(t, done); err == nil {
				t.Errorf("the server exited 0\n%s", out)
			}
			out.waitFor(t, "(uid 65534), not to you")
		})

	t.Run("a client refuses another user's server on the default path",
		func(t *testing.T) {
			base := squattedTempDir(t)
			startForeignServer(t, filepath.Join(base,
				"socketlab-"+strconv.Itoa(os.Getuid()), "socketlab.sock"))
			out := newLogBuffer()
			_, done := startMain(t, out, "client")
			if err := waitExit(t, done); err == nil {
				t.Errorf("the client exited 0\n%s", out)
			}
			out.waitFor(t, "(uid 65534), not by you")
			if strings.Contains(out.String(), "Welcome") {
				t.Errorf("the client chatted with the squatter:\n%s", out)
			}
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

	t.Run("a folder others may enter is refused", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o777, 0o755, 0o710} {
			dir := filepath.Join(tempDir(t), "p")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			err := makePrivateDir(dir)
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
			if err := makePrivateDir(link); err == nil {
				t.Error("makePrivateDir accepted a symbolic link")
			}
		})
}

// checkDefaultServer runs the lab's server and a client, both without
// -path, and checks that they meet at path, a socket file of mode 0600
// that the server removes when it stops.
func checkDefaultServer(t testing.TB, path string) {
	t.Helper()
	out := newLogBuffer()
	cmd, done := startMain(t, out, "server")
	out.waitFor(t, "Listening on "+path+"\n")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want a socket with 0600", path, fi.Mode())
	}
	client := newLogBuffer()
	_, cdone := startMain(t, client, "client")
	client.waitFor(t, "you are User 1!")
	if err := waitExit(t, cdone); err != nil {
		t.Errorf("the client: %v\n%s", err, client)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := waitExit(t, done); err != nil {
		t.Errorf("the server: %v\n%s", err, out)
	}
	gone(t, path)
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
