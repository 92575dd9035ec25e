package ui

import (
	"strings"
	"time"

	"github.com/socketlab/socketlab/inspect/analysis"
	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/filter"
	"github.com/socketlab/socketlab/inspect/sockets"
)

// Default sizes; every one can be changed through Options.
const (
	DefaultRingSize    = 10000    // packets kept for the Packets pane
	DefaultPayloadKeep = 4096     // bytes of each packet kept for the Bytes pane
	DefaultStreamBytes = 64 << 10 // bytes kept per conversation
	DefaultStreams     = 64       // conversations kept
	maxConns           = 4 << 10  // connection states kept
	maxWorkBytes       = 4 << 20  // pending bytes a Batcher holds
	frameHeadroom      = 128      // frame bytes kept beyond PayloadKeep, for headers
)

// Options configure a Model and the UI built on it. Zero fields take
// their defaults.
type Options struct {
	RingSize    int   // packets kept; the oldest are dropped first
	PayloadKeep int   // bytes of each payload kept for the Bytes pane
	StreamBytes int   // bytes kept per conversation, oldest dropped first
	Streams     int   // conversations kept, least recently active dropped
	ServerPorts []int // ports of the servers watched, to name directions
	// Conversations gives the Stream pane its conversations of captured
	// packets: a *stream.Tracker fed by the packet reader, as package app
	// does. Without it the Stream pane shows tap conversations only.
	Conversations ConversationSource
	// SocketsHint is shown in the Sockets pane while it is empty, for
	// example "no server on :3008 — try `go run ./labs/05-broadcast server`".
	SocketsHint string
	// PacketsHint is shown in the Packets pane while it is empty.
	PacketsHint string
	// TapHint is the -tap value (LISTEN=TARGET) that the compare view
	// suggests while it has no tap connection; empty means a generic
	// TAP.sock=SERVER.sock.
	TapHint string
	Theme   Theme
	// Compare opens the UI on the compare view (the v key): one TCP
	// connection beside one tap (IPC) connection.
	Compare bool
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.RingSize, DefaultRingSize)
	def(&o.PayloadKeep, DefaultPayloadKeep)
	def(&o.StreamBytes, DefaultStreamBytes)
	def(&o.Streams, DefaultStreams)
	if o.Theme == (Theme{}) {
		o.Theme = DefaultTheme()
	}
	return o
}

// row is one packet in the ring, with what the model learned about it.
type row struct {
	seq  uint64
	p    capture.Packet // Payload points into buf
	buf  []byte
	key  connKey
	dir  capture.Dir
	note string
	step step
	tap  *tapInfo // set for a tap event rather than a captured packet
	num  uint64   // a captured packet's number: its Index, or its count
}

// Model holds everything the views draw: a bounded ring of packets, the
// latest socket table, bounded conversations, counters and the status.
// It is a Sink; all its methods run on the UI goroutine.
type Model struct {
	opt Options

	ring    []row
	start   int    // ring index of the oldest row
	n       int    // rows in the ring
	nextSeq uint64 // seq of the next row; rows hold [nextSeq-n, nextSeq)

	seen    uint64 // packets given to AddPackets
	held    uint64 // packets not shown because the view was paused
	skipped uint64 // packets a Batcher dropped because the UI fell behind
	tapSeen uint64 // tap events given to AddTapEvents
	tapLost uint64 // tap events the relays dropped (Event.Dropped)
	tapRows uint64 // tap events added to the ring
	pktRows uint64 // captured packets added to the ring
	first   time.Time

	conns    map[connKey]*connState
	analysis *analysis.Analyzer // notes and directions of packets
	streams  map[connKey]*streamBuf

	sockets     sockets.Snapshot
	shown       []sockets.Socket // sockets matching the filter
	socketRows  [][]string       // the cells of shown, under sockets.Columns
	haveSockets bool
	stats       capture.Stats
	status      Status

	paused     bool
	filter     *filter.Matcher // the packets' tcpdump expression; nil: none
	sockFilter []string        // lower-case words each socket shown contains
	narrow     narrowing
	visible    []uint64 // seqs of rows shown, when filter or narrow is on

	ext    *streamBuf // the last conversation from opt.Conversations
	extKey connKey    // its connection
	extSum [4]int64   // its byte counts, to tell when it changed
	extSeq uint64     // bumped for every new snapshot

	compare  bool   // the compare view replaces the panes
	selected uint64 // seq of the selected packet, 0 for none
	follow   bool   // keep the newest packet selected
	message  string // the latest action's result, for the status bar

	holding holding // what arrived while paused, listed on resume
}

// NewModel returns an empty model.
func NewModel(opt Options) *Model {
	opt = opt.withDefaults()
	return &Model{
		opt:     opt,
		nextSeq: 1,
		follow:  true,
		conns:   make(map[connKey]*connState),
		analysis: analysis.New(analysis.Config{Ports: opt.ServerPorts,
			MaxConns: maxConns}),
		streams: make(map[connKey]*streamBuf),
	}
}

