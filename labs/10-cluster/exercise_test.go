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
