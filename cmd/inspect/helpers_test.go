package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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

// outputWait bounds how long a test waits for output it expects.
const outputWait = 30 * time.Second

// output is a goroutine-safe buffer that can wait for its contents to
// match a pattern.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newOutput() *output { return &output{changed: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until the output matches the regular expression re and
// returns the output.
func (o *output) waitFor(t testing.TB, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(outputWait)
	for {
		if s := o.String(); rx.MatchString(s) {
			return s
		}
		select {
		case <-o.changed:
		case <-deadline:
			t.Fatalf("output never matched %s:\n%s", re, o.String())
		}
	}
}
