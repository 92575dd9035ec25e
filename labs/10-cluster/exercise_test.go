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

// TestExerciseCountOnWelcome checks exercise 1: a newcomer is told,
// just after the welcome, how many users the room has on all its
// servers, the newcomer included, and on how many servers.
func TestExerciseCountOnWelcome(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	bus := startBus(t)
	a, b := startMember(t, bus, "a", nil), startMember(t, bus, "b", nil)
	bob := join(t, b, "tcp")
	join(t, a, "tcp")
	bob.expect("User 1@a joined! (tcp)") // server b knows of alice
	carol := join(t, b, "tcp")
	carol.expect("3 users here, on 2 servers.")
}
