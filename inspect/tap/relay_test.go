package tap

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRelayIsByteExact(t *testing.T) {
	for _, tc := range []struct{ from, to string }{
		{"unix", "unix"}, {"tcp", "unix"}, {"unix", "tcp"}, {"tcp", "tcp"},
	} {
		name := fmt.Sprintf("1 MiB each way arrives identical from %s to %s",
			tc.from, tc.to)
		t.Run(name, func(t *testing.T) {
			up, down := randomBytes(t, 1<<20), randomBytes(t, 1<<20)
			got := make(chan []byte, 1)
			ln, target := listen(t, tc.to, "real.sock")
			serveConns(t, ln, func(c net.Conn) {
				// Send our megabyte while reading the client's.
				sent := make(chan struct{})
				go func() {
					defer close(sent)
					c.Write(down)
					closeWrite(c)
				}()
				b, _ := io.ReadAll(c)
				got <- b
				<-sent
			})
			r := startRelay(t, tc.from, target, Config{QueueSize: 1 << 14})
			var seen [3]bytes.Buffer
			evDone := make(chan struct{})
			go func() {
				defer close(evDone)
				for ev := range r.Events() {
					if ev.Kind == Data {
						seen[ev.Dir].Write(ev.Data)
					}
					if ev.Kind == Close || ev.Kind == Reset || ev.Kind == Error {
						return
					}
				}
			}()

			c := dial(t, r)
			go func() {
				c.Write(up)
				closeWrite(c)
			}()
			back, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, down) {
				t.Errorf("client got %d bytes, want the server's %d exactly", len(back), len(down))
			}
			if b := <-got; !bytes.Equal(b, up) {
				t.Errorf("server got %d bytes, want the client's %d exactly", len(b), len(up))
			}
			select {
			case <-evDone:
			case <-time.After(testTimeout):
				t.Fatal("no Close event in time")
			}
			if s := r.Stats(); s.Dropped != 0 {
				t.Fatalf("%d events dropped; the reader kept up, so none should be", s.Dropped)
			}
			if !bytes.Equal(seen[ClientToServer].Bytes(), up) {
				t.Errorf("c>s events carry %d bytes, not the client's %d", seen[ClientToServer].Len(), len(up))
			}
			if !bytes.Equal(seen[ServerToClient].Bytes(), down) {
				t.Errorf("s>c events carry %d bytes, not the server's %d", seen[ServerToClient].Len(), len(down))
			}
		})
	}
}

func TestHalfClose(t *testing.T) {
	for _, network := range []string{"unix", "tcp"} {
		t.Run("a client's FIN reaches a "+network+" server that can still answer", func(t *testing.T) {
			ln, target := listen(t, network, "real.sock")
			serveConns(t, ln, func(c net.Conn) {
				q, err := io.ReadAll(c) // returns at the client's FIN
				if err != nil {
					return
				}
				fmt.Fprintf(c, "got %d bytes: %s", len(q), q)
			})
			r := startRelay(t, network, target, Config{})
			c := dial(t, r)
			if _, err := io.WriteString(c, "question"); err != nil {
				t.Fatal(err)
			}
			if err := closeWrite(c); err != nil {
				t.Fatal(err)
			}
			answer, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if want := "got 8 bytes: question"; string(answer) != want {
				t.Errorf("client got %q, want %q", answer, want)
			}
		})
	}
}

