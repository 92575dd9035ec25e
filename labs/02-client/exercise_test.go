package main

import (
	"io"
	"os"
	"testing"
	"time"
)

// exercise skips t unless the learner has asked for the exercises' tests,
// which fail until the exercise is done.
func exercise(t *testing.T) {
	t.Helper()
	if os.Getenv("SOCKETLAB_EXERCISES") == "" {
		t.Skip("an exercise for you to make pass (see the guide's " +
			"Exercises); run it with: SOCKETLAB_EXERCISES=1 " +
			"go test -run Exercise ./labs/" + lab)
	}
}

// TestExerciseQuietClient checks exercise 2: the server hangs up by
// itself five seconds after a client connects.
func TestExerciseQuietClient(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	addr, _, _ := startServer(t)
	conn := dial(t, addr)
	start := time.Now()
	// ReadAll returns once the server has hung up, or fails at the
	// deadline dial set, 10 seconds from now.
	_, err := io.ReadAll(conn)
	took := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		t.Fatalf("after %v the client is still connected (%v); want "+
			"the server to hang up after 5s", took, err)
	}
	if took < 4500*time.Millisecond || took > 6*time.Second {
		t.Errorf("the server hung up after %v, want 5s", took)
	}
}
