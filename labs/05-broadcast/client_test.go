package main

import (
	"context"
	"io"
	"net"
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

		t.Run("each line you type reaches the others, theirs reach you",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				stdin, out, _, local := startClient(t,
					context.Background(), addr)
				logs.waitFor(t, local+" is User 1\n")
				b := join(t, addr, logs)
				io.WriteString(stdin, "hello\n")
				b.expect("User 1: hello")
				b.send("hi\n")
				out.waitFor(t, addr+"\nUser 2: hi\n")
			})

		t.Run("a line typed just before the end of stdin still goes out",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				b := join(t, addr, logs)
				stdin, out, done, local := startClient(t,
					context.Background(), addr)
				io.WriteString(stdin, "bye\n")
				stdin.Close()
				if err := wait(t, done); err != nil {
					t.Errorf("the client returned %v, want nil", err)
				}
				b.expect("User 2: bye")
				logs.waitFor(t, local+" hung up\n")
				// We left first: the server's hang-up is its goodbye.
				if !strings.HasSuffix(out.String(),
					addr+"\nYou left the chat.\n") {
					t.Errorf("client output:\n%s", out)
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

	t.Run("-split writes in pieces, and the line arrives whole",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			b := join(t, addr, logs)
			splitSize = 2
			t.Cleanup(func() { splitSize = 0 })
			conn := &countingConn{TCPConn: dial(t, addr)}
			out := newLogBuffer()
			err := runClient(context.Background(), conn,
				strings.NewReader("hello\n"), out)
			if err != nil {
				t.Fatal(err)
			}
			if conn.writes != 3 {
				t.Errorf("6 bytes with -split 2 took %d writes, want 3",
					conn.writes)
			}
			b.expect("User 2: hello")
		})
}

// countingConn counts the Writes made to a real TCP connection.
type countingConn struct {
	*net.TCPConn
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes++
	return c.TCPConn.Write(p)
}

func TestTranscript(t *testing.T) {
	// Two learners chat. Each terminal shows what its learner types (we
	// add it to the output, as the terminal's echo would), then what
	// arrives. The second learner leaves with Ctrl-D, and the server is
	// stopped with Ctrl-C while the first is still there.
	tests := []struct {
		name, server, client, golden string
		startServer                  serverStarter
		startClient                  clientStarter
	}{
		{"in Go", "go run ./labs/05-broadcast server",
			"go run ./labs/05-broadcast client", "transcript.txt",
			startServer, startClient},
		{"in Node", "node labs/05-broadcast/node/server.js",
			"node labs/05-broadcast/node/client.js", "node-transcript.txt",
			startNodeServer, startNodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := tt.startServer(t)
			// Each learner types once the client has said it is
			// connected, and the server has put it in the room.
			in1, out1, done1, local1 := tt.startClient(t,
				context.Background(), addr)
			out1.waitMatch(t, bothEnds(local1, addr))
			logs.waitFor(t, local1+" is User 1\n")
			in2, out2, done2, local2 := tt.startClient(t,
				context.Background(), addr)
			out2.waitMatch(t, bothEnds(local2, addr))
			logs.waitFor(t, local2+" is User 2\n")
			typed := func(stdin io.Writer, out *logBuffer, line string) {
				io.WriteString(out, line)
				io.WriteString(stdin, line)
			}
			typed(in1, out1, "hi, is anyone here?\n")
			out2.waitFor(t, "User 1: hi, is anyone here?\n")
			typed(in2, out2, "yes, me! ¿qué tal?\n")
			out1.waitFor(t, "User 2: yes, me! ¿qué tal?\n")
			typed(in1, out1, "fine, bye for now\n")
			out2.waitFor(t, "User 1: fine, bye for now\n")
			in2.Close()
			if err := wait(t, done2); err != nil {
				t.Fatal(err)
			}
			logs.waitFor(t, local2+" hung up\n")
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if err := wait(t, done1); err != nil {
				t.Fatal(err)
			}
			got := "$ " + tt.server + "\n" + logs.String() + "^C\n" +
				"# in a second terminal, while the server runs\n" +
				"$ " + tt.client + "\n" + out1.String() +
				"# in a third terminal\n" +
				"$ " + tt.client + "\n" + out2.String()
			checkGolden(t, tt.golden, normalize(got, port(t, addr),
				port(t, local1), port(t, local2)))
		})
	}
}
