package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/socketlab/socketlab/labs/10-cluster/chat"
	"go.uber.org/goleak"
)

// TestOneRoomOnThreeServers runs three servers on one bus, with a Go, an
// nc and a Python client on each. Every client sends lines; every client
// must receive every other client's lines, each sender's in order, and
// none of its own.
func TestOneRoomOnThreeServers(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	var clients []*lineClient
	for _, name := range []string{"a", "b", "c"} {
		s := startMember(t, bus, name, nil)
		for _, kind := range clientKinds {
			c := kind.start(t, s.addr)
			c.kind = name + "/" + kind.name
			c.out.waitFor(t, "Welcome to the chat")
			clients = append(clients, c)
		}
	}
	const lines = 100
	for _, c := range clients {
		for i := range lines {
			fmt.Fprintf(c.in, "%s says %d\n", c.kind, i)
		}
	}
	said := regexp.MustCompile(`(?m)^User \d+(?:@[abc])?: (\S+) says (\d+)$`)
	for _, c := range clients {
		c.out.waitCount(t, said, lines*(len(clients)-1))
		next := make(map[string]int)
		for _, m := range said.FindAllStringSubmatch(c.out.String(), -1) {
			i, _ := strconv.Atoi(m[2])
			if m[1] == c.kind {
				t.Errorf("%s got its own line back: %q", c.kind, m[0])
			}
			if i != next[m[1]] {
				t.Errorf("%s got line %d of %s after line %d", c.kind, i,
					m[1], next[m[1]]-1)
			}
			next[m[1]] = i + 1
		}
		if len(next) != len(clients)-1 {
			t.Errorf("%s heard %d senders, want %d", c.kind, len(next),
				len(clients)-1)
		}
	}
}

// TestPresenceAcrossServers checks the joined and left notices of users
// on another server, with the server's name after their number.
func TestPresenceAcrossServers(t *testing.T) {
	checkGoroutines(t)
	t.Run("each join and leave is told when it happens", func(t *testing.T) {
		// No heartbeat comes in time to repair a notice that was not
		// sent: each must go on the bus when it happens.
		slow := func(c *chat.BusConfig) { c.Heartbeat = time.Hour }
		bus := startBus(t)
		a, b := startMember(t, bus, "a", slow), startMember(t, bus, "b", slow)
		alice := join(t, a, "tcp")
		bob := join(t, b, "tcp")
		alice.expect("User 1@b joined! (tcp)")
		bob.send("hi\n")
		alice.expect("User 1@b: hi")
		bob.conn.Close()
		alice.expect("User 1@b left!")
	})
	t.Run("users already there are seen on the next heartbeat",
		func(t *testing.T) {
			bus := startBus(t)
			b := startMember(t, bus, "b", nil)
			// bob's join is on the bus before server a is there to hear
			// it: a learns of bob from b's heartbeat alone.
			nc := bus.publisher()
			sub, err := nc.SubscribeSync("chat.b")
			if err == nil {
				err = nc.Flush() // NATS has the subscription
			}
			if err != nil {
				t.Fatal(err)
			}
			join(t, b, "tcp")
			deadline := time.Now().Add(timeout)
			for {
				m, err := sub.NextMsg(time.Until(deadline))
				if err != nil {
					t.Fatalf("bob's join never reached the bus: %v", err)
				}
				if string(m.Data) == "join 1 tcp" {
					break
				}
			}
			alice := join(t, startMember(t, bus, "a", nil), "tcp")
			alice.expect("User 1@b joined! (seen on the bus)")
		})
}

