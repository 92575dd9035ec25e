package main

import (
	"os"
	"strings"
	"testing"
)

// TestChildProcess is not a test: the signal tests (TestDemoSignals,
// TestTapSignals) run it in a child process to call main with the
// arguments in SOCKETLAB_INSPECT_CHILD, one per line.
func TestChildProcess(t *testing.T) {
	args := os.Getenv("SOCKETLAB_INSPECT_CHILD")
	if args == "" {
		t.Skip("run by the signal tests in a child process")
	}
	os.Args = append([]string{"inspect"}, strings.Split(args, "\n")...)
	main()
}