func TestReset(t *testing.T) {
	t.Run("a TCP client's reset closes the Unix server's side", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		ended := make(chan error, 1)
		serveConns(t, ln, func(c net.Conn) {
			_, err := c.Read(make([]byte, 1))
			ended <- err
		})
		r := startRelay(t, "tcp", target, Config{})
		c := dial(t, r)
		if ev := nextEvent(t, r.Events()); ev.Kind != Open {
			t.Fatalf("first event is %v, want open", ev.Kind)
		}
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		select {
		case err := <-ended:
			if err == nil {
				t.Fatal("server read succeeded; want the connection closed")
			}
		case <-time.After(testTimeout):
			t.Fatal("server side still open after the client's reset")
		}
		evs := eventsUntilEnd(t, r.Events(), 1)
		last := evs[len(evs)-1]
		if last.Kind != Reset || last.Dir != ClientToServer ||
			!errors.Is(last.Err, syscall.ECONNRESET) {
			t.Errorf("last event = %v %v %v, want reset c>s ECONNRESET", last.Kind, last.Dir, last.Err)
		}
	})

	t.Run("a TCP server's reset reaches the TCP client as a reset", func(t *testing.T) {
		ln, target := listen(t, "tcp", "")
		serveConns(t, ln, func(c net.Conn) {
			// Wait for a byte, so that both dials have completed.
			c.Read(make([]byte, 1))
			c.(*net.TCPConn).SetLinger(0)
		})
		r := startRelay(t, "tcp", target, Config{})
		c := dial(t, r)
		c.Write([]byte("x"))
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("client read: %v, want ECONNRESET", err)
		}
		evs := eventsUntilEnd(t, r.Events(), 1)
		last := evs[len(evs)-1]
		if last.Kind != Reset || last.Dir != ServerToClient {
			t.Errorf("last event = %v %v %v, want reset s>c", last.Kind, last.Dir, last.Err)
		}
	})

	t.Run("a Unix client closing on unread data resets the TCP server", func(t *testing.T) {
		ln, target := listen(t, "tcp", "")
		ended := make(chan error, 1)
		serveConns(t, ln, func(c net.Conn) {
			c.Write([]byte("ab"))
			_, err := c.Read(make([]byte, 1))
			ended <- err
		})
		r := startRelay(t, "unix", target, Config{})
		c := dial(t, r)
		// Read one byte so we know "b" waits unread in our buffer, then
		// close: the kernel tells the relay ECONNRESET.
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		c.Close()
		select {
		case err := <-ended:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("server read: %v, want ECONNRESET", err)
			}
		case <-time.After(testTimeout):
			t.Fatal("server side still open after the client's reset")
		}
		evs := eventsUntilEnd(t, r.Events(), 1)
		if last := evs[len(evs)-1]; last.Kind != Reset || last.Dir != ClientToServer {
			t.Errorf("last event = %v %v %v, want reset c>s", last.Kind, last.Dir, last.Err)
		}
	})
}

func TestManyConnections(t *testing.T) {
	t.Run("100 clients at once each get their own bytes back", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		serveConns(t, ln, echo)
		r := startRelay(t, "unix", target, Config{QueueSize: 16})
		const n = 100
		conns := make([]net.Conn, n)
		for i := range conns {
			conns[i] = dial(t, r)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msg := bytes.Repeat([]byte{byte(i)}, 16<<10+i)
				go func() {
					c.Write(msg)
					closeWrite(c)
				}()
				back, err := io.ReadAll(c)
				if err == nil && !bytes.Equal(back, msg) {
					err = fmt.Errorf("client %d got %d bytes back, want its %d", i, len(back), len(msg))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if s := r.Stats(); s.Conns != n {
			t.Errorf("relay accepted %d connections, want %d", s.Conns, n)
		}
	})
}

func TestEvents(t *testing.T) {
	t.Run("a request and answer are reported in order with directions and lengths", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		serveConns(t, ln, func(c net.Conn) {
			if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
				return
			}
			io.WriteString(c, "world!")
			io.ReadAll(c)
		})
		r := startRelay(t, "tcp", target, Config{})
		c := dial(t, r)
		io.WriteString(c, "hello")
		if _, err := io.ReadFull(c, make([]byte, 6)); err != nil {
			t.Fatal(err)
		}
		closeWrite(c)
		io.ReadAll(c)

		var got []string
		for _, ev := range eventsUntilEnd(t, r.Events(), 1) {
			if ev.Len != len(ev.Data) {
				t.Errorf("%v event: Len %d but %d bytes of Data", ev.Kind, ev.Len, len(ev.Data))
			}
			if ev.Client == "" || ev.Server != target {
				t.Errorf("%v event: Client %q Server %q, want a client and %q", ev.Kind, ev.Client, ev.Server, target)
			}
			s := fmt.Sprintf("%v %v", ev.Kind, ev.Dir)
			// Merge a chunk the kernel split into the one before it.
			if n := len(got); ev.Kind == Data && n > 0 && got[n-1][:4] == "data" && got[n-1][5:8] == ev.Dir.String() {
				got[n-1] += string(ev.Data)
				continue
			}
			if ev.Kind == Data {
				s += " " + string(ev.Data)
			}
			got = append(got, s)
		}
		want := []string{"open ", "data c>s hello", "data s>c world!",
			"half-close c>s", "half-close s>c", "close "}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events:\n got %q\nwant %q", got, want)
		}
	})

	t.Run("a server that is down is reported as an error", func(t *testing.T) {
		ln, target := listen(t, "unix", "gone.sock")
		ln.Close()
		r := startRelay(t, "unix", target, Config{})
		c := dial(t, r)
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("client read succeeded; want the relay to hang up")
		}
		ev := nextEvent(t, r.Events())
		if ev.Kind != Error || ev.Dir != ServerToClient ||
			!errors.Is(ev.Err, syscall.ENOENT) {
			t.Errorf("event %v %v %v, want error s>c ENOENT", ev.Kind, ev.Dir, ev.Err)
		}
	})

	t.Run("a client beyond MaxConns is disconnected and reported", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		serveConns(t, ln, echo)
		r := startRelay(t, "unix", target, Config{MaxConns: 1})
		dial(t, r)
		if ev := nextEvent(t, r.Events()); ev.Kind != Open {
			t.Fatalf("got %v, want open", ev.Kind)
		}
		c2 := dial(t, r)
		if _, err := c2.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("second client read: %v, want EOF", err)
		}
		if ev := nextEvent(t, r.Events()); ev.Kind != Error || ev.Conn != 2 {
			t.Errorf("got %v on %d, want an error on connection 2", ev.Kind, ev.Conn)
		}
		if s := r.Stats(); s.Refused != 1 || s.Live != 1 {
			t.Errorf("Refused %d, Live %d; want 1 and 1", s.Refused, s.Live)
		}
	})
}