// TestBusDownAndBack stops NATS for a while and starts it again on the
// same port: each server's own room keeps working, its clients hear that
// the room is split and then whole again, nobody is taken for gone, and
// lines cross servers once more.
func TestBusDownAndBack(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	a, b := startMember(t, bus, "a", nil), startMember(t, bus, "b", nil)
	alice := join(t, a, "tcp")
	bob := join(t, b, "tcp")
	alice.expect("User 1@b joined! (tcp)")
	amy := join(t, a, "tcp")
	alice.expect("User 2 joined! (tcp)")
	// Server b may have heard of alice before bob came in, or after.
	bob.skipTo("User 2@a joined! (tcp)", "User 1@a joined! (tcp)")
	bob.send("before\n")
	alice.expect("User 1@b: before")
	amy.expect("User 1@b: before")

	bus.stop()
	alice.expect(splitNotice)
	amy.expect(splitNotice)
	bob.expect(splitNotice)
	alice.send("still here\n")
	amy.expect("User 1: still here")
	// The bus stays down longer than the three heartbeats after which a
	// silent server is taken for gone: a split is not a silence.
	bus.stayDown(12)

	bus.start()
	alice.expect(wholeNotice)
	amy.expect(wholeNotice)
	bob.expect(wholeNotice)
	// Both servers listen to the bus again once a line from it reaches
	// their users. (It is sent until then: one sent before a server's
	// subscription is back is lost.) Nobody left while the bus was
	// down, so nobody is said to have left: the next lines are these.
	const probe = "User 9@z: probe"
	stop := keepPublishing(t, bus.publisher(), "chat.z", "say 9 probe")
	defer stop()
	alice.expect(probe)
	bob.expect(probe)
	stop()
	alice.send("after\n")
	bob.skipTo("User 1@a: after", probe)
	bob.send("back\n")
	amy.skipTo("User 1: after", probe)
	amy.skipTo("User 1@b: back", probe)
}

// The notices of a split room and of a room whole again.
const (
	splitNotice = "*** The room is split: the bus is down, so only " +
		"this server's users hear you, and you hear only them."
	wholeNotice = "*** The room is whole again: lines said elsewhere " +
		"meanwhile are not replayed."
)

// TestSplitLinesNotReplayed checks that a line said while the room is
// split never reaches the other servers once it is whole again. The bus
// restarts; server b gets back on it first, and server a, behind a
// gate, only once b listens again: so b would hear any line that a
// kept and sent late.
func TestSplitLinesNotReplayed(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	g := startGate(t, bus)
	a := startMember(t, bus, "a", func(c *chat.BusConfig) { c.URL = g.url })
	b := startMember(t, bus, "b", nil)
	alice := join(t, a, "tcp")
	bob := join(t, b, "tcp")
	alice.expect("User 1@b joined! (tcp)")
	amy := join(t, a, "tcp")
	alice.expect("User 2 joined! (tcp)")
	bob.skipTo("User 2@a joined! (tcp)", "User 1@a joined! (tcp)")

	g.close()
	bus.stop()
	alice.expect(splitNotice)
	amy.expect(splitNotice)
	bob.expect(splitNotice)
	alice.send("said during the split\n")
	amy.expect("User 1: said during the split")
	// Server a tries to reconnect once a heartbeat. Two more tries
	// after amy has the line, a's publisher has long had it too.
	g.waitRefused(g.refused() + 2)

	bus.start()
	bob.expect(wholeNotice)
	// b listens to the bus again once a line from it reaches bob. (It
	// is sent until then: a line sent before b's subscription is back
	// is lost.)
	stop := keepPublishing(t, bus.publisher(), "chat.z", "say 9 probe")
	defer stop()
	// While a is away, b may take it for gone, and see its users again
	// once a is back.
	gone := []string{
		"User 9@z: probe",
		"User 1@a left! (server a went silent)",
		"User 2@a left! (server a went silent)",
		"User 1@a joined! (seen on the bus)",
		"User 2@a joined! (seen on the bus)",
	}
	bob.skipTo("User 9@z: probe", gone...)
	stop()

	g.reopen()
	alice.expect(wholeNotice)
	amy.expect(wholeNotice)
	alice.send("said once whole\n")
	bob.skipTo("User 1@a: said once whole", gone...)
}

