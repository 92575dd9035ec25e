package stream

import (
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/reassembly"

	"github.com/socketlab/socketlab/inspect/capture"
)

// Defaults for a zero Config field.
const (
	DefaultMaxBytes         = 1 << 20
	DefaultMaxConversations = 256
)

// Config bounds a Tracker.
type Config struct {
	Ports            []int // server ports, to tell the client when the SYN was missed
	MaxBytes         int   // bytes kept per conversation; DefaultMaxBytes when 0
	MaxConversations int   // conversations kept; DefaultMaxConversations when 0
}

// Chunk is a run of bytes sent in one direction.
type Chunk struct {
	Dir  capture.Dir // capture.ClientToServer or capture.ServerToClient
	Data []byte
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
	Missing int64    // bytes the capture lost (gaps the reassembly skipped)
	Closed  bool     // both FINs or an RST were seen
	First   time.Time
	Last    time.Time
}

// Tracker reassembles conversations. Add and Flush are called by the
// goroutine that reads packets; Conversation and Conversations may be
// called from any goroutine.
type Tracker struct {
	cfg Config

	mu    sync.Mutex
	asm   *reassembly.Assembler
	convs map[Key]*conv
	tcp   layers.TCP // reused for each segment handed to the assembler
}

// conv is the Tracker's own record of a conversation.
type conv struct {
	Conversation
	held    int
	evicted bool
	fin     [2]bool // a FIN was reassembled client→server, server→client
}

// New returns a Tracker bounded by cfg.
func New(cfg Config) *Tracker {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxConversations
	}
	t := &Tracker{cfg: cfg, convs: make(map[Key]*conv)}
	pool := reassembly.NewStreamPool(factory{t})
	t.asm = reassembly.NewAssembler(pool)
	// Bound what the assembler buffers for out-of-order segments.
	t.asm.MaxBufferedPagesTotal = 4096
	t.asm.MaxBufferedPagesPerConnection = 1024
	return t
}

// Add hands one captured segment to the reassembly. Malformed packets
// are ignored. The packet's Payload is copied if it is kept.
func (t *Tracker) Add(p *capture.Packet) {
	if p.Malformed != "" || !p.Src.Addr().IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tcp := &t.tcp
	*tcp = layers.TCP{
		SrcPort: layers.TCPPort(p.Src.Port()),
		DstPort: layers.TCPPort(p.Dst.Port()),
		Seq:     p.RawSeq,
		Ack:     p.RawAck,
		FIN:     p.Flags&capture.FIN != 0,
		SYN:     p.Flags&capture.SYN != 0,
		RST:     p.Flags&capture.RST != 0,
		PSH:     p.Flags&capture.PSH != 0,
		ACK:     p.Flags&capture.ACK != 0,
		Window:  p.Window,
	}
	tcp.Payload = p.Payload
	// The assembler keys connections by TransportFlow, which reads
	// ports that only decoding or this call set.
	tcp.SetInternalPortsForTesting()
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	typ := layers.EndpointIPv4
	if src.Is6() {
		typ = layers.EndpointIPv6
	}
	flow := gopacket.NewFlow(typ, src.AsSlice(), dst.AsSlice())
	t.asm.AssembleWithContext(flow, tcp, &context{ci: gopacket.CaptureInfo{
		Timestamp: p.Time, CaptureLength: len(p.Frame), Length: p.WireLen}, pkt: p})
}

// Flush hands on what the reassembly holds back waiting for missing
// segments older than t, and forgets connections idle since before t.
// Call it now and then (once a second) and at the end of a file.
func (t *Tracker) Flush(olderThan time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.asm.FlushCloseOlderThan(olderThan)
}

// FlushAll hands on everything held back, as at the end of a capture.
func (t *Tracker) FlushAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.asm.FlushAll()
}

// Conversation returns a snapshot of the conversation between a and b,
// in either order.
func (t *Tracker) Conversation(a, b netip.AddrPort) (Conversation, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
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
		s.Chunks[i] = Chunk{Dir: ch.Dir, Data: append([]byte(nil), ch.Data...)}
	}
	return s
}

// open returns the conversation for a connection the assembler starts
// tracking. A SYN starts a new conversation, replacing an old one on the
// same ports; any other segment continues the conversation already kept
// for them (the assembler forgets a connection after its FINs, and the
// last ACK comes after). When the Tracker is full, the least recently
// active conversation is forgotten. Called with t.mu held.
func (t *Tracker) open(k Key, at time.Time, syn bool) *conv {
	for _, key := range []Key{k, {k.Server, k.Client}} {
		if old, ok := t.convs[key]; ok {
			if !syn {
				return old
			}
			old.evicted = true
			delete(t.convs, key)
		}
	}
	if len(t.convs) >= t.cfg.MaxConversations {
		var oldest *conv
		for _, c := range t.convs {
			if oldest == nil || c.Last.Before(oldest.Last) {
				oldest = c
			}
		}
		oldest.evicted = true
		delete(t.convs, oldest.Key)
	}
	c := &conv{Conversation: Conversation{Key: k, First: at, Last: at}}
	t.convs[k] = c
	return c
}

// append adds data sent in direction dir, dropping the oldest bytes
// beyond max. Called with t.mu held.
func (c *conv) append(dir capture.Dir, data []byte, max int) {
	if len(data) == 0 {
		return
	}
	if dir == capture.ClientToServer {
		c.Bytes[0] += int64(len(data))
	} else {
		c.Bytes[1] += int64(len(data))
	}
	if len(data) > max {
		c.Dropped += int64(len(data) - max)
		data = data[len(data)-max:]
	}
	if n := len(c.Chunks); n > 0 && c.Chunks[n-1].Dir == dir {
		c.Chunks[n-1].Data = append(c.Chunks[n-1].Data, data...)
	} else {
		c.Chunks = append(c.Chunks, Chunk{Dir: dir, Data: append([]byte(nil), data...)})
	}
	c.held += len(data)
	for c.held > max {
		over := c.held - max
		first := &c.Chunks[0]
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
