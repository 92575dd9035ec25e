package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
)

// testWait bounds every wait in these tests.
const testWait = 30 * time.Second

// testPace is fast, but still a real pause before every step.
const testPace = time.Millisecond

func TestOpeningConversation(t *testing.T) {
	d := startDemo(t, Config{Pace: testPace, Once: true})
	live := d.TapEvents(4096)
	waitStopped(t, d)
	if err := d.Err(); err != nil {
		t.Fatalf("the demo failed: %v", err)
	}

	t.Run("each client hears the others, whatever their door", func(t *testing.T) {
		want := map[string][]string{
			"Ada": {
				"# connected",
				"< Welcome to the chat, you are User 1!",
				"< User 2 joined! (unix)",
				"< User 3 joined! (unix)",
				"> hello over TCP",
				"< User 2: hello over a Unix socket",
				"< User 3: hello over a Unix socket too, through a tap",
				"> my bytes cross lo as TCP segments: capture sees them",
				"< User 2: mine stay in the kernel: no port, no packets",
				"< User 3: mine too, but the tap relays them and shows every byte",
				"< User 2: bye!",
				"< User 2 left!",
				"# left:",
			},
			"Linus": {
				"# connected",
				"< Welcome to the chat, you are User 2!",
				"< User 3 joined! (unix)",
				"< User 1: hello over TCP",
				"> hello over a Unix socket",
				"< User 3: hello over a Unix socket too, through a tap",
				"< User 1: my bytes cross lo as TCP segments: capture sees them",
				"> mine stay in the kernel: no port, no packets",
				"< User 3: mine too, but the tap relays them and shows every byte",
				"> bye!",
				"# left:",
			},
			"Grace": {
				"# connected",
				"< Welcome to the chat, you are User 3!",
				"< User 1: hello over TCP",
				"< User 2: hello over a Unix socket",
				"> hello over a Unix socket too, through a tap",
				"< User 1: my bytes cross lo as TCP segments: capture sees them",
				"< User 2: mine stay in the kernel: no port, no packets",
				"> mine too, but the tap relays them and shows every byte",
				"< User 2: bye!",
				"< User 2 left!",
				"< User 1 left!",
				"# left:",
			},
		}
		for name, w := range want {
			if got := render(d.Transcript(name)); !slices.Equal(got, w) {
				t.Errorf("%s's transcript:\n%s\nwant:\n%s", name,
					strings.Join(got, "\n"), strings.Join(w, "\n"))
			}
		}
	})

	t.Run("a client says how it left in the words of its transport", func(t *testing.T) {
		for name, want := range map[string]string{
			"Ada":   "left: sent FIN, got FIN, closed",
			"Linus": "left: sent EOF (shutdown write), got EOF, closed",
			"Grace": "left: sent EOF (shutdown write), got EOF, closed",
		} {
			lines := d.Transcript(name)
			if len(lines) == 0 || lines[len(lines)-1].Text != want {
				t.Errorf("%s's last line is not %q: %v", name, want, lines)
			}
		}
	})

	t.Run("the tap reports Grace's bytes exactly, both ways", func(t *testing.T) {
		events := collect(t, live)
		checkTapped(t, events, 1, d.Transcript("Grace"))
		if replay := collect(t, d.TapEvents(4096)); !slices.EqualFunc(replay, events, sameEvent) {
			t.Errorf("a late subscriber got %d events, the early one %d", len(replay), len(events))
		}
		for _, ev := range events {
			if ev.Conn != 1 {
				t.Errorf("event of connection %d: only Grace used the tap", ev.Conn)
			}
		}
	})

	t.Run("the room counted three clients and seven lines", func(t *testing.T) {
		st := d.RoomStats()
		if st.Joined != 3 || st.Messages != 7 || st.Clients != 0 {
			t.Errorf("room stats %+v, want 3 joined, 7 messages, 0 left in", st)
		}
	})

	t.Run("nothing is left on disk", func(t *testing.T) { checkGone(t, d) })
}