// TestServerKilled kills a server's process: its users are gone from
// the other servers' rooms once it has been silent for three heartbeats.
func TestServerKilled(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	a := startMember(t, bus, "a", nil)
	alice := join(t, a, "tcp")

	out := newLogBuffer()
	cmd, _ := startMain(t, out, "server", "-addr", "127.0.0.1:0",
		"-path=", "-nats", bus.url, "-name", "c",
		"-heartbeat", heartbeat.String())
	addr := out.waitMatch(t, regexp.MustCompile(`Listening on (\S+)\n`))[1]
	carol := join(t, &testServer{addr: addr}, "tcp")
	alice.expect("User 1@c joined! (tcp)")
	carol.send("bye\n")
	alice.expect("User 1@c: bye")

	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	alice.expect("User 1@c left! (server c went silent)")
	t.Logf("alice heard that carol left %v after the kill",
		time.Since(killed).Round(time.Millisecond))
	a.logs.waitFor(t, "bus: server c silent for ")
}

// TestServerStopped stops a server with Ctrl-C: it says bye on the bus,
// so the other servers' users hear at once that its users left.
func TestServerStopped(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	// Neither server could notice the other's silence in time: only
	// b's goodbye can tell a that b's users left.
	slow := func(c *chat.BusConfig) { c.Heartbeat = time.Hour }
	a, b := startMember(t, bus, "a", slow), startMember(t, bus, "b", slow)
	alice := join(t, a, "tcp")
	join(t, b, "tcp")
	alice.expect("User 1@b joined! (tcp)")
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	alice.expect("User 1@b left!")
}

