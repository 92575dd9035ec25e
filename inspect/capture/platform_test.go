package capture

import (
	"errors"
	"strings"
	"testing"
)

func TestPlatformOf(t *testing.T) {
	for _, tc := range []struct {
		goos     string
		live     bool
		loopback string
	}{
		{"linux", true, "lo"},
		{"darwin", true, "lo0"},
		{"freebsd", true, "lo0"},
		{"windows", false, ""},
		{"plan9", false, ""},
	} {
		p := PlatformOf(tc.goos)
		if p.Live != tc.live || p.Loopback != tc.loopback {
			t.Errorf("%s: live %v on %q, want %v on %q", tc.goos, p.Live, p.Loopback, tc.live, tc.loopback)
		}
		if p.Live && (p.Needs == "" || p.Lacks == "") {
			t.Errorf("%s: captures but does not say what it needs", tc.goos)
		}
	}
}

func TestUnsupportedError(t *testing.T) {
	err := error(&UnsupportedError{OS: "windows"})
	if !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrPermission) {
		t.Errorf("%v: ErrUnsupported %v, ErrPermission %v", err,
			errors.Is(err, ErrUnsupported), errors.Is(err, ErrPermission))
	}
	msg := err.Error()
	if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "Windows") || !strings.Contains(msg, "-r") {
		t.Errorf("not one line that names the system and the way out: %q", msg)
	}
}

func TestPermissionHelpPerSystem(t *testing.T) {
	t.Run("macOS names sudo and the access_bpf group, and no setcap", func(t *testing.T) {
		help := permissionHelpFor(PlatformOf("darwin"), "/Users/ada/bin/inspect")
		for _, want := range []string{"sudo /Users/ada/bin/inspect\n", "access_bpf", "/dev/bpf*"} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
		if strings.Contains(help, "setcap") {
			t.Errorf("help offers setcap, which macOS has not:\n%s", help)
		}
		for line := range strings.Lines(help) {
			if len(strings.TrimSuffix(line, "\n")) > 72 {
				t.Errorf("line longer than 72 columns: %q", line)
			}
		}
	})
	t.Run("on macOS a binary go run built is built into bin/inspect first", func(t *testing.T) {
		help := permissionHelpFor(PlatformOf("darwin"), "/var/folders/x/T/go-build123/b001/exe/inspect")
		if !strings.Contains(help, "go build -o bin/inspect ./cmd/inspect && sudo bin/inspect\n") {
			t.Errorf("help does not build first:\n%s", help)
		}
	})
	t.Run("Linux keeps its setcap help", func(t *testing.T) {
		exe := "/home/ada/bin/inspect"
		if got, want := permissionHelpFor(PlatformOf("linux"), exe), permissionHelp(exe); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("the status line names what is missing and the command", func(t *testing.T) {
		for _, goos := range []string{"linux", "darwin", "freebsd"} {
			p := PlatformOf(goos)
			line := permissionProblem(p, "FIX")
			if !strings.Contains(line, p.Lacks) || !strings.Contains(line, "FIX") || strings.Contains(line, "\n") {
				t.Errorf("%s: %q", goos, line)
			}
		}
	})
}
