package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// startClient runs runClient against addr until the test ends. Closing
// stdin is the learner's Ctrl-D; done receives what runClient returned.
func startClient(t testing.TB, ctx context.Context, addr string) (
	stdin *io.PipeWriter, out *logBuffer, done <-chan error,
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

// wait returns what runClient sent on done, or fails t on timeout.
func wait(t testing.TB, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		t.Fatalf("runClient did not return within %v", timeout)
		return nil
	}
}

func TestRunClient(t *testing.T) {
	t.Run("both ends see the same connection, mirrored", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		_, out, _, local := startClient(t, context.Background(), addr)
		out.waitFor(t, "Connected to the server!\n"+
			"  this end (LocalAddr):   "+local+"\n"+
			"  other end (RemoteAddr): "+addr+"\n")
		// The server's RemoteAddr is our LocalAddr, and the other way round.
		logs.waitFor(t, "  this end (LocalAddr):   "+addr+"\n"+
			"  other end (RemoteAddr): "+local+"\n")
	})

	t.Run("the end of stdin makes it hang up", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		stdin, _, done, local := startClient(t, context.Background(), addr)
		logs.waitFor(t, local)
		stdin.Close()
		if err := wait(t, done); err != nil {
			t.Errorf("runClient = %v, want nil", err)
		}
		logs.waitFor(t, local+" hung up\n")
	})

	t.Run("it says so when the server hangs up", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, stop := startServer(t)
		_, out, done, local := startClient(t, context.Background(), addr)
		logs.waitFor(t, local)
		stop()
		if err := wait(t, done); err != nil {
			t.Errorf("runClient = %v, want nil", err)
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
			t.Errorf("runClient = %v, want nil", err)
		}
		logs.waitFor(t, local+" hung up\n")
		if strings.Contains(out.String(), "hung up") {
			t.Errorf("Ctrl-C was taken for a server hang-up:\n%s", out)
		}
	})
}

func TestTranscript(t *testing.T) {
	checkGoroutines(t)
	addr, logs, stop := startServer(t)
	// The learner runs the client, reads its output and presses Ctrl-D.
	stdin, out, done, local := startClient(t, context.Background(), addr)
	out.waitFor(t, "RemoteAddr")
	stdin.Close()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, local+" hung up\n")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := "$ go run ./labs/02-client server\n" + logs.String() + "^C\n" +
		"# in a second terminal, while the server runs\n" +
		"$ go run ./labs/02-client client\n" + out.String()
	checkGolden(t, normalize(got, port(t, addr), port(t, local)))
}