func TestClassroomDemo(t *testing.T) {
	d := startDemo(t, Config{Pace: testPace})
	lines := d.Lines(4096)
	taps := d.TapEvents(4096)

	// Students join over both doors while the demo runs, and chat.
	waitLine(t, lines, func(l Line) bool {
		return l.Client == "Ada" && l.Kind == Received
	})
	student := dialStudent(t, "tcp", d.Addr().String())
	fmt.Fprintf(student, "hi from a student\n")
	ipcStudent := dialStudent(t, "unix", d.Path())

	waitLine(t, lines, func(l Line) bool {
		return l.Client == "Radia" && l.Kind == Note && strings.HasPrefix(l.Text, "left")
	})
	if err := d.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	t.Run("the visitors came in through every door and left", func(t *testing.T) {
		for _, v := range visitors {
			tr := d.Transcript(v.name)
			if len(tr) == 0 || !strings.HasPrefix(tr[len(tr)-1].Text, "left") {
				t.Errorf("%s (%s) did not leave:\n%s", v.name, v.door,
					strings.Join(render(tr), "\n"))
			}
		}
	})

	t.Run("the script did not mind the students", func(t *testing.T) {
		heard := slices.ContainsFunc(d.Transcript("Ada"), func(l Line) bool {
			return strings.HasSuffix(l.Text, ": hi from a student")
		})
		if !heard {
			t.Errorf("Ada never saw the student's line:\n%s",
				strings.Join(render(d.Transcript("Ada")), "\n"))
		}
		for _, s := range []net.Conn{student, ipcStudent} {
			if last := readAll(t, s); last != "Server is shutting down." {
				t.Errorf("a student's last line is %q, want the shutdown notice", last)
			}
		}
	})

	t.Run("the tap reports Radia's bytes exactly, both ways", func(t *testing.T) {
		events := collect(t, taps)
		checkTapped(t, events, 2, d.Transcript("Radia"))
		ended := map[uint64]tap.Kind{}
		for _, ev := range events {
			if ev.Kind != tap.Data && ev.Kind != tap.HalfClose {
				ended[ev.Conn] = ev.Kind
			}
		}
		if ended[1] != tap.Close && ended[1] != tap.Reset || ended[2] != tap.Close {
			t.Errorf("Grace's connection ended with %v, Radia's with %v", ended[1], ended[2])
		}
	})

	t.Run("nothing is left on disk", func(t *testing.T) { checkGone(t, d) })
}

func TestAFloodDoesNotStopTheScript(t *testing.T) {
	d := startDemo(t, Config{Pace: testPace})
	lines := d.Lines(1 << 16)
	waitLine(t, lines, func(l Line) bool {
		return l.Client == "Ada" && l.Kind == Received
	})

	// A student pastes 5000 lines at once, and reads what comes back.
	student := dialStudent(t, "unix", d.Path())
	drained := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, student)
		drained <- err
	}()
	w := bufio.NewWriter(student)
	for i := range 5000 {
		fmt.Fprintf(w, "spam %d\n", i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, func(l Line) bool {
		return l.Client == "Ada" && strings.HasSuffix(l.Text, ": spam 4999")
	})
	waitLine(t, lines, func(l Line) bool {
		return l.Client == "Radia" && l.Kind == Note && strings.HasPrefix(l.Text, "left")
	})
	if err := d.Stop(); err != nil {
		t.Fatalf("the demo failed: %v", err)
	}
	select {
	case err := <-drained:
		if err != nil {
			t.Errorf("the student's connection: %v", err)
		}
	case <-time.After(testWait):
		t.Fatal("the student's connection was not closed")
	}
	if n := len(d.Transcript("Ada")); n > maxTranscript {
		t.Errorf("Ada's transcript holds %d lines, more than %d", n, maxTranscript)
	}
}

func TestFilterFindsTheDemosSockets(t *testing.T) {
	d := startDemo(t, Config{Pace: testPace})
	waitLine(t, d.Lines(1024), func(l Line) bool {
		return l.Client == "Grace" && l.Kind == Received
	})
	snap, err := sockets.Read(d.Filter())
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, s := range snap.Sockets {
		switch {
		case s.Kind == "tcp" && s.LocalPort == d.Port():
			found["tcp "+s.State] = true
		case s.Kind == "unix":
			found[s.Path+" "+s.State] = true
		}
	}
	wants := []string{"tcp LISTEN", "tcp ESTABLISHED"}
	if runtime.GOOS == "linux" {
		// Only Linux's table gives both ends of a Unix connection with
		// their states: lsof on macOS names a connected end by its
		// peer's address, and Windows lists no Unix sockets.
		wants = append(wants, d.Path()+" LISTEN", d.Path()+" ESTABLISHED",
			d.TapPath()+" LISTEN", d.TapPath()+" ESTABLISHED")
	}
	for _, want := range wants {
		if !found[want] {
			t.Errorf("no %s socket in the table: %v", want, found)
		}
	}
}

func TestCancellingTheContextStopsTheDemo(t *testing.T) {
	t.Run("before the conversation starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		d, err := Start(ctx, Config{})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		waitStopped(t, d)
		if err := d.Err(); err != nil {
			t.Errorf("Err after cancel = %v, want nil", err)
		}
		checkGone(t, d)
	})

	t.Run("in the middle of the conversation", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		d, err := Start(ctx, Config{Pace: testPace})
		if err != nil {
			t.Fatal(err)
		}
		waitLine(t, d.Lines(1024), func(l Line) bool {
			return l.Client == "Grace" && l.Kind == Received
		})
		cancel()
		waitStopped(t, d)
		if err := d.Err(); err != nil {
			t.Errorf("Err after cancel = %v, want nil", err)
		}
		checkGone(t, d)
		if err := d.Stop(); err != nil {
			t.Errorf("a second Stop = %v, want nil", err)
		}
	})
}

