package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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

// TestExerciseWhoConnected checks exercise 1: on Linux, the server logs
// the process id and user id of each client, which SO_PEERCRED gives
// the server as it gives the client: "@ is User 1 (pid 1234, uid 1000)".
func TestExerciseWhoConnected(t *testing.T) {
	exercise(t)
	if runtime.GOOS != "linux" {
		t.Skip("SO_PEERCRED is Linux's; this system has none")
	}
	checkGoroutines(t)
	path, logs, _ := startServer(t)
	// The clients are this test's own connections: this process's pid.
	join(t, path)
	join(t, path)
	for id := 1; id <= 2; id++ {
		logs.waitFor(t, fmt.Sprintf("@ is User %d (pid %d, uid %d)\n",
			id, os.Getpid(), os.Getuid()))
	}
}

// TestExerciseNodeCleansUp checks exercise 2: on Ctrl-C, the Node server
// says goodbye to its clients, removes its socket file and exits once
// they have hung up, so that it starts again on the same path.
func TestExerciseNodeCleansUp(t *testing.T) {
	exercise(t)
	path := filepath.Join(tempDir(t), "chat.sock")
	p := startNode(t, "server.js", "--path", path)
	p.out.waitFor(t, "Listening on "+path+"\n")
	m := join(t, path)
	p.interrupt()
	m.expectEnd("Server is shutting down.")
	m.conn.Close()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("the server did not exit after Ctrl-C:\n%s", p.out)
	}
	gone(t, path)
	again := startNode(t, "server.js", "--path", path)
	again.out.waitFor(t, "Listening on "+path+"\n")
}
