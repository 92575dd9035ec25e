package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// A clientStarter starts one of this lab's clients through the server's
// door ("tcp" or "unix") until the test ends, as startClient does.
type clientStarter func(t testing.TB, ctx context.Context, s *testServer,
	door string) (stdin io.WriteCloser, out *logBuffer, done <-chan error,
	local string)

// startClient runs runClient through the server's door ("tcp" or
// "unix") until the test ends. Closing stdin is the learner's Ctrl-D;
// done receives what runClient returned.
func startClient(t testing.TB, ctx context.Context, s *testServer,
	door string) (stdin io.WriteCloser, out *logBuffer, done <-chan error,
	local string) {
	t.Helper()
	network, address := s.door(door)
	conn := dial(t, network, address)
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

func TestTranscript(t *testing.T) {
	// Two learners chat, one through each door. Each terminal shows what
	// its learner types (we add it to the output, as the terminal's echo
	// would), then what arrives. The second learner leaves with Ctrl-D,
	// and the server is stopped with Ctrl-C at the end.
	tests := []struct {
		name, server, client, golden string
		pathFlag                     string
		srv                          server
		startClient                  clientStarter
	}{
		{"in Go", "go run ./labs/08-dual server",
			"go run ./labs/08-dual client", "transcript.txt", "-path",
			server{startServer, "@", true}, startClient},
		{"in Node", "node labs/08-dual/node/server.js",
			"node labs/08-dual/node/client.js", "node-transcript.txt",
			"--path", server{startNodeServer, "undefined", false}, startNodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			s := tt.srv.start(t)
			ctx := context.Background()
			// The learner starts a client once the server has said
			// where it listens, both doors.
			s.logs.waitFor(t, "Listening on "+s.path+"\n")
			in1, out1, done1, local1 := tt.startClient(t, ctx, s, "tcp")
			out1.waitFor(t, "you are User 1!\n")
			s.logs.waitFor(t, local1+" is User 1")
			in2, out2, done2, _ := tt.startClient(t, ctx, s, "unix")
			out1.waitFor(t, "User 2 joined! (unix)\n")
			s.logs.waitFor(t, tt.srv.unnamed+" is User 2")
			typed := func(stdin io.Writer, out *logBuffer, line string) {
				io.WriteString(out, line)
				io.WriteString(stdin, line)
			}
			typed(in1, out1, "hi, I came in over TCP\n")
			out2.waitFor(t, "User 1: hi, I came in over TCP\n")
			typed(in2, out2, "and I over the Unix socket. bye!\n")
			out1.waitFor(t, "User 2: and I over the Unix socket. bye!\n")
			in2.Close()
			if err := wait(t, done2); err != nil {
				t.Fatal(err)
			}
			out1.waitFor(t, "User 2 left!\n")
			s.logs.waitFor(t, tt.srv.unnamed+" hung up\n")
			// Ctrl-C: the server's last words come after the ^C.
			before := s.logs.String()
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			if err := wait(t, done1); err != nil {
				t.Fatal(err)
			}
			in1.Close()
			after := strings.TrimPrefix(s.logs.String(), before)
			if !strings.HasSuffix(after, "\n") {
				after += "\n" // The prompt starts on a line of its own.
			}
			got := "$ " + tt.server + "\n" + before + "^C" + after +
				"# in a second terminal, while the server runs\n" +
				"$ " + tt.client + "\n" + out1.String() +
				"# in a third terminal\n" +
				"$ " + tt.client + " " + tt.pathFlag + " " + guidePath +
				"\n" +
				out2.String()
			checkGolden(t, tt.golden, normalize(got, s.path,
				port(t, s.addr), port(t, local1)))
		})
	}
}