// TestSlowConsumer floods a server from the bus faster than it takes
// messages, past a pending limit of 8: NATS drops messages, the server
// logs it, its clients hear that lines were lost, and the room goes on.
func TestSlowConsumer(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	a := startMember(t, bus, "a", func(c *chat.BusConfig) {
		c.Pending = 8
	})
	alice, amy := join(t, a, "tcp"), join(t, a, "tcp")
	alice.expect("User 2 joined! (tcp)")
	nc := bus.publisher()
	line := []byte("say 1 " + strings.Repeat("x", 1000))
	for range 20000 {
		if err := nc.Publish("chat.z", line); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	a.logs.waitFor(t, "slow consumer")
	for {
		l := alice.read()
		if strings.HasPrefix(l, "*** Some lines from other servers were lost") {
			break
		}
		if !strings.HasPrefix(l, "User 1@z: x") {
			t.Fatalf("alice got %q", l)
		}
	}
	amy.send("still here\n")
	for l := alice.read(); l != "User 2: still here"; l = alice.read() {
	}
	// And the bus still brings lines from other servers. One sent while
	// the server still catches up may be dropped too, so it is sent
	// again until alice has it.
	stop := keepPublishing(t, nc, "chat.z", "say 7 after")
	defer stop()
	for {
		l := alice.read()
		if l == "User 7@z: after" {
			break
		}
		if !strings.HasPrefix(l, "User 1@z: x") &&
			!strings.HasPrefix(l, "*** Some lines from other servers") {
			t.Fatalf("alice got %q", l)
		}
	}
}

// TestHostileBus publishes what no server would, as anyone who can reach
// NATS may: each is refused, logged, and reaches no client.
func TestHostileBus(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	a := startMember(t, bus, "a", nil)
	alice := join(t, a, "tcp")
	nc := bus.publisher()
	bad := []struct{ subject, data string }{
		{"chat.z", "say 1 \x1b[2Jcleared"},
		{"chat.z", "say 1 \u202eevil"},
		{"chat.z", "say 1 " + strings.Repeat("x", 4097)},
		{"chat.z", "say 1 \xff"},
		{"chat.z", "say 0 zero"},
		{"chat.z", "say -1 minus"},
		{"chat.z", "say +1 plus"},
		{"chat.z", "say 1234567890 long"},
		{"chat.z", "say 1"},
		{"chat.z", "join 1 \x1b[31m"},
		{"chat.z", "join x tcp"},
		{"chat.z", "left one"},
		{"chat.z", "alive 1 2 x"},
		{"chat.z", "alive " + manyIDs(10001)},
		{"chat.z", "shout 1 hi"},
		{"chat.z", ""},
		{"chat.a", "say 1 I am a too"},
		{"chat.zé", "say 1 hi"},
		{"chat." + strings.Repeat("z", 33), "say 1 hi"},
	}
	for _, m := range bad {
		if err := nc.Publish(m.subject, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	nc.Publish("chat.z", []byte("say 7 hello"))
	// NATS keeps the order of one connection's messages: had any bad
	// one got through, alice would read it first.
	alice.expect("User 7@z: hello")
	a.logs.waitFor(t, "bus: refused ")
	a.logs.waitFor(t, "another server is called a too")
}

// TestBadName checks that a server name that could not be a NATS
// subject token is refused before anything connects.
func TestBadName(t *testing.T) {
	checkGoroutines(t)
	bus := startBus(t)
	for _, name := range []string{"", "a.b", "a b", "a*", ">", "zé",
		strings.Repeat("z", 33)} {
		b := chat.NewBus(chat.BusConfig{URL: bus.url, Name: name})
		room := chat.NewRoom(chat.Config{Relay: b})
		if err := b.Connect(room); !errors.Is(err, chat.ErrBadName) {
			t.Errorf("Connect as %q = %v, want ErrBadName", name, err)
		}
		room.Close()
	}
	v, err := bus.ns.Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.TotalConnections != 0 {
		t.Errorf("bad names made %d connections to NATS, want none",
			v.TotalConnections)
	}
	for _, name := range []string{"a", "Z", "3010", "server-2", "-",
		strings.Repeat("z", 32)} {
		b := chat.NewBus(chat.BusConfig{URL: bus.url, Name: name})
		room := chat.NewRoom(chat.Config{Relay: b})
		if err := b.Connect(room); err != nil {
			t.Errorf("Connect as %q = %v, want nil", name, err)
		} else {
			b.Close()
		}
		room.Close()
	}
}

// manyIDs returns the ids 1 to n, separated by spaces.
func manyIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(ids, " ")
}

// skipTo reads lines until want, and fails the test if any line before
// it is not one of maybe.
func (m *member) skipTo(want string, maybe ...string) {
	m.t.Helper()
	for {
		got := m.read()
		if got == want {
			return
		}
		if !slices.Contains(maybe, got) {
			m.t.Fatalf("User %d got %q, want %q", m.id, got, want)
		}
	}
}

// TestBusKeepsItsToken starts the bus alone with a URL that holds a
// token: it asks for that token, so that servers that were on a bus
// started again get back on it.
func TestBusKeepsItsToken(t *testing.T) {
	checkGoroutines(t)
	logs := newLogBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runBus(ctx, "127.0.0.1:0", "nats://s3cret@127.0.0.1:1", 0,
			"", log.New(logs, "", 0), chat.Config{}, heartbeat, false)
	}()
	m := logs.waitMatch(t, regexp.MustCompile(
		`export SOCKETLAB_NATS=(nats://s3cret@127\.0\.0\.1:\d+)\n`))
	nc, err := nats.Connect(m[1])
	if err != nil {
		t.Errorf("connecting with the token: %v", err)
	} else {
		nc.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestNothingLeftRunning runs a bus, three servers and a client on each,
// stops them all, and checks with goleak that none of their goroutines
// (the servers', the bus clients', NATS's) is left.
func TestNothingLeftRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("a room on three servers, stopped", func(t *testing.T) {
		bus := startBus(t)
		var members []*member
		for _, name := range []string{"a", "b", "c"} {
			members = append(members,
				join(t, startMember(t, bus, name, nil), "tcp"))
		}
		members[0].send("hello\n")
		members[2].skipTo("User 1@a: hello", "User 1@b joined! (tcp)",
			"User 1@a joined! (tcp)", "User 1@b joined! (seen on the bus)",
			"User 1@a joined! (seen on the bus)")
	})
}
