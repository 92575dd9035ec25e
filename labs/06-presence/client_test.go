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
		t.Run("both ends see the same connection, mirrored", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			_, out, _, local := startClient(t, context.Background(), addr)
			out.waitFor(t, "Connected to the server!\n")
			out.waitMatch(t, bothEnds(local, addr))
			// The server's remote end is our local end, and the other way
			// round.
			logs.waitMatch(t, bothEnds(addr, local))
		})

		t.Run("each line you type reaches the others, theirs reach you",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				stdin, out, _, local := startClient(t, context.Background(),
					addr)
				logs.waitFor(t, local+" is User 1\n")
				b := join(t, addr)
				io.WriteString(stdin, "hello\n")
				b.expect("User 1: hello")
				b.send("hi\n")
				out.waitFor(t, addr+"\nWelcome to the chat, you are User 1!\n"+
					"User 2 joined!\nUser 2: hi\n")
			})

		t.Run("a line typed just before the end of stdin still goes out",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				b := join(t, addr)
				stdin, out, done, local := startClient(t,
					context.Background(), addr)
				io.WriteString(stdin, "bye\n")
				stdin.Close()
				if err := wait(t, done); err != nil {
					t.Errorf("the client returned %v, want nil", err)
				}
				b.expect("User 2 joined!", "User 2: bye", "User 2 left!")
				logs.waitFor(t, local+" hung up\n")
				// We left first: the server's hang-up is its goodbye.
				if !strings.HasSuffix(out.String(), addr+"\n"+
					"Welcome to the chat, you are User 2!\n"+
					"You left the chat.\n") {
					t.Errorf("client output:\n%s", out)
				}
			})

		t.Run("it says so when the server hangs up", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := startServer(t)
			_, out, done, local := startClient(t, context.Background(), addr)
			logs.waitFor(t, local)
			stop()
			if err := wait(t, done); err != nil {
				t.Errorf("the client returned %v, want nil", err)
			}
			out.waitFor(t, "Server is shutting down.\nThe server hung up.\n")
		})

		t.Run("canceling ctx makes it return", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			ctx, cancel := context.WithCancel(context.Background())
			_, out, done, local := startClient(t, ctx, addr)
			logs.waitFor(t, local)
			// Unread data at close would make the kernel send RST, not FIN.
			out.waitFor(t, "you are User 1!\n")
			cancel()
			if err := wait(t, done); err != nil {
				t.Errorf("the client returned %v, want nil", err)
			}
			logs.waitFor(t, local+" hung up\n")
			if strings.Contains(out.String(), "hung up") {
				t.Errorf("Ctrl-C was taken for a server hang-up:\n%s", out)
			}
		})
	})

	t.Run("-split writes in pieces, and the line arrives whole",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			b := join(t, addr)
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
			b.expect("User 2 joined!", "User 2: hello")
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
	// Three learners chat. Each terminal shows what its learner types (we
	// add it to the output, as the terminal's echo would), then what
	// arrives. The second learner leaves with Ctrl-D before the third
	// comes, and the server is stopped with Ctrl-C at the end.
	tests := []struct {
		name, server, client, golden string
		startServer                  serverStarter
		startClient                  clientStarter
	}{
		{"in Go", "go run ./labs/06-presence server",
			"go run ./labs/06-presence client", "transcript.txt",
			startServer, startClient},
		{"in Node", "node labs/06-presence/node/server.js",
			"node labs/06-presence/node/client.js", "node-transcript.txt",
			startNodeServer, startNodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			transcript(t, tt.startServer, tt.startClient, tt.server,
				tt.client, tt.golden)
		})
	}
}

// transcript runs the chat of TestTranscript with a server and clients
// that startServer and startClient start, and compares what each
// terminal shows with testdata/golden.
func transcript(t *testing.T, startServer serverStarter,
	startClient clientStarter, server, client, golden string) {
	addr, logs, stop := startServer(t)
	ctx := context.Background()
	in1, out1, done1, local1 := startClient(t, ctx, addr)
	out1.waitFor(t, "you are User 1!\n")
	in2, out2, done2, local2 := startClient(t, ctx, addr)
	out1.waitFor(t, "User 2 joined!\n")
	out2.waitFor(t, "you are User 2!\n")
	typed := func(stdin io.Writer, out *logBuffer, line string) {
		io.WriteString(out, line)
		io.WriteString(stdin, line)
	}
	typed(in1, out1, "hi, is anyone here?\n")
	out2.waitFor(t, "User 1: hi, is anyone here?\n")
	typed(in2, out2, "yes, me! gotta go, bye\n")
	out1.waitFor(t, "User 2: yes, me! gotta go, bye\n")
	in2.Close()
	if err := wait(t, done2); err != nil {
		t.Fatal(err)
	}
	out1.waitFor(t, "User 2 left!\n")
	logs.waitFor(t, local2+" hung up\n")
	in3, out3, done3, local3 := startClient(t, ctx, addr)
	out1.waitFor(t, "User 3 joined!\n")
	out3.waitFor(t, "you are User 3!\n")
	typed(in3, out3, "did I miss anything?\n")
	out1.waitFor(t, "User 3: did I miss anything?\n")
	// Ctrl-C: the server's last words come after the ^C.
	before := logs.String()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, done := range []<-chan error{done1, done3} {
		if err := wait(t, done); err != nil {
			t.Fatal(err)
		}
	}
	in1.Close()
	in3.Close()
	// The Go server says goodbye on the line of the ^C; the Node server
	// says nothing.
	last := strings.TrimPrefix(logs.String(), before)
	if last == "" {
		last = "\n"
	}
	got := "$ " + server + "\n" + before + "^C" + last +
		"# in a second terminal, while the server runs\n" +
		"$ " + client + "\n" + out1.String() +
		"# in a third terminal\n" +
		"$ " + client + "\n" + out2.String() +
		"# in the third terminal again, after that client ended\n" +
		"$ " + client + "\n" + out3.String()
	checkGolden(t, golden, normalize(got, port(t, addr), port(t, local1),
		port(t, local2), port(t, local3)))
}
