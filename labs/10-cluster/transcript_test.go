package main

import (
	"context"
	"io"
	"log"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

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

// startClient runs runClient on a TCP connection to addr until the test
// ends. Closing stdin is the learner's Ctrl-D; done receives what
// runClient returned.
func startClient(t testing.TB, addr string) (stdin io.WriteCloser,
	out *logBuffer, done <-chan error, local string) {
	t.Helper()
	conn := dial(t, "tcp", addr)
	conn.SetDeadline(time.Time{}) // the test's timeouts bound it
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	out = newLogBuffer()
	errc := make(chan error, 1)
	go func() { errc <- runClient(context.Background(), conn, r, out) }()
	return w, out, errc, conn.LocalAddr().String()
}

func TestTranscript(t *testing.T) {
	// A class runs the bus and three servers with one command; three
	// learners chat, one on each server. Each terminal shows what its
	// learner types (we add it to the output, as the terminal's echo
	// would), then what arrives. They leave with Ctrl-D, the last
	// first, and the cluster is stopped with Ctrl-C at the end.
	checkGoroutines(t)
	logs := newLogBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runBus(ctx, "127.0.0.1:0", "", 3, "127.0.0.1:0",
			log.New(logs, "", 0), chat.Config{}, time.Second, true)
	}()
	stopped := func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(timeout):
			t.Fatalf("the cluster did not stop within %v of Ctrl-C",
				timeout)
			return nil
		}
	}
	t.Cleanup(func() {
		cancel()
		stopped()
	})
	listening := regexp.MustCompile(`(?m)^([abc]): Listening on (\S+)$`)
	logs.waitCount(t, listening, 3)
	addrs := make(map[string]string)
	for _, m := range listening.FindAllStringSubmatch(logs.String(), -1) {
		addrs[m[1]] = m[2]
	}
	bus := logs.waitMatch(t, regexp.MustCompile(`NATS listening on (\S+)`))

	type learner struct {
		in    io.WriteCloser
		out   *logBuffer
		done  <-chan error
		local string
	}
	var ls []learner
	names := []string{"a", "b", "c"}
	for i, name := range names {
		in, out, done, local := startClient(t, addrs[name])
		out.waitFor(t, "you are User 1!\n")
		logs.waitFor(t, name+": User 1 joined")
		// Every server has heard of the newcomer before the next one
		// comes in, so that the next one is not told of it.
		for j, l := range ls {
			l.out.waitFor(t, "User 1@"+name+" joined! (tcp)\n")
			logs.waitFor(t, names[j]+": User 1@"+name+" joined")
		}
		for _, other := range names[i+1:] {
			logs.waitFor(t, other+": User 1@"+name+" joined")
		}
		ls = append(ls, learner{in, out, done, local})
	}
	typed := func(i int, line string) {
		io.WriteString(ls[i].out, line)
		io.WriteString(ls[i].in, line)
	}
	heard := func(except int, line string) {
		for i, l := range ls {
			if i != except {
				l.out.waitFor(t, line)
			}
		}
	}
	typed(0, "hello from server a\n")
	heard(0, "User 1@a: hello from server a\n")
	typed(1, "hi, b here\n")
	heard(1, "User 1@b: hi, b here\n")
	typed(2, "c too. bye!\n")
	heard(2, "User 1@c: c too. bye!\n")
	// They leave, the last first.
	for i := len(ls) - 1; i >= 0; i-- {
		ls[i].in.Close()
		if err := wait(t, ls[i].done); err != nil {
			t.Fatal(err)
		}
		name := string(rune('a' + i))
		logs.waitFor(t, name+": User 1 left\n")
		for _, l := range ls[:i] {
			l.out.waitFor(t, "User 1@"+name+" left!\n")
		}
		for _, other := range names {
			if other != name {
				logs.waitFor(t, other+": User 1@"+name+" left\n")
			}
		}
	}
	// Ctrl-C: the cluster's last words come after the ^C.
	before := logs.String()
	cancel()
	if err := stopped(); err != nil {
		t.Fatal(err)
	}
	done <- nil // for the cleanup
	after := strings.TrimPrefix(logs.String(), before)
	got := "$ go run ./labs/10-cluster cluster -n 3 -addr 127.0.0.1:3010\n" +
		byServer(before) + "^C" + byServer(after)
	for i, l := range ls {
		name := string(rune('a' + i))
		got += "# in terminal " + name + ", while the cluster runs\n" +
			"$ go run ./labs/10-cluster client -addr " + addrs[name] +
			"\n" + l.out.String()
	}
	got = replacePort(got, port(t, bus[1]), "4222")
	for i, name := range []string{"a", "b", "c"} {
		got = replacePort(got, port(t, addrs[name]),
			[]string{"3010", "3011", "3012"}[i])
	}
	// The servers show the clients' ports in the order a, b, c.
	for i, l := range ls {
		got = replacePort(got, port(t, l.local), strconv.Itoa(50001+i))
	}
	checkGolden(t, "transcript.txt", got)
}

// byServer returns the cluster's log lines with each server's lines
// together, in the order of the servers: the three run at once, and
// their lines interleave differently at every run. Lines of no server
// come first.
func byServer(text string) string {
	lines := strings.SplitAfter(text, "\n")
	slices.SortStableFunc(lines, func(x, y string) int {
		return strings.Compare(serverOf(x), serverOf(y))
	})
	return strings.Join(lines, "")
}

// serverOf returns the name of the server that wrote line, or "".
func serverOf(line string) string {
	if len(line) > 3 && line[1:3] == ": " {
		return line[:1]
	}
	return ""
}
