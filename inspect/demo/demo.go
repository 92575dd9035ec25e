package demo

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

// Defaults for the zero fields of a Config.
const (
	DefaultPace    = 1500 * time.Millisecond
	DefaultAddr    = "127.0.0.1:0"
	DefaultHistory = 1024
)

// shutdownGrace is how long Stop lets the room say goodbye to the
// clients that are still connected before it cuts them off.
const shutdownGrace = 2 * time.Second

// Config describes a demo. The zero value is the classroom demo.
type Config struct {
	// Pace is the pause before each step of the conversation: a join, a
	// line, a leave. Zero means DefaultPace, slow enough to watch.
	Pace time.Duration

	// Once plays the opening conversation once, has everyone leave and
	// then stops the demo by itself. Otherwise, after the opening, a
	// visitor joins, chats and leaves every few steps until Stop.
	Once bool

	// Addr is the TCP door's address. Empty means DefaultAddr, a free
	// port on 127.0.0.1.
	Addr string

	// History is how many tap events and how many log lines are kept
	// for subscribers that come late. Zero means DefaultHistory.
	History int
}

// A Demo is a running demo: the lab 09 chat room with a TCP door and a
// Unix socket door, a tap relay in front of the Unix door, and scripted
// clients talking through all three. Everything runs in this process.
//
// All methods may be called from any goroutine.
type Demo struct {
	cfg      Config
	dir      string // the temporary folder holding both socket files
	chatPath string
	tapPath  string
	tcpAddr  *net.TCPAddr
	room     *chat.Room
	relay    *tap.Relay

	taps  *feed[tap.Event]
	lines *feed[Line]

	cancel  context.CancelFunc
	done    chan struct{}
	readers sync.WaitGroup // one per scripted client's reading goroutine

	mu      sync.Mutex
	clients map[string]*client // the latest client of each name
	err     error
}

// Start starts a demo and returns at once; the conversation begins after
// one Pace. The demo runs until Stop is called or ctx is done. If Start
// fails, nothing is left running and no file is left behind.
func Start(ctx context.Context, cfg Config) (*Demo, error) {
	if cfg.Pace <= 0 {
		cfg.Pace = DefaultPace
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	// A short folder of our own: a socket path must fit in about 108
	// bytes, and nobody else's file can be in the way.
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		return nil, err
	}
	d := &Demo{
		cfg:      cfg,
		dir:      dir,
		chatPath: filepath.Join(dir, "chat.sock"),
		tapPath:  filepath.Join(dir, "tap.sock"),
		taps: newFeed(cfg.History, func(ev tap.Event, n uint64) tap.Event {
			ev.Dropped += n
			return ev
		}),
		lines: newFeed(cfg.History, func(l Line, n uint64) Line {
			l.Dropped += n
			return l
		}),
		done:    make(chan struct{}),
		clients: make(map[string]*client),
	}
	var closers []func() error
	undo := func() {
		for _, c := range closers {
			c()
		}
		os.RemoveAll(dir)
	}
	tcpLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		undo()
		return nil, err
	}
	closers = append(closers, tcpLn.Close)
	d.tcpAddr = tcpLn.Addr().(*net.TCPAddr)
	// The folder is new and only ours (mode 0700), so no stale socket
	// file can be in the way and nobody else can connect.
	unixLn, err := net.Listen("unix", d.chatPath)
	if err != nil {
		undo()
		return nil, err
	}
	closers = append(closers, unixLn.Close)
	d.relay, err = tap.Listen(tap.Config{Listen: d.tapPath, To: d.chatPath})
	if err != nil {
		undo()
		return nil, err
	}
	// The room bounds how far a client may fall behind in bytes, not in
	// lines, so a student's burst of tiny lines (a pasted file, `yes |
	// nc`) does not get the scripted clients cut off.
	d.room = chat.NewRoom(chat.Config{Logger: log.New(roomLog{d}, "", 0)})

	ctx, d.cancel = context.WithCancel(ctx)
	go d.run(ctx, tcpLn, unixLn)
	return d, nil
}

