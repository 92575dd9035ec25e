package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

// socketsListen opens a TCP listener on 127.0.0.1 that the test closes,
// and returns it with its port as a string.
func socketsListen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// socketsRun runs inspect sockets with args and returns its error,
// standard output and standard error.
func socketsRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), append([]string{"sockets"}, args...), &out, &errb)
	return out.String(), errb.String(), err
}

// socketsFreePort returns a port no socket uses right now. It is below
// the ephemeral range (32768 and up), so that no client of another test
// or program picks it as its local port while this test runs.
func socketsFreePort(t *testing.T) string {
	t.Helper()
	for range 100 {
		p := strconv.Itoa(20000 + rand.IntN(10000))
		out, err := exec.Command("ss", "-Htan", "sport = :"+p+" or dport = :"+p).Output()
		if err == nil && len(bytes.TrimSpace(out)) == 0 {
			return p
		}
	}
	t.Skip("found no free port (is ss installed?)")
	return ""
}

// socketsNoPath is a socket path no test listens on.
func socketsNoPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "none.sock")
}

func TestSocketsPrintsTheTable(t *testing.T) {
	_, p := socketsListen(t)
	out, _, err := socketsRun(t, "-port", p, "-path", socketsNoPath(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KIND", "PROCESS", "127.0.0.1:" + p, "LISTEN", strconv.Itoa(os.Getpid()) + "/"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSocketsPortFlag(t *testing.T) {
	_, p1 := socketsListen(t)
	_, p2 := socketsListen(t)
	for _, args := range [][]string{
		{"-port", p1 + "," + p2},
		{"-port", p1, "-port", p2},
	} {
		t.Run("ports given as "+strings.Join(args, " ")+" select both listeners", func(t *testing.T) {
			out, _, err := socketsRun(t, append(args, "-path", socketsNoPath(t))...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, ":"+p1+" ") || !strings.Contains(out, ":"+p2+" ") {
				t.Errorf("want both ports in:\n%s", out)
			}
		})
	}
}

func TestSocketsPath(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out, _, err := socketsRun(t, "-path", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "unix/stream") || !strings.Contains(out, path) {
		t.Errorf("want the unix listener in:\n%s", out)
	}
}

func TestSocketsJSON(t *testing.T) {
	_, p := socketsListen(t)
	out, _, err := socketsRun(t, "-json", "-port", p, "-path", socketsNoPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	var l map[string]any
	for _, r := range rows {
		if r["state"] == "LISTEN" && r["pid"] == float64(os.Getpid()) {
			l = r
		}
	}
	if l == nil {
		t.Fatalf("no listener of this process in:\n%s", out)
	}
	want := map[string]any{
		"kind": "tcp", "family": "IPv4", "local_address": "127.0.0.1",
		"local_port": json.Number(p), "state": "LISTEN",
	}
	for k, v := range want {
		got := l[k]
		if n, ok := v.(json.Number); ok {
			v, _ = n.Float64()
		}
		if got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	for _, k := range []string{"recv_q", "send_q", "inode", "process"} {
		if _, ok := l[k]; !ok {
			t.Errorf("the listener has no %q field: %v", k, l)
		}
	}
}

func TestSocketsSaysWhenNothingMatches(t *testing.T) {
	p := socketsFreePort(t)
	path := socketsNoPath(t)

	t.Run("the table says what to run", func(t *testing.T) {
		out, _, err := socketsRun(t, "-port", p, "-path", path)
		if err != nil {
			t.Fatal(err)
		}
		want := "no socket on :" + p + " or " + path + " — try: go run ./labs/05-broadcast server -addr 127.0.0.1:" + p +
			", or go run ./labs/07-ipc server -path " + path + "\n"
		if out != want {
			t.Errorf("got %q, want it to start with %q", out, want)
		}
	})
	t.Run("the defaults name the labs' own commands", func(t *testing.T) {
		def := chat.DefaultPath()
		got := noSocketsHint(sockets.Filter{Ports: []int{3008}, Paths: []string{def}})
		want := "no socket on :3008 or " + def +
			" — try: go run ./labs/05-broadcast server, or go run ./labs/07-ipc server"
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("JSON is an empty list and the hint goes to stderr", func(t *testing.T) {
		out, errOut, err := socketsRun(t, "-json", "-port", p, "-path", path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != "[]" || !strings.Contains(errOut, "no socket on :"+p) {
			t.Errorf("got stdout %q, stderr %q", out, errOut)
		}
	})
}

func TestSocketsAll(t *testing.T) {
	_, p := socketsListen(t)
	out, _, err := socketsRun(t, "-all")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "127.0.0.1:"+p+" ") {
		t.Errorf("want this test's listener in:\n%s", out)
	}
}

func TestSocketsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-port", "x"},
		{"-port", "0"},
		{"-port", "65536"},
		{"-port", "3008,"},
		{"-bogus"},
		{"extra"},
	} {
		t.Run("inspect sockets "+strings.Join(args, " ")+" is a usage error", func(t *testing.T) {
			_, errOut, err := socketsRun(t, args...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
			if code := exitCode(err, new(bytes.Buffer)); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(errOut, "usage: inspect sockets") {
				t.Errorf("stderr lacks the usage:\n%s", errOut)
			}
		})
	}
	t.Run("-h prints the flags and exits 0", func(t *testing.T) {
		_, errOut, err := socketsRun(t, "-h")
		if code := exitCode(err, new(bytes.Buffer)); code != 0 {
			t.Errorf("exit code %d (%v), want 0", code, err)
		}
		for _, flag := range []string{"-port", "-path", "-all", "-json"} {
			if !strings.Contains(errOut, flag) {
				t.Errorf("help lacks %s:\n%s", flag, errOut)
			}
		}
	})
}
