package testout

import (
	"fmt"
	"sync"
	"testing"
)

func TestWaitForSeesWritesFromOtherGoroutines(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	// Several waiters at once: each write must wake all of them.
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.WaitFor(t, fmt.Sprintf("line %d\n", 9-i))
		}()
	}
	for i := range 10 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	wg.Wait()
	if got := b.WaitFor(t, `^line 0\n`); len(got) != 70 {
		t.Errorf("the buffer holds %q", got)
	}
}
