package app

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/ui"
)

func TestCaptureOff(t *testing.T) {
	st := ui.Status{Source: "live lo", Filter: "tcp port 3008"}
	t.Run("a system without live capture goes on with the sockets and taps, saying why in one line", func(t *testing.T) {
		err := &capture.UnsupportedError{OS: "windows"}
		got, ok := captureOff(st, err, capture.PlatformOf("windows"))
		if !ok {
			t.Fatal("the UI stops")
		}
		if got.Problem != err.Error() || strings.Contains(got.Problem, "\n") || got.Capture == "" {
			t.Errorf("status %+v", got)
		}
		if got.Filter != st.Filter {
			t.Errorf("the filter changed to %q", got.Filter)
		}
	})
	t.Run("a missing privilege goes on and says what the platform lacks", func(t *testing.T) {
		err := &capture.PermissionError{Interface: "lo0", Err: os.ErrPermission}
		p := capture.PlatformOf("darwin")
		got, ok := captureOff(st, err, p)
		if !ok || !strings.Contains(got.Capture, p.Lacks) || got.Problem == "" || got.Help == "" {
			t.Errorf("goes on %v with status %+v", ok, got)
		}
	})
	t.Run("any other failure stops the UI", func(t *testing.T) {
		if _, ok := captureOff(st, errors.New("capture: interface \"lo9\": no such interface"), capture.Host); ok {
			t.Error("the UI goes on")
		}
	})
}
