package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
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

		t.Run("each line you type gets an answer", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			stdin, out, _, local := startClient(t,
				context.Background(), addr)
			io.WriteString(stdin, "hello\n")
			logs.waitFor(t, local+" said \"hello\"\n")
			out.waitFor(t, addr+"\nyou said: hello\n")
		})

		t.Run("the server's answer still arrives after the end of stdin",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				stdin, out, done, local := startClient(t,
					context.Background(), addr)
				io.WriteString(stdin, "bye\n")
				stdin.Close()
				if err := wait(t, done); err != nil {
					t.Errorf("the client returned %v, want nil", err)
				}
				logs.waitFor(t, local+" hung up\n")
				if !strings.HasSuffix(out.String(),
					addr+"\nyou said: bye\nThe server hung up.\n") {
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

	t.Run("-split writes in pieces, and the bytes arrive whole",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
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
			if !strings.Contains(out.String(), addr+"\nyou said: hello\n") {
				t.Errorf("client output:\n%s", out)
			}
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
	// The learner starts the server, runs the client in a second
	// terminal, types lines, waiting for each answer, then presses
	// Ctrl-D, and Ctrl-C in the server's terminal. The terminal shows
	// what they type, and then the server's answer. An empty line gets
	// no answer. (Not in Node: there, the empty line and the next one
	// may come in one 'data' event, and be refused as one line.)
	tests := []struct {
		name, server, client, golden string
		startServer                  serverStarter
		startClient                  clientStarter
		lines                        []string
	}{
		{"in Go", "go run ./labs/04-protocol server",
			"go run ./labs/04-protocol client", "transcript.txt",
			startServer, startClient,
			[]string{"hello\n", "\n", "¿qué tal?\n"}},
		{"in Node", "node labs/04-protocol/node/server.js",
			"node labs/04-protocol/node/client.js", "node-transcript.txt",
			startNodeServer, startNodeClient,
			[]string{"hello\n", "¿qué tal?\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, stop := tt.startServer(t)
			stdin, out, done, local := tt.startClient(t,
				context.Background(), addr)
			out.waitMatch(t, bothEnds(local, addr))
			for _, line := range tt.lines {
				io.WriteString(out, line)
				io.WriteString(stdin, line)
				if line != "\n" {
					out.waitFor(t, line+"you said: "+line)
				}
			}
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

// countingWriter counts the Writes made to it.
type countingWriter struct {
	strings.Builder
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Builder.Write(p)
}

func TestCopyVisible(t *testing.T) {
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString(h.sent + "\n" + plain + "\n")
	}
	in := all.String()
	want := visible(in)

	t.Run("characters cut between reads are shown whole",
		func(t *testing.T) {
			var out countingWriter
			if err := copyVisible(&out,
				iotest.OneByteReader(strings.NewReader(in))); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Errorf("got %q\nwant %q", out.String(), want)
			}
			checkInert(t, out.String())
		})

	t.Run("what arrives at once is written at once", func(t *testing.T) {
		var out countingWriter
		long := strings.Repeat(in, 20)
		if err := copyVisible(&out, strings.NewReader(long)); err != nil {
			t.Fatal(err)
		}
		if out.String() != visible(long) {
			t.Errorf("got %q\nwant %q", out.String(), visible(long))
		}
		// bufio reads 4096 bytes at a time: a few writes, not one per
		// character.
		if most := len(long)/4096 + 2; out.writes > most {
			t.Errorf("%d bytes took %d writes, want at most %d",
				len(long), out.writes, most)
		}
	})
}

// rawServer serves one connection on 127.0.0.1:0 until the test ends:
// it writes text, unfiltered, and hangs up.
func rawServer(t testing.TB, text string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.Write([]byte(text))
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestClientShowsHostileTextInert(t *testing.T) {
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString(h.sent + "\n")
	}
	all.WriteString(plain + "\n")
	eachClient(t, func(t *testing.T, startClient clientStarter) {
		checkGoroutines(t)
		addr := rawServer(t, all.String())
		_, out, done, _ := startClient(t, context.Background(), addr)
		if err := wait(t, done); err != nil {
			t.Fatal(err)
		}
		checkInert(t, out.String())
		for _, h := range hostile {
			// Node decodes bytes that are not UTF-8 as U+FFFD, a
			// character that commands nothing; Go shows them as \xff.
			if !utf8.ValidString(h.sent) {
				continue
			}
			if !strings.Contains(out.String(), h.shown+"\n") {
				t.Errorf("output does not show %s as %q:\n%s", h.what,
					h.shown, out)
			}
		}
		if !strings.Contains(out.String(),
			plain+"\nThe server hung up.\n") {
			t.Errorf("output does not end in the plain line:\n%s", out)
		}
	})
}
