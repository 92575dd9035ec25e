//go:build unix

package app

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// withUmask sets the process's umask for the rest of the test.
func withUmask(t testing.TB, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// keep writes data to path and returns a check that it is still there,
// unchanged, under that name.
func keep(t testing.TB, path string, data []byte) func() {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		got, err := os.ReadFile(path)
		if err != nil || string(got) != string(data) {
			t.Errorf("%s changed: %d bytes (%v), had %d", path, len(got), err, len(data))
		}
	}
}

// checkMode fails the test unless path is a regular file of mode 0600.
func checkMode(t testing.TB, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v (%v), want a regular file of mode 0600", path, fi.Mode(), err)
	}
}

// TestSaveSafely checks the terminal UI's w key (SavePcap), which
// names its file after the current second, in the current directory or
// else the temporary one.
func TestSaveSafely(t *testing.T) {
	src, err := capture.OpenFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	var ps []capture.Packet
	for {
		var p capture.Packet
		if err := src.Next(&p); err != nil {
			break
		}
		ps = append(ps, p.Copy())
	}
	link, snap := src.LinkType(), src.SnapLen()
	src.Close()

	// plant puts something, made by make, at every name the save may
	// choose in the next two minutes, in both of its directories.
	plant := func(t *testing.T, make func(path string)) {
		t.Helper()
		cwd, tmp := t.TempDir(), t.TempDir()
		t.Chdir(cwd)
		t.Setenv("TMPDIR", tmp)
		now := time.Now()
		for s := -1; s <= 120; s++ {
			name := "inspect-" + now.Add(time.Duration(s)*time.Second).Format("20060102-150405") + ".pcap"
			make(filepath.Join(cwd, name))
			make(filepath.Join(tmp, name))
		}
	}
	t.Run("symbolic links at the names it would use are refused and their target untouched", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "someone-elses")
		unchanged := keep(t, target, []byte("not to be overwritten"))
		plant(t, func(path string) {
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		})
		if path, err := SavePcap(link, snap, ps); err == nil {
			t.Errorf("saved to %s through a planted link", path)
		}
		unchanged()
	})
	t.Run("files at the names it would use are left as they are", func(t *testing.T) {
		var checks []func()
		plant(t, func(path string) { checks = append(checks, keep(t, path, []byte("older"))) })
		if path, err := SavePcap(link, snap, ps); err == nil {
			t.Errorf("saved to %s over an existing file", path)
		}
		for _, check := range checks {
			check()
		}
	})
	t.Run("a saved file is 0600 under umask 000", func(t *testing.T) {
		withUmask(t, 0)
		t.Chdir(t.TempDir())
		path, err := SavePcap(link, snap, ps)
		if err != nil {
			t.Fatal(err)
		}
		checkMode(t, path)
	})
}
