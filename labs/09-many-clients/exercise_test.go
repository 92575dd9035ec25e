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

// TestExerciseNodeCutsOffSlowClient checks exercise 4: the Node server
// cuts off a client that has more than 4 MiB waiting for it, as the Go
// room does, so that the others hear that it left.
func TestExerciseNodeCutsOffSlowClient(t *testing.T) {
	exercise(t)
	s := startNodeServer(t)
	if !flood(t, s, 16<<20) {
		t.Errorf("16 MiB later, the client that stopped reading is " +
			"still in the room")
	}
}
