package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// A clientStarter starts one of this lab's clients against addr until the
// test ends, as startClient does.
type clientStarter func(t testing.TB, ctx context.Context, addr string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error, local string)

// eachClient runs test twice: with the Go client, which startClient runs
// in this process, and with its Node twin, node/client.js, which
// startNodeClient runs as a child process.
func eachClient(t *testing.T, test func(t *testing.T, start clientStarter)) {
	t.Run("the Go client", func(t *testing.T) { test(t, startClient) })
	t.Run("the Node client", func(t *testing.T) {
		test(t, startNodeClient)
	})
}

// startClient runs runClient against addr until the test ends. Closing
// stdin is the learner's Ctrl-D; done receives what runClient returned.
func startClient(t testing.TB, ctx context.Context, addr string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error,
	local string) {
	t.Helper()
	conn := dial(t, addr)
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	out = newLogBuffer()
	errc := make(chan error, 1)
	go func() { errc <- runClient(ctx, conn, r, out) }()
	return w, out, errc, conn.LocalAddr().String()
}

// wait returns what the client sent on done, or fails t on timeout.
func wait(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		t.Fatalf("the client did not return within %v", timeout)
		return nil
	}
}

func TestRunClient(t *testing.T) {
	eachClient(t, func(t *testing.T, startClient clientStarter) {
		t.Run("both ends see the same connection, mirrored",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				_, out, _, local := startClient(t,
					context.Background(), addr)
				out.waitFor(t, "Connected to the server!\n")
				out.waitMatch(t, bothEnds(local, addr))
				// The server's remote end is our local end, and the
				// other way round.
				logs.waitMatch(t, bothEnds(addr, local))
			})

		t.Run("the end of stdin makes it hang up", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			stdin, out, done, local := startClient(t,
				context.Background(), addr)
			logs.waitFor(t, local)
			stdin.Close()
			if err := wait(t, done); err != nil {
				t.Errorf("the client returned %v, want nil", err)
			}
			logs.waitFor(t, local+" hung up\n")
			if strings.Contains(out.String(), "hung up") {
				t.Errorf("our own hang-up was taken for the "+
					"server's:\n%s", out)
			}
		})

		t.Run("it says so when the server hangs up", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := startServer(t)
			_, out, done, local := startClient(t,
				context.Background(), addr)
			logs.waitFor(t, local)
			stop()
			if err := wait(t, done); err != nil {
				t.Errorf("the client returned %v, want nil", err)
			}
			out.waitFor(t, "The server hung up.\n")
		})

		t.Run("canceling ctx makes it return", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			ctx, cancel := context.WithCancel(context.Background())
			_, out, done, local := startClient(t, ctx, addr)
			logs.waitFor(t, local)
			cancel()
			if err := wait(t, done); err != nil {
				t.Errorf("the client returned %v, want nil", err)
			}
			logs.waitFor(t, local+" hung up\n")
			if strings.Contains(out.String(), "hung up") {
				t.Errorf("Ctrl-C was taken for a server hang-up:\n%s",
					out)
			}
		})
	})
}

func TestTranscript(t *testing.T) {
	// The learner starts the server, runs the client in a second
	// terminal, reads its output and presses Ctrl-D, then Ctrl-C in the
	// server's terminal.
	tests := []struct {
		name, server, client, golden string
		startServer                  serverStarter
		startClient                  clientStarter
	}{
		{"in Go", "go run ./labs/02-client server",
			"go run ./labs/02-client client", "transcript.txt",
			startServer, startClient},
		{"in Node", "node labs/02-client/node/server.js",
			"node labs/02-client/node/client.js", "node-transcript.txt",
			startNodeServer, startNodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := tt.startServer(t)
			stdin, out, done, local := tt.startClient(t,
				context.Background(), addr)
			out.waitMatch(t, bothEnds(local, addr))
			logs.waitMatch(t, bothEnds(addr, local))
			stdin.Close()
			if err := wait(t, done); err != nil {
				t.Fatal(err)
			}
			logs.waitFor(t, local+" hung up\n")
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			got := "$ " + tt.server + "\n" + logs.String() + "^C\n" +
				"# in a second terminal, while the server runs\n" +
				"$ " + tt.client + "\n" + out.String()
			checkGolden(t, tt.golden,
				normalize(got, port(t, addr), port(t, local)))
		})
	}
}
