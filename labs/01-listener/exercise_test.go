package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
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

// counted matches the line of exercise 3.
var counted = regexp.MustCompile(`connection #(\d+)\b`)

// TestExerciseCountConnections checks exercise 3: the server logs
// "connection #N" for each connection it accepts, counting from 1.
func TestExerciseCountConnections(t *testing.T) {
	exercise(t)
	t.Run("connections one after another are numbered 1, 2, 3",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			for n := 1; n <= 3; n++ {
				dial(t, addr)
				logs.waitMatch(t, regexp.MustCompile(
					fmt.Sprintf(`connection #%d\b`, n)))
			}
		})

	t.Run("connections at the same time each get their own number",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			// We dial without waiting for the log, so the server's
			// goroutines handle the connections all at once.
			const clients = 20
			for range clients {
				dial(t, addr)
			}
			logs.waitMatch(t, regexp.MustCompile(fmt.Sprintf(
				`(?s)(A new connection.*){%d}`, clients)))
			var got []int
			for _, m := range counted.FindAllStringSubmatch(
				logs.String(), -1) {
				n, _ := strconv.Atoi(m[1])
				got = append(got, n)
			}
			slices.Sort(got)
			want := make([]int, clients)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d connections were numbered %v, want 1 to "+
					"%d, each once", clients, got, clients)
			}
		})
}
