// Package testout gives tests a goroutine-safe buffer for what a program
// writes, and a way to wait for it to say something.
package testout

import (
	"bytes"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Wait bounds how long WaitFor waits.
const Wait = 30 * time.Second

// Buffer collects writes from any goroutine. Its zero value is ready.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed by the next write; made by a waiter
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor waits until the buffer matches the regular expression re, and
// returns its contents then. After Wait it fails tb with what it holds.
func (b *Buffer) WaitFor(tb testing.TB, re string) string {
	tb.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		s := b.buf.String()
		if rx.MatchString(s) {
			b.mu.Unlock()
			return s
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("output never matched %s:\n%s", re, b.String())
		}
	}
}