// run serves the room and the relay, plays the script, and when ctx is
// done (or a Once script is over) takes everything down in order.
func (d *Demo) run(ctx context.Context, tcpLn, unixLn net.Listener) {
	defer close(d.done)
	var wg sync.WaitGroup
	serve := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				d.fail(err)
				d.cancel()
			}
		}()
	}
	serve(func() error { return d.room.Serve(ctx, tcpLn, string(TCP)) })
	serve(func() error { return d.room.Serve(ctx, unixLn, string(Unix)) })
	serve(func() error { return d.relay.Serve(ctx) })
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for ev := range d.relay.Events() {
			d.taps.publish(ev)
		}
	}()

	s := &script{d: d, ctx: ctx, timer: time.NewTimer(time.Hour)}
	err := s.run()
	s.timer.Stop()
	if err != nil && ctx.Err() == nil {
		d.fail(err)
	}
	d.cancel()

	// The scripted clients go first, so that the tap reports their ends
	// as the clients' doing. The relay and the room's listeners stop by
	// themselves now that ctx is done (the relay closes the connections
	// it still relays); then the room says goodbye to whoever is left.
	s.closeAll()
	d.readers.Wait()
	wg.Wait()
	<-forwarded
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	d.room.Shutdown(grace)
	cancel()
	d.taps.close()
	d.lines.close()
	if err := os.RemoveAll(d.dir); err != nil {
		d.fail(err)
	}
}

// fail records err as the reason the demo stopped, if it is the first.
func (d *Demo) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil {
		d.err = err
	}
}

// Stop ends the demo and waits until everything has stopped: the
// clients, the relay and the room. It leaves no goroutine and no socket
// file behind. Stop returns Err; calling it again does no harm.
func (d *Demo) Stop() error {
	d.cancel()
	<-d.done
	return d.Err()
}

// Done returns a channel that is closed once the demo has stopped
// completely, whether by Stop, by its context or, with Once, by the end
// of its conversation.
func (d *Demo) Done() <-chan struct{} { return d.done }

// Err returns what stopped the demo when something went wrong (a client
// that got no answer, a listener that failed), or nil.
func (d *Demo) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Addr returns the address of the room's TCP door.
func (d *Demo) Addr() *net.TCPAddr { return d.tcpAddr }

// Port returns the TCP door's port.
func (d *Demo) Port() int { return d.tcpAddr.Port }

// Path returns the path of the room's Unix socket door.
func (d *Demo) Path() string { return d.chatPath }

// TapPath returns the path the tap relay listens on; it forwards every
// connection to Path.
func (d *Demo) TapPath() string { return d.tapPath }

// Filter returns the socket table filter that shows the demo's sockets:
// the TCP port and both socket paths.
func (d *Demo) Filter() sockets.Filter {
	return sockets.Filter{Ports: []int{d.Port()},
		Paths: []string{d.chatPath, d.tapPath}}
}

// TapEvents returns a new channel, with room for n events, on which the
// tap relay's events arrive: first the newest ones already seen (at most
// n), then each one as it happens. A reader that falls behind loses
// events, counted in Event.Dropped; it never slows the demo down. The
// channel is closed when the demo stops. Each call adds a reader for the
// life of the demo: call it once per consumer.
func (d *Demo) TapEvents(n int) <-chan tap.Event { return d.taps.subscribe(n) }

// Lines returns a new channel of the demo's log, with the same rules as
// TapEvents: the lines the scripted clients send and receive, notes on
// what they do, and the room's own log lines.
func (d *Demo) Lines(n int) <-chan Line { return d.lines.subscribe(n) }

// Transcript returns what the latest scripted client called name has
// sent, received and done, oldest first (its last 1000 lines), or nil
// if there is none. The clients are Ada (tcp), Linus (unix) and Grace
// (tap), then the visitors Ken (tcp), Barbara (unix) and Radia (tap).
func (d *Demo) Transcript(name string) []Line {
	d.mu.Lock()
	c := d.clients[name]
	d.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.transcript()
}

// RoomStats returns the chat room's counters.
func (d *Demo) RoomStats() chat.Stats { return d.room.Stats() }

// TapStats returns the tap relay's counters.
func (d *Demo) TapStats() tap.Stats { return d.relay.Stats() }

// connectNote describes a new connection from the client's side.
func (d *Demo) connectNote(c *client) string {
	switch c.door {
	case TCP:
		return fmt.Sprintf("connected from %v to %v", c.conn.LocalAddr(),
			c.conn.RemoteAddr())
	case Tap:
		return fmt.Sprintf("connected to the tap %s, which relays to %s",
			d.tapPath, d.chatPath)
	}
	return fmt.Sprintf("connected to %s from an unnamed socket (@)", d.chatPath)
}

// roomLog turns the room's log lines into Room lines of the demo's log.
type roomLog struct{ d *Demo }

func (w roomLog) Write(p []byte) (int, error) {
	w.d.lines.publish(Line{Time: time.Now(), Kind: Room,
		Text: strings.TrimSuffix(string(p), "\n")})
	return len(p), nil
}
