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

// TestExerciseWhoIsHere checks exercise 1: right after its welcome, a
// newcomer is told who else is in the room, by number, smallest first:
// "In the room: User 1, User 3", or "In the room: nobody else".
func TestExerciseWhoIsHere(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	addr, _, _ := startServer(t)
	a := join(t, addr)
	a.expect("In the room: nobody else")
	b := join(t, addr)
	b.expect("In the room: User 1")
	c := join(t, addr)
	c.expect("In the room: User 1, User 2")
	a.expect("User 2 joined!", "User 3 joined!")
	b.conn.Close()
	a.expect("User 2 left!")
	d := join(t, addr)
	d.expect("In the room: User 1, User 3")
	// Nothing came between the welcome and the list: the list is right
	// after the welcome, however busy the room is.
	c.send("hello\n")
	d.expect("User 3: hello")
}
