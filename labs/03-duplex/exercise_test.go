package main

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
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

// TestExerciseCountBytes checks exercise 4: when a client hangs up, the
// server logs how much it sent, as "127.0.0.1:50001 sent 19 bytes in 2
// reads".
func TestExerciseCountBytes(t *testing.T) {
	exercise(t)
	// sent matches the line for the client at local.
	sent := func(local string) *regexp.Regexp {
		return regexp.MustCompile(regexp.QuoteMeta(local) +
			` sent (\d+) bytes in (\d+) reads?\b`)
	}

	t.Run("two lines, each echoed before the next is sent, take 2 reads",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			conn := dial(t, addr)
			r := bufio.NewReader(conn)
			for _, line := range []string{"hello\n", "how are you?\n"} {
				io.WriteString(conn, line)
				// Once the echo is back, the server has read the line.
				if _, err := r.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			conn.CloseWrite()
			io.ReadAll(r)
			m := logs.waitMatch(t, sent(conn.LocalAddr().String()))
			if m[1] != "19" || m[2] != "2" {
				t.Errorf("the server logged %q, want 19 bytes in 2 "+
					"reads", m[0])
			}
		})

	t.Run("one big write takes several reads, and every byte counts",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			conn := dial(t, addr)
			big := strings.Repeat("x", 3000)
			io.WriteString(conn, big)
			conn.CloseWrite()
			if b, err := io.ReadAll(conn); len(b) != len(big) {
				t.Fatalf("echo of %d bytes, %v; want %d", len(b), err,
					len(big))
			}
			m := logs.waitMatch(t, sent(conn.LocalAddr().String()))
			reads, _ := strconv.Atoi(m[2])
			if m[1] != "3000" || reads < 3 {
				t.Errorf("the server logged %q, want 3000 bytes in "+
					"3 reads or more (it reads %d bytes at most)", m[0],
					readSize)
			}
		})
}
