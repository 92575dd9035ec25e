package stream

import (
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// Defaults for a zero Config field.
const (
	DefaultMaxBytes         = 1 << 20
	DefaultMaxConversations = 256
	DefaultMaxPending       = 256 << 10
	DefaultMaxPendingTotal  = 8 << 20
	DefaultGiveUp           = time.Second
)

// gapCost is what a gap marker counts for against MaxBytes, so that a
// flood of holes cannot grow a conversation without bound.
const gapCost = 32

// Config bounds a Tracker.
type Config struct {
	Ports            []int // server ports, to tell the client when the SYN was missed
	MaxBytes         int   // bytes kept per conversation; DefaultMaxBytes when 0
	MaxConversations int   // conversations kept; DefaultMaxConversations when 0
	// MaxPending bounds the bytes each direction holds after a hole,
	// and MaxPendingTotal those of all conversations together;
	// DefaultMaxPending and DefaultMaxPendingTotal when 0. Beyond them
	// the hole is given up.
	MaxPending      int
	MaxPendingTotal int
	// GiveUp is how long a hole may wait to be filled, by the capture's
	// clock or by the wall clock, before it is shown as bytes not
	// captured and the bytes after it are shown; DefaultGiveUp when 0.
	GiveUp time.Duration
	// Now is the wall clock; time.Now when nil. Tests set it.
	Now func() time.Time
	// Segments keeps one chunk per segment (as tshark's follow prints
	// them) instead of joining the bytes a side sends in a row.
	Segments bool
}

// Chunk is a run of bytes sent in one direction, or, when Gap is not 0,
// a marker for Gap bytes sent that way that the capture did not see.
type Chunk struct {
	Dir  capture.Dir // capture.ClientToServer or capture.ServerToClient
	Data []byte
	Gap  int64
}

// Key names a connection by its two ends, client first.
type Key struct {
	Client, Server netip.AddrPort
}

// Conversation is a snapshot of one connection's reassembled bytes. A
// snapshot owns its data: the Tracker never changes it after returning it.
type Conversation struct {
	Key
	Chunks  []Chunk
	Bytes   [2]int64 // bytes sent client→server, server→client (kept or not)
	Dropped int64    // oldest bytes dropped to stay within MaxBytes
	Missing int64    // bytes the capture lost (the sum of the gaps)
	Closed  bool     // both FINs or an RST were seen
	First   time.Time
	Last    time.Time
}

// Tracker reassembles conversations. Add, Flush and FlushAll are called
// by the goroutine that reads packets; Conversation and Conversations
// may be called from any goroutine. Conversation and Conversations also
// give up holes that have waited Config.GiveUp by the wall clock, so a
// view that asks now and then sees the bytes after a hole even when no
// packet comes.
type Tracker struct {
	cfg Config

	mu          sync.Mutex
	convs       map[Key]*conv
	latest      time.Time // the newest capture time seen
	waiting     int       // directions with segments after a hole, or more
	pending     int       // bytes held after holes, all conversations
	expiredSeen time.Time // latest when expire last looked
	expiredWall time.Time // the wall clock then
}

// conv is the Tracker's own record of a conversation.
type conv struct {
	Conversation
	halves [2]half
	held   int     // bytes (and gap costs) kept in Chunks
	fin    [2]bool // a FIN was reached client→server, server→client
	synSeq uint32  // the client's SYN's sequence number, with syn
	syn    bool
}

// New returns a Tracker bounded by cfg.
func New(cfg Config) *Tracker {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxConversations
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.MaxPendingTotal <= 0 {
		cfg.MaxPendingTotal = DefaultMaxPendingTotal
	}
	if cfg.GiveUp <= 0 {
		cfg.GiveUp = DefaultGiveUp
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Tracker{cfg: cfg, convs: make(map[Key]*conv)}
}

// Add hands one captured segment to the reassembly. Malformed packets
// are ignored. The packet's Payload is copied if it is kept.
func (t *Tracker) Add(p *capture.Packet) {
	if p.Malformed != "" || !p.Src.Addr().IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	if p.Time.After(t.latest) {
		t.latest = p.Time
	}
	src, dst := unmap(p.Src), unmap(p.Dst)
	c := t.find(src, dst, p)
	if p.Time.After(c.Last) {
		c.Last = p.Time
	}
	d := capture.ClientToServer
	if src != c.Client {
		d = capture.ServerToClient
	}
	if p.Flags&capture.RST != 0 {
		c.Closed = true
	}
	// The ACK first, as Wireshark's follow does: the bytes it says
	// reached the peer come before the bytes this segment carries.
	if p.Flags&capture.ACK != 0 {
		t.acked(c, d.Reverse(), p.RawAck, p.Time, now)
	}
	t.segment(c, d, p, now)
	t.expire(t.latest, now)
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// find returns the conversation of p, which goes from src to dst,
// opening one if need be. A SYN starts a new conversation, replacing an
// old one on the same ports, unless it repeats the old one's SYN.
func (t *Tracker) find(src, dst netip.AddrPort, p *capture.Packet) *conv {
	syn := p.Flags&(capture.SYN|capture.ACK) == capture.SYN
	for _, k := range []Key{{src, dst}, {dst, src}} {
		c, ok := t.convs[k]
		if !ok {
			continue
		}
		if !syn || c.syn && c.synSeq == p.RawSeq && c.Client == src {
			return c
		}
		t.forget(c)
	}
	// The client is the side that sent the SYN, or else the side that
	// is not on a server port, or else the side the capture names.
	k := Key{Client: src, Server: dst}
	switch {
	case syn:
	case p.Flags&capture.SYN != 0:
		k = Key{Client: dst, Server: src}
	case hasPort(t.cfg.Ports, src.Port()) && !hasPort(t.cfg.Ports, dst.Port()):
		k = Key{Client: dst, Server: src}
	case p.Dir == capture.ServerToClient:
		k = Key{Client: dst, Server: src}
	}
	if len(t.convs) >= t.cfg.MaxConversations {
		var oldest *conv
		for _, c := range t.convs {
			if oldest == nil || c.Last.Before(oldest.Last) {
				oldest = c
			}
		}
		t.forget(oldest)
	}
	c := &conv{Conversation: Conversation{Key: k, First: p.Time, Last: p.Time}}
	if syn {
		c.syn, c.synSeq = true, p.RawSeq
	}
	t.convs[k] = c
	return c
}

// forget drops conversation c and the bytes it holds after holes.
func (t *Tracker) forget(c *conv) {
	t.pending -= c.halves[0].held + c.halves[1].held
	delete(t.convs, c.Key)
}

func hasPort(ports []int, port uint16) bool {
	for _, p := range ports {
		if p == int(port) {
			return true
		}
	}
	return false
}

// Flush gives up the holes whose next segment was captured before t.
func (t *Tracker) Flush(olderThan time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.convs {
		for _, d := range [2]capture.Dir{capture.ClientToServer, capture.ServerToClient} {
			h := c.half(d)
			for len(h.pending) > 0 && h.pending[0].seen.Before(olderThan) {
				t.giveUp(c, d, h)
			}
			if h.ackedSeen.Before(olderThan) {
				t.giveUpAcked(c, d, h)
			}
		}
	}
}

// FlushAll gives up every hole, as at the end of a capture.
func (t *Tracker) FlushAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.convs {
		for _, d := range [2]capture.Dir{capture.ClientToServer, capture.ServerToClient} {
			h := c.half(d)
			for len(h.pending) > 0 {
				t.giveUp(c, d, h)
			}
			t.giveUpAcked(c, d, h)
		}
	}
	t.waiting = 0
}

// Conversation returns a snapshot of the conversation between a and b,
// in either order.
func (t *Tracker) Conversation(a, b netip.AddrPort) (Conversation, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(t.latest, t.cfg.Now())
	a, b = unmap(a), unmap(b)
	c, ok := t.convs[Key{a, b}]
	if !ok {
		c, ok = t.convs[Key{b, a}]
	}
	if !ok {
		return Conversation{}, false
	}
	return c.snapshot(), true
}

// Conversations returns snapshots of every conversation, without their
// chunks, most recently active first.
func (t *Tracker) Conversations() []Conversation {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(t.latest, t.cfg.Now())
	out := make([]Conversation, 0, len(t.convs))
	for _, c := range t.convs {
		s := c.Conversation
		s.Chunks = nil
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last.After(out[j].Last) })
	return out
}

func (c *conv) snapshot() Conversation {
	s := c.Conversation
	s.Chunks = make([]Chunk, len(c.Chunks))
	for i, ch := range c.Chunks {
		s.Chunks[i] = Chunk{Dir: ch.Dir, Gap: ch.Gap, Data: append([]byte(nil), ch.Data...)}
	}
	return s
}

// half returns the reassembly state of direction d.
func (c *conv) half(d capture.Dir) *half {
	if d == capture.ServerToClient {
		return &c.halves[1]
	}
	return &c.halves[0]
}

// finished records that direction d reached its FIN.
func (c *conv) finished(d capture.Dir) {
	if d == capture.ServerToClient {
		c.fin[1] = true
	} else {
		c.fin[0] = true
	}
	if c.fin[0] && c.fin[1] {
		c.Closed = true
	}
}

// gap adds a marker for n bytes sent in direction d that the capture
// did not see.
func (c *conv) gap(d capture.Dir, n int64, cfg Config) {
	c.Missing += n
	c.Chunks = append(c.Chunks, Chunk{Dir: d, Gap: n})
	c.held += gapCost
	c.trim(cfg.MaxBytes)
}

// append adds data sent in direction dir, dropping the oldest bytes
// beyond cfg.MaxBytes. Called with t.mu held.
func (c *conv) append(dir capture.Dir, data []byte, cfg Config) {
	if len(data) == 0 {
		return
	}
	max := cfg.MaxBytes
	if dir == capture.ClientToServer {
		c.Bytes[0] += int64(len(data))
	} else {
		c.Bytes[1] += int64(len(data))
	}
	if len(data) > max {
		c.Dropped += int64(len(data) - max)
		data = data[len(data)-max:]
	}
	if n := len(c.Chunks); n > 0 && !cfg.Segments && c.Chunks[n-1].Dir == dir && c.Chunks[n-1].Gap == 0 {
		c.Chunks[n-1].Data = append(c.Chunks[n-1].Data, data...)
	} else {
		c.Chunks = append(c.Chunks, Chunk{Dir: dir, Data: append([]byte(nil), data...)})
	}
	c.held += len(data)
	c.trim(max)
}

// trim drops the oldest bytes and gap markers beyond max.
func (c *conv) trim(max int) {
	for c.held > max {
		over := c.held - max
		first := &c.Chunks[0]
		if first.Gap != 0 {
			c.held -= gapCost
			c.Chunks[0] = Chunk{}
			c.Chunks = c.Chunks[1:]
			continue
		}
		if len(first.Data) <= over {
			c.held -= len(first.Data)
			c.Dropped += int64(len(first.Data))
			c.Chunks[0] = Chunk{}
			c.Chunks = c.Chunks[1:]
			continue
		}
		// Reslice rather than copy: a one-way flood trims on every
		// segment, and copying the kept tail each time cost a full
		// MaxBytes per segment. The dropped head is freed when the next
		// append outgrows the array (append copies only the live part)
		// or the chunk itself is dropped, so memory stays within a small
		// multiple of max.
		first.Data = first.Data[over:]
		c.held -= over
		c.Dropped += int64(over)
	}
}
