//go:build unix

package capture

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/socketlab/socketlab/inspect/visible"
)

// withUmask sets the process's umask for the rest of the test.
func withUmask(t testing.TB, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// writeFile writes data to path with the given mode, whatever the umask.
func writeFile(t testing.TB, path, data string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// checkFile fails the test unless path holds data.
func checkFile(t testing.TB, path, data string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != data {
		t.Errorf("%s holds %q (%v), want %q", path, got, err, data)
	}
}

// createAndWrite creates path with Create and writes data to it.
func createAndWrite(path string, opt CreateOptions, data string) error {
	f, err := Create(path, opt)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func TestCreate(t *testing.T) {
	t.Run("a new file is readable by its owner alone, even under umask 000", func(t *testing.T) {
		withUmask(t, 0)
		path := filepath.Join(t.TempDir(), "new.pcap")
		if err := createAndWrite(path, CreateOptions{}, "new"); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v (%v), want 0600", fi.Mode(), err)
		}
	})
	t.Run("a new file is 0600 even under umask 0777, which another goroutine may set for a moment", func(t *testing.T) {
		withUmask(t, 0o777)
		path := filepath.Join(t.TempDir(), "new.pcap")
		if err := createAndWrite(path, CreateOptions{}, "new"); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v (%v), want 0600", fi.Mode(), err)
		}
	})
	t.Run("creating refuses a symbolic link planted after the check, without following it", func(t *testing.T) {
		// createNew is the step after Create's check: O_EXCL alone
		// must refuse a link there, even a dangling one.
		dir := t.TempDir()
		target, link := filepath.Join(dir, "planted"), filepath.Join(dir, "out.pcap")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		f, err := createNew(link)
		if err == nil {
			f.Close()
		}
		if !errors.Is(err, ErrExists) {
			t.Errorf("error %v, want ErrExists", err)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was created through the link (%v)", target, err)
		}
	})
	t.Run("its errors show a hostile file name literally, on one line", func(t *testing.T) {
		dir := t.TempDir()
		name := "x\n\x1b[2J\u202e"
		for _, path := range []string{filepath.Join(dir, name), filepath.Join(dir, name, "deeper")} {
			writeFile(t, filepath.Join(dir, name), "older capture", 0o644)
			_, err := Create(path, CreateOptions{})
			if err == nil {
				t.Fatalf("Create(%q) did not fail", path)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\x1b\u202e") ||
				!strings.Contains(msg, visible.String(name)) {
				t.Errorf("Create(%q): %q, want the name shown as %s", path, msg, visible.String(name))
			}
		}
	})
	for _, force := range []bool{false, true} {
		opt := CreateOptions{Force: force}
		with := map[bool]string{false: "without Force", true: "with Force"}[force]
		t.Run("a symbolic link is refused and its target untouched, "+with, func(t *testing.T) {
			dir := t.TempDir()
			target, link := filepath.Join(dir, "target"), filepath.Join(dir, "out.pcap")
			writeFile(t, target, "precious", 0o644)
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if err := createAndWrite(link, opt, "captured"); !errors.Is(err, ErrSymlink) {
				t.Errorf("Force %v: error %v, want ErrSymlink", force, err)
			}
			checkFile(t, target, "precious")
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the link was replaced: %v", err)
			}
		})
		t.Run("a dangling symbolic link is refused and nothing is created where it points, "+with, func(t *testing.T) {
			dir := t.TempDir()
			target, link := filepath.Join(dir, "planted"), filepath.Join(dir, "out.pcap")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if err := createAndWrite(link, opt, "captured"); !errors.Is(err, ErrSymlink) {
				t.Errorf("Force %v: error %v, want ErrSymlink", force, err)
			}
			if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s was created (%v)", target, err)
			}
		})
		t.Run("the file being read is refused under any of its names, "+with, func(t *testing.T) {
			dir := t.TempDir()
			in, other := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "other-name.pcap")
			writeFile(t, in, "the capture", 0o644)
			if err := os.Link(in, other); err != nil {
				t.Fatal(err)
			}
			for _, out := range []string{in, other, filepath.Join(dir, ".", "in.pcap")} {
				opt := CreateOptions{Force: force, Reading: in}
				if err := createAndWrite(out, opt, "captured"); !errors.Is(err, ErrSameFile) {
					t.Errorf("Force %v, writing %s: error %v, want ErrSameFile", force, out, err)
				}
			}
			checkFile(t, in, "the capture")
		})
		t.Run("what is not a regular file is refused, "+with, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o666); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{dir, fifo} {
				if err := createAndWrite(path, opt, "captured"); !errors.Is(err, ErrNotRegular) {
					t.Errorf("Force %v, writing %s: error %v, want ErrNotRegular", force, path, err)
				}
			}
		})
	}
	t.Run("an existing file is left as it is without Force", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.pcap")
		writeFile(t, path, "older capture", 0o644)
		if err := createAndWrite(path, CreateOptions{}, "captured"); !errors.Is(err, ErrExists) {
			t.Errorf("error %v, want ErrExists", err)
		}
		checkFile(t, path, "older capture")
	})
	t.Run("Force replaces a file with a new one, 0600, and its other names keep the old data", func(t *testing.T) {
		withUmask(t, 0)
		dir := t.TempDir()
		path, other := filepath.Join(dir, "out.pcap"), filepath.Join(dir, "other-name")
		writeFile(t, path, "older capture", 0o666)
		if err := os.Link(path, other); err != nil {
			t.Fatal(err)
		}
		if err := createAndWrite(path, CreateOptions{Force: true, Reading: "testdata/echo4.pcap"}, "captured"); err != nil {
			t.Fatal(err)
		}
		checkFile(t, path, "captured")
		checkFile(t, other, "older capture")
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v (%v), want 0600", fi.Mode(), err)
		}
	})
}
