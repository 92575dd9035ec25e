package tap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Defaults for the zero fields of a Config.
const (
	DefaultBufferSize  = 32 << 10
	DefaultQueueSize   = 1024
	DefaultMaxConns    = 1024
	DefaultDialTimeout = 5 * time.Second

	// DefaultWriteTimeout is the labs' write timeout: a side that takes
	// nothing of what the relay writes to it for this long is cut off.
	DefaultWriteTimeout = 10 * time.Second
)

// ErrStopped is the Err of the Close event of a connection that was still
// open when the relay stopped.
var ErrStopped = errors.New("relay stopped")

// Config describes a relay. New needs only To; the function Listen also
// needs the Listen field. Zero fields take the defaults above.
type Config struct {
	Listen string // where clients connect: a socket path or host:port
	To     string // the real server: a socket path or host:port

	// Mode is the permission of the relay's socket file when Listen is a
	// path; 0 means DefaultMode (0600).
	Mode os.FileMode

	// BufferSize is the size of each of a connection's two copy buffers,
	// and so the largest chunk one Data event reports. Each direction
	// reads one chunk into its buffer and writes it on before reading
	// the next, so a live connection holds 2*BufferSize bytes (64 KiB
	// with the defaults) and two goroutines, however fast one side sends
	// and however slowly the other reads; the kernel's socket buffers
	// hold the rest, and a side that stops reading stops the other from
	// sending instead of filling the relay's memory.
	BufferSize int

	// MaxData is how many bytes of each chunk are copied into
	// Event.Data: 0 means all of it (up to BufferSize), a negative value
	// none. Len always gives the chunk's full length.
	MaxData int

	// QueueSize is the capacity of the event channel. When it is full,
	// new events are dropped and counted. A relay holds at most
	// QueueSize*MaxData bytes of event data (32 MiB with the defaults)
	// plus 2*BufferSize bytes per live connection.
	QueueSize int

	// MaxConns limits the connections relayed at once; clients beyond it
	// are disconnected at once and reported as an Error event.
	MaxConns int

	// DialTimeout bounds each dial of the real server.
	DialTimeout time.Duration

	// WriteTimeout bounds how long a side may take to accept one chunk
	// the relay writes to it. A side that does not take the whole chunk
	// in time has stopped reading: the relay cuts its connection off
	// and reports an Error event whose Err is a *StallError. While it
	// waits, the other direction, the other connections and the event
	// channel carry on. Only writes are timed: a side that is sent
	// nothing is never cut off, however long it stays idle without
	// reading (MaxConns bounds how many such connections there are).
	WriteTimeout time.Duration
}

// Stats are a relay's counters since it started.
type Stats struct {
	Conns          uint64 // connections accepted
	Live           int64  // connections being relayed now
	Refused        uint64 // connections refused because of MaxConns
	ClientToServer uint64 // bytes relayed from clients to the server
	ServerToClient uint64 // bytes relayed from the server to clients
	Events         uint64 // events delivered to the channel
	Dropped        uint64 // events dropped because the channel was full
}

// A Relay accepts connections on a listener and forwards each one to a
// new connection to its target, reporting what passes as Events.
//
// Serve runs the relay; Events, Stats, Addr and Close may be called from
// any goroutine.
type Relay struct {
	cfg    Config
	to     Addr
	ln     net.Listener
	events chan Event
	bufs   sync.Pool

	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
	started  atomic.Bool
	stopOnce sync.Once

	emitMu  sync.Mutex // held while sending an event
	pending uint64     // events dropped since the last one sent

	connMu   sync.Mutex
	conns    map[*conn]struct{}
	stopping bool
	wg       sync.WaitGroup // one per connection goroutine

	nextID atomic.Uint64
	stats  struct {
		conns, refused, c2s, s2c, events, dropped atomic.Uint64
		live                                      atomic.Int64
	}
}

// Listen listens on cfg.Listen with ListenSocket's rules and returns a
// relay to cfg.To, ready to Serve. The caller must call Serve or Close.
func Listen(cfg Config) (*Relay, error) {
	a, err := ParseAddr(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen address: %w", err)
	}
	to, err := ParseAddr(cfg.To)
	if err != nil {
		return nil, fmt.Errorf("target address: %w", err)
	}
	if sameAddr(a, to) {
		return nil, fmt.Errorf("the relay would dial itself: listen address and target are both %s", visible.String(a.String()))
	}
	ln, err := ListenSocket(a, cfg.Mode)
	if err != nil {
		return nil, err
	}
	return New(ln, cfg)
}

// sameAddr reports whether a and b name the same socket, as far as their
// text tells.
func sameAddr(a, b Addr) bool {
	if a.Network != b.Network {
		return false
	}
	if a.IsFile() {
		return filepath.Clean(a.Address) == filepath.Clean(b.Address)
	}
	return a.Address == b.Address
}

