package chat

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoom(t *testing.T) {
	t.Run("TCP and Unix clients chat in one room", func(t *testing.T) {
		tr := startRoom(t, Config{})
		a := tr.dial(t, "tcp")
		b := tr.dial(t, "unix")
		a.expect("User " + b.id + " joined! (unix)")
		c := tr.dial(t, "tcp")
		a.expect("User " + c.id + " joined! (tcp)")
		b.expect("User " + c.id + " joined! (tcp)")

		a.send("hello from tcp\n")
		b.expect("User " + a.id + ": hello from tcp")
		c.expect("User " + a.id + ": hello from tcp")
		b.send("hello from unix\r\n")
		a.expect("User " + b.id + ": hello from unix")
		c.expect("User " + b.id + ": hello from unix")
		// The sender never gets its own line back: the next line a
		// reads is b's, not its own.
		if tr.Stats().Messages != 2 {
			t.Errorf("Stats().Messages = %d, want 2", tr.Stats().Messages)
		}

		b.conn.Close()
		a.expect("User " + b.id + " left!")
		c.expect("User " + b.id + " left!")
	})

	t.Run("bad lines earn an error and are not broadcast", func(t *testing.T) {
		tr := startRoom(t, Config{MaxLine: 10})
		a := tr.dial(t, "tcp")
		b := tr.dial(t, "unix")
		a.expect("User " + b.id + " joined! (unix)")

		b.send("\n\r\n" + strings.Repeat("x", 11) + "\n")
		b.expect("error: line too long (limit 10 bytes), dropped")
		b.send(strings.Repeat("y", 100) + "\n")
		b.expect("error: line too long (limit 10 bytes), dropped")
		b.send("\xff\xfe\n")
		b.expect("error: line is not valid UTF-8, dropped")
		b.send(strings.Repeat("z", 10) + "\r\n")
		a.expect("User " + b.id + ": " + strings.Repeat("z", 10))
	})

	t.Run("a full room refuses politely", func(t *testing.T) {
		tr := startRoom(t, Config{MaxClients: 1})
		tr.dial(t, "tcp")
		conn, err := net.Dial("unix", tr.unix)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		p := &peer{t: t, conn: conn, r: newBufReader(conn)}
		p.expect("error: server full (1 clients), try again later")
		if got := tr.Stats().Refused; got != 1 {
			t.Errorf("Stats().Refused = %d, want 1", got)
		}
	})

	t.Run("a client that stops reading is cut off, others go on",
		func(t *testing.T) {
			tr := startRoom(t, Config{QueueMessages: 16, QueueBytes: 64 << 10})
			slow := tr.dial(t, "unix") // never reads again
			fast := tr.dial(t, "tcp")
			sender := tr.dial(t, "tcp")
			fast.expect("User " + sender.id + " joined! (tcp)")

			// 4 KiB lines fill the slow client's socket buffers, then
			// its queue; meanwhile fast must get every single line.
			line := strings.Repeat("s", 4000)
			want := "User " + sender.id + ": " + line
			// The left notice may overtake the line whose push found
			// the queue full, so we accept it in place of any line.
			left := "User " + slow.id + " left!"
			for i := 0; ; i++ {
				if i == 100000 {
					t.Fatal("slow client never cut off")
				}
				sender.send(line + "\n")
				got := fast.read()
				if got == left {
					break
				}
				if got != want {
					t.Fatalf("got %.40q..., want %.40q...", got, want)
				}
			}
			if got := tr.Stats().Dropped; got != 1 {
				t.Errorf("Stats().Dropped = %d, want 1", got)
			}
			if !strings.Contains(tr.log.String(),
				"User "+slow.id+" dropped: outbound queue full") {
				t.Errorf("log does not say why:\n%s", tr.log.String())
			}
		})

	t.Run("shutdown says goodbye and closes every connection",
		func(t *testing.T) {
			tr := NewRoom(Config{})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() { errc <- tr.Serve(context.Background(), ln, "tcp") }()
			room := &testRoom{Room: tr, tcp: ln.Addr().String()}
			a := room.dial(t, "tcp")
			b := room.dial(t, "tcp")
			a.expect("User " + b.id + " joined! (tcp)")
			ctx, cancel := context.WithTimeout(context.Background(),
				5*time.Second)
			defer cancel()
			if err := tr.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
			for _, p := range []*peer{a, b} {
				p.expect("Server is shutting down.")
				if line, err := p.r.ReadString('\n'); err == nil {
					t.Errorf("read %q after goodbye, want EOF", line)
				}
			}
			err = tr.Serve(context.Background(), ln, "tcp")
			if !errors.Is(err, ErrRoomClosed) {
				t.Errorf("Serve after Shutdown = %v, want ErrRoomClosed", err)
			}
		})

	t.Run("lines across many backlog chunks arrive whole, in order, "+
		"and never to their sender", func(t *testing.T) {
		tr := startRoom(t, Config{})
		a := tr.dial(t, "tcp")
		b := tr.dial(t, "unix")
		a.expect("User " + b.id + " joined! (unix)")
		// 300 lines of about 1 KB from each: over 9 chunks of backlog,
		// with a's and b's lines interleaved in every one.
		const n = 300
		pad := strings.Repeat("p", 1000)
		errc := make(chan error, 2)
		for _, p := range []*peer{a, b} {
			go func() {
				var w strings.Builder
				for i := range n {
					fmt.Fprintf(&w, "%d %s\n", i, pad)
				}
				p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				_, err := p.conn.Write([]byte(w.String()))
				errc <- err
			}()
		}
		for _, pair := range [][2]*peer{{a, b}, {b, a}} {
			to, from := pair[0], pair[1]
			for i := range n {
				want := fmt.Sprintf("User %s: %d %s", from.id, i, pad)
				if got := to.read(); got != want {
					t.Fatalf("User %s got %.20q..., want %.20q...",
						to.id, got, want)
				}
			}
		}
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("a client is cut off for lines it has not taken, "+
		"not for its own", func(t *testing.T) {
		logs := &syncBuffer{}
		r := NewRoom(Config{QueueBytes: 16 << 10,
			Logger: log.New(logs, "", 0)})
		var members []*client
		for id := 1; id <= 2; id++ {
			conn, other := net.Pipe()
			t.Cleanup(func() { conn.Close(); other.Close() })
			c := newClient(r, conn, id, "tcp")
			members = append(members, c)
			r.members[c] = true
		}
		// No writer runs: User 2 takes nothing of User 1's 100 KB, and
		// User 1 has nothing to take but its own lines.
		line := []byte(strings.Repeat("x", 1000))
		for range 100 {
			r.broadcast(members[0], line)
		}
		if got := r.Stats().Dropped; got != 1 {
			t.Errorf("Stats().Dropped = %d, want 1", got)
		}
		if !strings.Contains(logs.String(), "User 2 dropped: outbound queue full") ||
			strings.Contains(logs.String(), "User 1 dropped") {
			t.Errorf("log:\n%s", logs.String())
		}
	})

	t.Run("ids are never reused", func(t *testing.T) {
		tr := startRoom(t, Config{})
		seen := map[string]bool{}
		for range 5 {
			p := tr.dial(t, "unix")
			if seen[p.id] {
				t.Fatalf("id %s given twice", p.id)
			}
			seen[p.id] = true
			p.conn.Close()
		}
	})
}

// TestManyClients has 300 clients over both doors, each sending a few
// lines, and checks that every client gets every other client's lines,
// and that shutdown leaves no goroutine behind (see startRoom).
func TestManyClients(t *testing.T) {
	const n, lines = 300, 3
	tr := startRoom(t, Config{})
	peers := make([]*peer, n)
	for i := range peers {
		door := "tcp"
		if i%2 == 1 {
			door = "unix"
		}
		peers[i] = tr.dial(t, door)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, p := range peers {
		wg.Go(func() {
			// Count the chat lines from each other client. Joined
			// notices from clients after this one come first.
			got := map[string]int{}
			total := 0
			for total < (n-1)*lines {
				p.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
				line, err := p.r.ReadString('\n')
				if err != nil {
					errs <- fmt.Errorf("client %d: %v after %d lines",
						i, err, total)
					return
				}
				if strings.Contains(line, "joined!") {
					continue
				}
				from, text, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
				if want := fmt.Sprintf("line %d", got[from]); text != want {
					errs <- fmt.Errorf("client %d: got %q from %s, want %q",
						i, text, from, want)
					return
				}
				got[from]++
				total++
			}
		})
	}
	for _, p := range peers {
		var b strings.Builder
		for j := range lines {
			fmt.Fprintf(&b, "line %d\n", j)
		}
		p.send(b.String())
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := tr.Stats()
	if s.Clients != n || s.Messages != n*lines || s.Dropped != 0 {
		t.Errorf("Stats() = %+v", s)
	}
}
