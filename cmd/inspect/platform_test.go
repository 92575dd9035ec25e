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