// AddPackets adds ps to the ring, or only counts them while paused.
func (m *Model) AddPackets(ps []capture.Packet) {
	for i := range ps {
		m.seen++
		if m.paused {
			m.held++
			m.hold(&ps[i], nil)
			continue
		}
		m.push(&ps[i])
	}
	m.trimVisible()
}

func (m *Model) push(p *capture.Packet) {
	r := m.pushRow(p)
	m.pktRows++
	r.num = p.Index
	if r.num == 0 {
		r.num = m.pktRows
	}
	m.learn(r)
	m.settle(r)
}

// pushRow adds a row for p to the ring, with a copy of the bytes kept,
// and returns it.
func (m *Model) pushRow(p *capture.Packet) *row {
	if m.first.IsZero() {
		m.first = p.Time
	}
	var r *row
	if m.n < m.opt.RingSize {
		if len(m.ring) < m.opt.RingSize {
			m.ring = append(m.ring, row{})
		}
		r = &m.ring[(m.start+m.n)%m.opt.RingSize]
		m.n++
	} else {
		r = &m.ring[m.start]
		m.start = (m.start + 1) % m.opt.RingSize
	}
	// One buffer per slot, reused, holds the payload and the frame kept.
	np := min(len(p.Payload), m.opt.PayloadKeep)
	nf := min(len(p.Frame), m.opt.PayloadKeep+frameHeadroom)
	buf := append(append(r.buf[:0], p.Payload[:np]...), p.Frame[:nf]...)
	*r = row{seq: m.nextSeq, p: *p, buf: buf}
	r.p.Payload, r.p.Frame = buf[:np:np], nil
	if nf > 0 {
		r.p.Frame = buf[np:]
	}
	m.nextSeq++
	return r
}

// learn works out the direction and the note of r with the analysis,
// and records the connection's client.
func (m *Model) learn(r *row) {
	p := &r.p
	res := m.analysis.Analyze(p)
	r.note, r.step = res.Note, stepOf(res.Step)
	if p.Malformed != "" {
		return
	}
	r.key = keyOf(p.Src, p.Dst)
	c := m.conns[r.key]
	if c == nil || p.Flags&(capture.SYN|capture.ACK) == capture.SYN {
		if len(m.conns) >= maxConns {
			m.pruneConns()
		}
		c = &connState{}
		m.conns[r.key] = c
	}
	c.lastTouched = r.seq
	r.dir = res.Dir
	c.client = unmap(p.Src)
	if r.dir == capture.ServerToClient {
		c.client = unmap(p.Dst)
	}
}

// pruneConns forgets connections with no packet left in the ring, and
// everything if that is not enough.
func (m *Model) pruneConns() {
	oldest := m.nextSeq - uint64(m.n)
	for k, c := range m.conns {
		if c.lastTouched < oldest {
			delete(m.conns, k)
		}
	}
	if len(m.conns) >= maxConns {
		clear(m.conns)
	}
}

// SetSockets replaces the socket table.
func (m *Model) SetSockets(s sockets.Snapshot) {
	m.sockets, m.haveSockets = s, true
	m.filterSockets()
}

// SetStats records a live source's counters.
func (m *Model) SetStats(s capture.Stats) { m.stats = s }

// SetStatus replaces the status bar's description of the source.
func (m *Model) SetStatus(s Status) { m.status = s }

// Apply adds everything in b to the model.
func (m *Model) Apply(b *Batch) {
	m.skipped += b.Skipped
	if b.Status != nil {
		m.SetStatus(*b.Status)
	}
	if b.Sockets != nil {
		m.SetSockets(*b.Sockets)
	}
	if b.Stats != nil {
		m.SetStats(*b.Stats)
	}
	// Packets and tap events take turns by time, so that a tap chunk is
	// listed among the packets of the same moment.
	ps, ts := b.Packets, b.Taps
	for len(ps) > 0 && len(ts) > 0 {
		i := 0
		for i < len(ps) && !ts[0].Time.Before(ps[i].Time) {
			i++
		}
		m.AddPackets(ps[:i])
		ps = ps[i:]
		j := 0
		for j < len(ts) && (len(ps) == 0 || ts[j].Time.Before(ps[0].Time)) {
			j++
		}
		m.AddTapEvents(ts[:j])
		ts = ts[j:]
	}
	m.AddPackets(ps)
	m.AddTapEvents(ts)
}

// Len returns the number of packets the Packets pane lists.
func (m *Model) Len() int {
	if m.narrow.on || m.filter != nil {
		return len(m.visible)
	}
	return m.n
}

// at returns the i-th listed packet, or nil.
func (m *Model) at(i int) *row {
	if m.narrow.on || m.filter != nil {
		if i < 0 || i >= len(m.visible) {
			return nil
		}
		return m.bySeq(m.visible[i])
	}
	if i < 0 || i >= m.n {
		return nil
	}
	return &m.ring[(m.start+i)%len(m.ring)]
}

// bySeq returns the row with seq s if it is still in the ring.
func (m *Model) bySeq(s uint64) *row {
	oldest := m.nextSeq - uint64(m.n)
	if s < oldest || s >= m.nextSeq {
		return nil
	}
	return &m.ring[(m.start+int(s-oldest))%len(m.ring)]
}

