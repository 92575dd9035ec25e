package tap

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if !strings.Contains(err.Error(), "not a socket (a regular file)") {
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
