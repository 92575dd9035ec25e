package chat

import (
	"errors"
	"log"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// The bus joins the rooms of several servers into one room. Every server
// publishes its own clients' news to NATS, on the subject "chat.NAME"
// where NAME is the server's name, and subscribes to "chat.*": so each
// server hears every other, and NATS carries each message once to each
// server, not once to each client. A message is one line of text:
//
//	join 3 tcp        User 3 of this server came in through tcp
//	say 3 hello       User 3 said "hello"
//	left 3            User 3 left
//	alive 1 3 4       who is here now, every heartbeat
//	bye               this server is shutting down
//
// A server never hears itself: it connects with NATS's no-echo option.
// NATS keeps the order of the messages of one connection, and a server
// publishes from one goroutine, so each sender's lines arrive in order.

// BusConfig says how a room reaches the rooms of other servers.
type BusConfig struct {
	// URL is the NATS server to connect to, or several separated by
	// commas (a NATS cluster): "nats://TOKEN@127.0.0.1:4222". Empty
	// means no bus: the room stays alone.
	URL string

	// Name is this server's name on the bus, unique among the servers:
	// the others show its clients as "User 3@NAME". Letters, digits and
	// "-", at most 32.
	Name string

	// Heartbeat is how often this server tells the others who is here.
	// A server not heard from for three heartbeats is taken for gone,
	// and its users for left. It is also how long the bus waits between
	// tries to reconnect. Zero means one second.
	Heartbeat time.Duration

	// Pending bounds the messages from the bus that may wait for this
	// server to take them (NATS's pending limit). Past it NATS drops
	// them and says "slow consumer". Zero means 65,536. Their bytes are
	// bounded too, by pendingBytes.
	Pending int

	// Logger receives the bus's news: split, whole, servers that came
	// and went, messages refused. Nil means no log.
	Logger *log.Logger
}

// pendingBytes bounds the bytes of the messages waiting for a server, as
// Pending bounds their number: a message may be as long as NATS allows
// (1 MiB unless told otherwise), so a count alone would let them take
// gigabytes. 64 MiB is nats.go's own default.
const pendingBytes = 64 << 20

// Limits on what other servers may make this one remember.
const (
	maxServers = 64    // other servers at once
	maxUsers   = 10000 // users of one other server
	queueSize  = 4096  // messages waiting to be published
)

// A Bus is a room's connection to the other servers' rooms. It is the
// room's Relay. Its methods may be called from any goroutine.
type Bus struct {
	cfg     BusConfig
	logger  *log.Logger
	room    *Room
	nc      *nats.Conn
	subject []byte

	// out holds the messages to publish, in order, for the one
	// goroutine that publishes them. When it is full, messages are
	// dropped: a room never waits for the bus.
	out  chan []byte
	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	mu      sync.Mutex
	local   map[int]bool       // this room's clients
	servers map[string]*server // the other servers heard from
	split   bool               // disconnected from NATS
	closing bool
	clash   bool      // another server took our name
	lost    int       // messages not published since the last log line
	refused int       // messages refused since the last log line
	said    time.Time // when the last such log line was written
}

// A server is another server on the bus: who is there, and when it last spoke.
type server struct {
	users  map[int]bool
	seen   time.Time
	logger *log.Logger // the bus's
}

// NewBus returns a bus for cfg, not yet connected: give it to NewRoom
// as Config.Relay, then call Connect with the room.
func NewBus(cfg BusConfig) *Bus {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.Pending <= 0 {
		cfg.Pending = 65536
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.New(discard{}, "", 0)
	}
	return &Bus{cfg: cfg, logger: logger,
		subject: []byte("chat." + cfg.Name),
		out:     make(chan []byte, queueSize), done: make(chan struct{}),
		local: make(map[int]bool), servers: make(map[string]*server)}
}

// ErrBadName is returned by Connect for a name that cannot be a NATS
// subject token.
var ErrBadName = errors.New("chat: a server name is letters, digits " +
	"and \"-\", at most 32")

// Connect connects b to NATS and starts passing news both ways between
// room and the other servers, until Close.
func (b *Bus) Connect(room *Room) error {
	if !validName([]byte(b.cfg.Name)) {
		return ErrBadName
	}
	b.room = room
	nc, err := nats.Connect(b.cfg.URL,
		nats.Name("socketlab chat "+b.cfg.Name),
		nats.NoEcho(),
		// Reconnect forever; meanwhile publish nothing (the room is
		// split: see disconnected).
		nats.MaxReconnects(-1),
		nats.ReconnectWait(b.cfg.Heartbeat),
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(*nats.Conn, error) {
			b.setSplit(true)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { b.setSplit(false) }),
		nats.ErrorHandler(b.asyncError))
	if err != nil {
		return err
	}
	sub, err := nc.Subscribe("chat.*", b.receive)
	if err == nil {
		err = sub.SetPendingLimits(b.cfg.Pending, pendingBytes)
	}
	if err == nil {
		// A round trip: NATS has the subscription before we go on, so
		// we hear everything published after Connect returns.
		err = nc.Flush()
	}
	if err != nil {
		nc.Close()
		return err
	}
	b.nc = nc
	b.wg.Add(2)
	go b.publish()
	go b.heartbeat()
	return nil
}

// Close tells the other servers that this one is leaving, and
// disconnects.
func (b *Bus) Close() error {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	close(b.done)
	b.wg.Wait()
	if b.nc != nil {
		// What the room said last is still due, then the goodbye.
		for len(b.out) > 0 {
			b.nc.Publish(string(b.subject), <-b.out)
		}
		b.nc.Publish(string(b.subject), []byte("bye"))
		b.nc.FlushTimeout(time.Second)
		b.nc.Close()
	}
	return nil
}