// indexOf returns the list index of the packet with seq s, or -1.
func (m *Model) indexOf(s uint64) int {
	if m.bySeq(s) == nil {
		return -1
	}
	if m.narrow.on || m.filter != nil {
		lo, hi := 0, len(m.visible)
		for lo < hi {
			mid := (lo + hi) / 2
			if m.visible[mid] < s {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo < len(m.visible) && m.visible[lo] == s {
			return lo
		}
		return -1
	}
	return int(s - (m.nextSeq - uint64(m.n)))
}

// trimVisible drops listed seqs that have left the ring.
func (m *Model) trimVisible() {
	oldest := m.nextSeq - uint64(m.n)
	i := 0
	for i < len(m.visible) && m.visible[i] < oldest {
		i++
	}
	if i > 0 {
		m.visible = append(m.visible[:0], m.visible[i:]...)
	}
}

// selectedRow returns the selected packet, or nil.
func (m *Model) selectedRow() *row {
	if m.selected == 0 {
		return nil
	}
	return m.bySeq(m.selected)
}

// Clear forgets every packet and conversation; counters and the socket
// table stay.
func (m *Model) Clear() {
	m.start, m.n = 0, 0
	m.visible = m.visible[:0]
	m.selected, m.follow = 0, true
	clear(m.conns)
	m.analysis = analysis.New(analysis.Config{Ports: m.opt.ServerPorts, MaxConns: maxConns})
	clear(m.streams)
}

// SetCompare shows the compare view instead of the panes, or the panes
// again.
func (m *Model) SetCompare(on bool) { m.compare = on }

// Compare reports whether the compare view is shown.
func (m *Model) Compare() bool { return m.compare }

// SetPaused stops or restarts adding packets to the ring. While paused,
// what arrives is held (see holding) and listed on resume, which the
// status bar then reports.
func (m *Model) SetPaused(p bool) {
	if m.paused && !p {
		m.message = m.release()
	}
	m.paused = p
}

// Paused reports whether the model is paused.
func (m *Model) Paused() bool { return m.paused }

// SetFilter lists only the captured packets that the tcpdump
// expression f keeps (tap events are not packets: they are left out).
// An empty f lists everything. A malformed f returns the parser's error
// (a *filter.SyntaxError) and keeps the previous filter.
func (m *Model) SetFilter(f string) error {
	e, err := filter.Parse(f)
	if err != nil {
		return err
	}
	m.filter = nil
	if !e.Empty() {
		m.filter = filter.NewMatcher(e)
	}
	m.refilter()
	return nil
}

// Filter returns the packets' filter expression, or "".
func (m *Model) Filter() string {
	if m.filter == nil {
		return ""
	}
	return m.filter.Expr().String()
}

// SetSocketsFilter shows only the sockets whose row or explanation
// contains every word of f, ignoring case. An empty f shows them all.
func (m *Model) SetSocketsFilter(f string) {
	m.sockFilter = strings.Fields(strings.ToLower(f))
	m.filterSockets()
}

// SocketsFilter returns the sockets' filter as typed words.
func (m *Model) SocketsFilter() string { return strings.Join(m.sockFilter, " ") }

// refilter rebuilds the list of shown packets.
func (m *Model) refilter() {
	m.visible = m.visible[:0]
	if !m.narrow.on && m.filter == nil {
		return
	}
	for i := 0; i < m.n; i++ {
		r := &m.ring[(m.start+i)%len(m.ring)]
		if m.matchRow(r) {
			m.visible = append(m.visible, r.seq)
		}
	}
}

func (m *Model) matchRow(r *row) bool {
	if m.narrow.on && !m.narrow.match(r) {
		return false
	}
	if m.filter == nil {
		return true
	}
	// The frame kept may be cut short: the expression sees the length
	// it had on the wire.
	return r.tap == nil && m.filter.MatchWire(uint32(r.p.Link), r.p.Frame, r.p.WireLen)
}

func (m *Model) filterSockets() {
	m.shown = m.shown[:0]
	rows := sockets.Rows(m.sockets.Sockets)
	m.socketRows = m.socketRows[:0]
	for i, s := range m.sockets.Sockets {
		text := strings.ToLower(strings.Join(rows[i], " ") + " " + sockets.Explain(s))
		if len(m.sockFilter) == 0 || matchWords(text, m.sockFilter) {
			m.shown = append(m.shown, s)
			m.socketRows = append(m.socketRows, rows[i])
		}
	}
}

func matchWords(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Packets returns copies of the captured packets in the ring, oldest
// first, whatever the filter; tap events are left out. Their Payload and Frame are the bytes kept: at
// most PayloadKeep bytes of payload and the frame cut just after it.
func (m *Model) Packets() []capture.Packet {
	ps := make([]capture.Packet, 0, m.n)
	for i := 0; i < m.n; i++ {
		r := &m.ring[(m.start+i)%len(m.ring)]
		if r.tap != nil {
			continue
		}
		p := r.p
		p.Payload = append([]byte(nil), p.Payload...)
		p.Frame = append([]byte(nil), p.Frame...)
		ps = append(ps, p)
	}
	return ps
}