// New returns a relay that accepts on ln and dials cfg.To; cfg.Listen and
// cfg.Mode are ignored. The relay owns ln and closes it when it stops.
func New(ln net.Listener, cfg Config) (*Relay, error) {
	to, err := ParseAddr(cfg.To)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("target address: %w", err)
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.MaxData == 0 || cfg.MaxData > cfg.BufferSize {
		cfg.MaxData = cfg.BufferSize
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	r := &Relay{
		cfg:    cfg,
		to:     to,
		ln:     ln,
		events: make(chan Event, cfg.QueueSize),
		conns:  make(map[*conn]struct{}),
	}
	r.bufs.New = func() any {
		b := make([]byte, cfg.BufferSize)
		return &b
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// Addr returns the address the relay accepts on.
func (r *Relay) Addr() net.Addr { return r.ln.Addr() }

// Target returns the address the relay dials for each connection.
func (r *Relay) Target() Addr { return r.to }

// Events returns the channel on which the relay publishes its events, in
// the order they happened. It is closed once Serve has returned and
// every connection has ended (or by Close, if Serve never ran). A reader
// that falls behind loses events; it never slows the relay down.
func (r *Relay) Events() <-chan Event { return r.events }

// Stats returns the relay's counters.
func (r *Relay) Stats() Stats {
	return Stats{
		Conns:          r.stats.conns.Load(),
		Live:           r.stats.live.Load(),
		Refused:        r.stats.refused.Load(),
		ClientToServer: r.stats.c2s.Load(),
		ServerToClient: r.stats.s2c.Load(),
		Events:         r.stats.events.Load(),
		Dropped:        r.stats.dropped.Load(),
	}
}

// Close stops the relay: it stops accepting, closes the listener (which
// removes its socket file) and closes every live connection. A running
// Serve returns nil once all connections have ended.
func (r *Relay) Close() error {
	r.stop()
	if r.started.CompareAndSwap(false, true) {
		close(r.events)
	}
	return nil
}

// stop closes the listener and every live connection, once.
func (r *Relay) stop() {
	r.stopOnce.Do(func() {
		r.cancel()
		r.ln.Close()
		r.connMu.Lock()
		r.stopping = true
		for c := range r.conns {
			c.finish(Close, 0, ErrStopped)
		}
		r.connMu.Unlock()
	})
}

// Serve accepts connections until ctx is done or Close is called, then
// closes every live connection, waits for their goroutines to end, closes
// the event channel and returns nil. It returns an error if accepting
// fails for good. Serve may be called once.
func (r *Relay) Serve(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("tap: Serve called twice or after Close")
	}
	defer close(r.events)
	defer r.wg.Wait()
	defer r.stop()
	unwatch := context.AfterFunc(ctx, r.stop)
	defer unwatch()

	var backoff time.Duration
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if r.ctx.Err() != nil {
				return nil
			}
			if !temporary(err) {
				return err
			}
			// Out of file descriptors or memory: report it, wait a
			// little and try again, as net/http does.
			r.emit(Event{Kind: Error, Err: err}, nil)
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-r.ctx.Done():
			}
			continue
		}
		backoff = 0
		r.accept(c)
	}
}

// temporary reports whether an Accept error may go away by itself.
func temporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE,
		syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// accept registers a new client connection and starts relaying it.
func (r *Relay) accept(client net.Conn) {
	id := r.nextID.Add(1)
	r.stats.conns.Add(1)
	c := &conn{r: r, id: id, client: client,
		clientAddr: client.RemoteAddr().String(), serverAddr: r.to.String()}
	r.connMu.Lock()
	switch {
	case r.stopping:
		r.connMu.Unlock()
		client.Close()
		return
	case len(r.conns) >= r.cfg.MaxConns:
		r.connMu.Unlock()
		r.stats.refused.Add(1)
		client.Close()
		r.emit(c.event(Error, 0, fmt.Errorf(
			"too many connections (limit %d); client disconnected", r.cfg.MaxConns)), nil)
		return
	}
	r.conns[c] = struct{}{}
	r.stats.live.Add(1)
	r.wg.Add(1)
	r.connMu.Unlock()
	go func() {
		defer r.wg.Done()
		c.run()
		r.connMu.Lock()
		delete(r.conns, c)
		r.connMu.Unlock()
		r.stats.live.Add(-1)
	}()
}

// emit publishes ev, with a copy of at most MaxData bytes of data, unless
// the event channel is full; then it counts the event as dropped.
// Holding emitMu makes the check and the send one step: only senders
// fill the channel, so the send below never blocks.
func (r *Relay) emit(ev Event, data []byte) {
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	if len(r.events) == cap(r.events) {
		r.pending++
		r.stats.dropped.Add(1)
		return
	}
	ev.Time = time.Now()
	if n := min(len(data), r.cfg.MaxData); n > 0 {
		ev.Data = make([]byte, n)
		copy(ev.Data, data)
	}
	ev.Dropped, r.pending = r.pending, 0
	r.stats.events.Add(1)
	r.events <- ev
}
