package main

import (
	"io"
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

// TestExerciseQuit checks exercise 1: the line "/quit" makes the server
// answer "bye" and close the connection.
func TestExerciseQuit(t *testing.T) {
	exercise(t)
	checkGoroutines(t)
	addr, _, _ := startServer(t)
	conn, r := talk(t, addr)
	io.WriteString(conn, "hello\n")
	expect(t, r, "you said: hello")
	io.WriteString(conn, "/quit\n")
	expect(t, r, "bye")
	// We have not hung up: if the connection ends, the server closed it.
	if rest, err := io.ReadAll(r); len(rest) > 0 || err != nil {
		t.Errorf("after bye the server sent %q, then %v; want it to "+
			"close the connection", rest, err)
	}
}
