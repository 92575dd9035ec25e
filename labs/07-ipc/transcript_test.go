package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// A clientStarter starts one of this lab's clients against the socket
// at path until the test ends, as startClient does.
type clientStarter func(t testing.TB, ctx context.Context, path string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error)

// startClient runs runClient against the socket at path until the test
// ends. Closing stdin is the learner's Ctrl-D; done receives what
// runClient returned.
func startClient(t testing.TB, ctx context.Context, path string) (
	stdin io.WriteCloser, out *logBuffer, done <-chan error) {
	t.Helper()
	conn := dial(t, path)
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	out = newLogBuffer()
	errc := make(chan error, 1)
	go func() { errc <- runClient(ctx, conn, r, out) }()
	return w, out, errc
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
	// Three learners chat. Each terminal shows what its learner types (we
	// add it to the output, as the terminal's echo would), then what
	// arrives. The second learner leaves with Ctrl-D before the third
	// comes, and the server is stopped with Ctrl-C at the end. The Node
	// server says no goodbye, and leaves its socket file behind: the
	// learner starts it again, and it fails.
	tests := []struct {
		name, server, client, golden string
		startServer                  serverStarter
		startClient                  clientStarter
	}{
		{"in Go", "go run ./labs/07-ipc server",
			"go run ./labs/07-ipc client", "transcript.txt",
			startServer, startClient},
		{"in Node", "node labs/07-ipc/node/server.js",
			"node labs/07-ipc/node/client.js", "node-transcript.txt",
			startNodeServer, startNodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			path, logs, stop := tt.startServer(t)
			got := transcript(t, path, logs, stop, tt.startClient,
				"$ "+tt.server+"\n", "$ "+tt.client+"\n")
			if tt.golden == "node-transcript.txt" {
				again, _ := runNode(t, "server.js", "--path", path)
				got = strings.Replace(got, "# in a second terminal",
					"$ "+tt.server+"\n"+again+"# in a second terminal", 1)
			}
			checkGolden(t, tt.golden, normalize(got, path))
		})
	}
}

// transcript runs the chat of TestTranscript against the server on path
// with clients that start starts, and returns the terminals' text, each
// headed by its command.
func transcript(t *testing.T, path string, logs *logBuffer,
	stop func() error, start clientStarter, server, client string) string {
	in1, out1, done1 := start(t, context.Background(), path)
	out1.waitFor(t, "you are User 1!\n")
	in2, out2, done2 := start(t, context.Background(), path)
	out1.waitFor(t, "User 2 joined!\n")
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
	in3, out3, done3 := start(t, context.Background(), path)
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
	after := strings.TrimPrefix(logs.String(), before)
	if !strings.HasSuffix(after, "\n") {
		after += "\n" // The shell's prompt starts on a line of its own.
	}
	return server + before + "^C" + after +
		"# in a second terminal, while the server runs\n" +
		client + out1.String() +
		"# in a third terminal\n" +
		client + out2.String() +
		"# in the third terminal again, after that client ended\n" +
		client + out3.String()
}
