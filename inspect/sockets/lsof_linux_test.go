//go:build linux

package sockets

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestParseLsofAgreesWithRead runs the real lsof on this process's
// sockets and checks that parseLsof finds what Read finds in /proc: the
// same TCP listener and both ends of its connection, with this process
// as their owner, and the Unix listener by its path.
func TestParseLsofAgreesWithRead(t *testing.T) {
	lsof, err := exec.LookPath("lsof")
	if err != nil {
		t.Skip("lsof is not installed")
	}
	ln := listen(t, "tcp", "127.0.0.1:0")
	connect(t, ln, "")
	dir, err := os.MkdirTemp("/tmp", "lsof")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	uln := listen(t, "unix", path)
	connect(t, uln, "")

	f := Filter{Ports: []int{port(ln.Addr())}, Paths: []string{path}}
	want := ours(read(t, f, func(ss []Socket) bool { return len(ours(ss)) >= 4 }))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, lsof, lsofArgs...).Output()
	if err != nil {
		t.Fatalf("lsof %v: %v", lsofArgs, err)
	}
	got, err := parseLsof(bytes.NewReader(out), f)
	if err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	got = ours(got)
	for _, w := range want {
		if w.Kind == Unix && w.Path == "" {
			continue // the unnamed client end: lsof on Linux gives no peer
		}
		found := false
		for _, g := range got {
			if g.Kind == w.Kind && g.LocalAddr == w.LocalAddr && g.LocalPort == w.LocalPort &&
				g.RemoteAddr == w.RemoteAddr && g.RemotePort == w.RemotePort &&
				g.Path == w.Path && g.State == w.State && g.PID == w.PID && g.Process == w.Process {
				found = true
			}
		}
		if !found {
			t.Errorf("lsof's table lacks %+v; it has:\n%s\nfrom:\n%s", w, lsofTable(got), out)
		}
	}
}
