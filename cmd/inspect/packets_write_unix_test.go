//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
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

func TestPacketsWriteSafely(t *testing.T) {
	recording, err := os.ReadFile(packetsRecording)
	if err != nil {
		t.Fatal(err)
	}
	// refused runs inspect packets and wants it to fail with status 1.
	refused := func(t *testing.T, args ...string) {
		t.Helper()
		_, _, err := packetsRun(t, args...)
		if code := exitCode(err, io.Discard); code != 1 {
			t.Errorf("inspect packets %q: exit status %d (%v), want 1", args, code, err)
		}
	}
	for _, force := range [][]string{nil, {"-force"}} {
		with := "without -force"
		if force != nil {
			with = "with -force"
		}
		t.Run("a symbolic link at the -w path is refused and its target untouched, "+with, func(t *testing.T) {
			dir := t.TempDir()
			target, link := filepath.Join(dir, "someone-elses"), filepath.Join(dir, "out.pcap")
			unchanged := keep(t, target, []byte("not to be overwritten"))
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			refused(t, append([]string{"-r", packetsRecording, "-w", link}, force...)...)
			unchanged()
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the link was replaced (%v)", err)
			}
		})
		t.Run("-r f -w f leaves the input untouched, "+with, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in.pcap")
			unchanged := keep(t, in, recording)
			refused(t, append([]string{"-r", in, "-w", in}, force...)...)
			unchanged()
		})
		t.Run("-r f -w (a hard link of f) leaves the input untouched, "+with, func(t *testing.T) {
			dir := t.TempDir()
			in, other := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "same.pcap")
			unchanged := keep(t, in, recording)
			if err := os.Link(in, other); err != nil {
				t.Fatal(err)
			}
			refused(t, append([]string{"-r", in, "-w", other}, force...)...)
			unchanged()
		})
	}
	t.Run("an existing -w file is left as it is without -force", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.pcap")
		unchanged := keep(t, out, []byte("yesterday's capture"))
		refused(t, "-r", packetsRecording, "-w", out)
		unchanged()
	})
	t.Run("-force replaces an existing file with a new one, 0600 under umask 000", func(t *testing.T) {
		withUmask(t, 0)
		out := filepath.Join(t.TempDir(), "out.pcap")
		keep(t, out, []byte("yesterday's capture"))
		if _, _, err := packetsRun(t, "-r", packetsRecording, "-w", out, "-force"); err != nil {
			t.Fatal(err)
		}
		checkMode(t, out)
		packetsTcpdumpReads(t, out, 14)
	})
	t.Run("a new -w file is 0600 under umask 000", func(t *testing.T) {
		withUmask(t, 0)
		out := filepath.Join(t.TempDir(), "out.pcap")
		if _, _, err := packetsRun(t, "-r", packetsRecording, "-w", out); err != nil {
			t.Fatal(err)
		}
		checkMode(t, out)
		if again, _, err := packetsRun(t, "-r", out); err != nil || len(packetsLines(again)) != 14 {
			t.Errorf("the written file reads back as %d lines (%v), want 14", len(packetsLines(again)), err)
		}
	})
	t.Run("-force without -w is a usage error", func(t *testing.T) {
		_, _, err := packetsRun(t, "-r", packetsRecording, "-force")
		if !isUsage(err) {
			t.Errorf("error %v, want a usage error", err)
		}
	})
}