func TestStartFailsCleanly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d, err := Start(context.Background(), Config{Addr: ln.Addr().String()})
	if err == nil {
		d.Stop()
		t.Fatal("Start on a port in use succeeded")
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("err = %v, want address already in use", err)
	}
}

// startDemo starts a demo that the test's cleanup stops.
func startDemo(t testing.TB, cfg Config) *Demo {
	t.Helper()
	d, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return d
}

// waitStopped waits until d has stopped by itself.
func waitStopped(t testing.TB, d *Demo) {
	t.Helper()
	select {
	case <-d.Done():
	case <-time.After(testWait):
		t.Fatalf("the demo did not stop within %v", testWait)
	}
}

// waitLine reads the demo's log until a line matches.
func waitLine(t testing.TB, lines <-chan Line, match func(Line) bool) {
	t.Helper()
	deadline := time.After(testWait)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the demo stopped before the line came")
			}
			if match(l) {
				return
			}
		case <-deadline:
			t.Fatalf("no such line within %v", testWait)
		}
	}
}

// render writes a transcript as "> sent", "< received" and "# note"
// lines, keeping only a note's first word (addresses change each run).
func render(lines []Line) []string {
	var out []string
	for _, l := range lines {
		switch l.Kind {
		case Sent:
			out = append(out, "> "+l.Text)
		case Received:
			out = append(out, "< "+l.Text)
		case Note:
			out = append(out, "# "+strings.Fields(l.Text)[0])
		}
	}
	return out
}

// collect reads tap events until the channel is closed.
func collect(t testing.TB, ch <-chan tap.Event) []tap.Event {
	t.Helper()
	var out []tap.Event
	deadline := time.After(testWait)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return out
			}
			if ev.Dropped > 0 {
				t.Errorf("%d tap events dropped", ev.Dropped)
			}
			out = append(out, ev)
		case <-deadline:
			t.Fatalf("the tap channel was not closed within %v", testWait)
		}
	}
}

func sameEvent(a, b tap.Event) bool {
	return a.Time.Equal(b.Time) && a.Conn == b.Conn && a.Kind == b.Kind &&
		a.Dir == b.Dir && string(a.Data) == string(b.Data)
}

// checkTapped checks that the tap's connection conn carried exactly the
// bytes of transcript: its sent lines one way, its received lines the
// other, and that it opened first and closed cleanly last.
func checkTapped(t testing.TB, events []tap.Event, conn uint64, transcript []Line) {
	t.Helper()
	var sent, received, up, down []byte
	for _, l := range transcript {
		switch l.Kind {
		case Sent:
			sent = append(append(sent, l.Text...), '\n')
		case Received:
			received = append(append(received, l.Text...), '\n')
		}
	}
	var kinds []tap.Kind
	for _, ev := range events {
		if ev.Conn != conn {
			continue
		}
		kinds = append(kinds, ev.Kind)
		if ev.Kind == tap.Data && ev.Len != len(ev.Data) {
			t.Errorf("a chunk of %d bytes kept only %d", ev.Len, len(ev.Data))
		}
		switch {
		case ev.Kind == tap.Data && ev.Dir == tap.ClientToServer:
			up = append(up, ev.Data...)
		case ev.Kind == tap.Data && ev.Dir == tap.ServerToClient:
			down = append(down, ev.Data...)
		}
	}
	if len(sent) == 0 || string(up) != string(sent) {
		t.Errorf("client to server, the tap saw %q\nthe client sent %q", up, sent)
	}
	if len(received) == 0 || string(down) != string(received) {
		t.Errorf("server to client, the tap saw %q\nthe client got %q", down, received)
	}
	if len(kinds) < 2 || kinds[0] != tap.Open || kinds[len(kinds)-1] != tap.Close {
		t.Errorf("connection %d's events %v, want open first and close last", conn, kinds)
	}
}

// checkGone fails unless the demo's socket files and folder are gone.
func checkGone(t testing.TB, d *Demo) {
	t.Helper()
	for _, p := range []string{d.Path(), d.TapPath(), d.dir} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", p, err)
		}
	}
}

// dialStudent connects a plain client, as nc would, closed after the
// test.
func dialStudent(t testing.TB, network, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, testWait)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(testWait))
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll reads c to its end and returns its last line.
func readAll(t testing.TB, c net.Conn) string {
	t.Helper()
	var last string
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		last = sc.Text()
	}
	if err := sc.Err(); err != nil {
		t.Errorf("reading: %v", err)
	}
	return last
}
