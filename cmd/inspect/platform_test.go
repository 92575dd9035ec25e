package main

import (
	"os"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
)

func TestDemoCaptureText(t *testing.T) {
	t.Run("without live capture the demo says so in one line and shows the tap", func(t *testing.T) {
		err := &capture.UnsupportedError{OS: "windows"}
		got := demoCaptureText(err, capture.PlatformOf("windows"))
		if !strings.HasPrefix(got, "off: ") || !strings.Contains(got, err.Error()) ||
			!strings.Contains(got, "tap") || strings.Contains(got, "\n") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("on macOS capture on lo0 is on once the device opens", func(t *testing.T) {
		if got := demoCaptureText(nil, capture.PlatformOf("darwin")); !strings.Contains(got, "lo0") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("without the privilege the demo names what is missing", func(t *testing.T) {
		p := capture.PlatformOf("darwin")
		err := &capture.PermissionError{Interface: "lo0", Err: os.ErrPermission}
		if got := demoCaptureText(err, p); !strings.Contains(got, p.Lacks) {
			t.Errorf("got %q", got)
		}
	})
}

func TestDemoCaptureHint(t *testing.T) {
	for _, tc := range []struct {
		goos, run, want string
	}{
		{"linux", "go run ./cmd/inspect", "CAP_NET_RAW"},
		{"linux", "bin/inspect", ""},
		{"darwin", "go run ./cmd/inspect", "access_bpf"},
		{"windows", "go run ./cmd/inspect", "no live capture"},
	} {
		got := demoCaptureHint(capture.PlatformOf(tc.goos), tc.run)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s, %s: %q, want it to hold %q", tc.goos, tc.run, got, tc.want)
		}
	}
}