func TestSlowConsumer(t *testing.T) {
	t.Run("an unread event channel neither stalls the relay nor grows", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		serveConns(t, ln, echo)
		const queue = 8
		r := startRelay(t, "unix", target, Config{QueueSize: queue, BufferSize: 4096})
		msg := randomBytes(t, 1<<20)
		c := dial(t, r)
		go func() {
			c.Write(msg)
			closeWrite(c)
		}()
		back, err := io.ReadAll(c)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("got %d bytes back (err %v), want %d identical", len(back), err, len(msg))
		}
		s := r.Stats()
		if s.Events > queue || s.Dropped == 0 {
			t.Fatalf("Events %d, Dropped %d; want at most %d delivered and the rest dropped", s.Events, s.Dropped, queue)
		}
		// Now read: the queue holds the first events; the next one
		// says how many were lost before it.
		for range queue {
			nextEvent(t, r.Events())
		}
		c2 := dial(t, r)
		c2.Write([]byte("x"))
		ev := nextEvent(t, r.Events())
		if ev.Dropped == 0 || ev.Dropped > r.Stats().Dropped {
			t.Errorf("first event after the gap says %d dropped; want between 1 and %d", ev.Dropped, r.Stats().Dropped)
		}
	})
}

func TestClose(t *testing.T) {
	t.Run("Close ends live connections and Serve returns", func(t *testing.T) {
		ln, target := listen(t, "unix", "real.sock")
		serveConns(t, ln, echo)
		r := startRelay(t, "unix", target, Config{})
		c := dial(t, r)
		if ev := nextEvent(t, r.Events()); ev.Kind != Open {
			t.Fatalf("got %v, want open", ev.Kind)
		}
		r.Close()
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("client read succeeded after Close")
		}
		ev := nextEvent(t, r.Events())
		if ev.Kind != Close || !errors.Is(ev.Err, ErrStopped) {
			t.Errorf("got %v %v, want close with ErrStopped", ev.Kind, ev.Err)
		}
	})
}

// randomBytes returns n random bytes.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestHalfCloseWords(t *testing.T) {
	for _, c := range []struct {
		name           string
		dir            Dir
		client, server string
		want           string
	}{
		{"two TCP sides pass a FIN on", ClientToServer, "tcp", "tcp", "FIN passed on"},
		{"two Unix sides pass the end of stream on, with no FIN", ClientToServer, "unix", "unix",
			"end of stream passed on (shutdown)"},
		{"a TCP client's FIN reaches a Unix server as end of stream", ClientToServer, "tcp", "unix",
			"FIN passed on as end of stream (shutdown)"},
		{"a Unix server's shutdown reaches a TCP client as a FIN", ServerToClient, "tcp", "unix",
			"end of stream passed on as a FIN (shutdown)"},
		{"a TCP server's FIN reaches a Unix client as end of stream", ServerToClient, "unix", "tcp",
			"FIN passed on as end of stream (shutdown)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := HalfCloseNote(c.dir, c.client, c.server); got != c.want {
				t.Errorf("HalfCloseNote(%v, %s, %s) = %q, want %q", c.dir, c.client, c.server, got, c.want)
			}
		})
	}
	t.Run("only TCP says FIN", func(t *testing.T) {
		if got := EndOfStream("tcp"); got != "FIN" {
			t.Errorf(`EndOfStream("tcp") = %q`, got)
		}
		if got := EndOfStream("unix"); strings.Contains(got, "FIN") {
			t.Errorf(`EndOfStream("unix") = %q, which names a FIN a Unix socket never sends`, got)
		}
	})
}
