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

// TestExercisePrivate checks exercise 1: "/msg N text" sends the text to
// User N alone, as "User M, to you only: text", and a number nobody in
// the room has gets the sender an error.
func TestExercisePrivate(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	addr, logs, _ := startServer(t)
	a, b, c := join(t, addr, logs), join(t, addr, logs), join(t, addr, logs)
	a.send("/msg 3 psst\n")
	a.send("and now for everyone\n")
	// b's next line is the public one: the private one did not reach it.
	b.expect("User 1: and now for everyone")
	c.expect("User 1, to you only: psst", "User 1: and now for everyone")
	b.conn.Close()
	logs.waitFor(t, b.conn.LocalAddr().String()+" hung up\n")
	for _, to := range []string{"2", "9"} {
		a.send("/msg " + to + " anyone?\n")
		a.expect("error: no User " + to + " here")
	}
	c.send("thanks\n")
	a.expect("User 3: thanks")
}
