package chat

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
			!strings.Contains(err.Error(), "a server is running on "+path) {
			t.Errorf("error %q does not say a server is running", err)
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
