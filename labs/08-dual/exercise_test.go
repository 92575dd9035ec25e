package main

import (
	"os"
	"testing"
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

// TestExerciseDoorInLog checks exercise 1: the server's "is User N" line
// names the door the client came in by, as the joined notice does.
func TestExerciseDoorInLog(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	s := startServer(t)
	a := join(t, s, "tcp")
	join(t, s, "unix")
	a.expect("User 2 joined! (unix)")
	s.logs.waitFor(t, a.conn.LocalAddr().String()+" is User 1 (tcp)\n")
	s.logs.waitFor(t, "@ is User 2 (unix)\n")
}
