package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
)

// TapEvent is an event of a tap relay (package tap), with the name of the
// relay it came from, so that several taps can feed one UI. The Packets
// pane lists tap events beside captured packets, marked as tap traffic;
// their Data chunks make up the tap conversation in the Stream pane.
type TapEvent struct {
	Tap string // the relay, for example "/tmp/tap.sock → /tmp/chat.sock"
	tap.Event
}

// tapNote is the reminder every tap data row carries.
const tapNote = "via relay (AF_UNIX never reaches lo)"

// tapInfo is what a row knows of the tap event it shows.
type tapInfo struct {
	name    string
	conn    uint64
	kind    tap.Kind
	client  string // the client end as the relay saw it: "@" or host:port
	server  string // the address the relay dialled: a path or host:port
	err     string
	stalled bool // the relay cut the connection off: a side stopped reading
	dropped uint64
	n       uint64 // the tap event's number in the list: t1, t2, …
}

// AddTapEvents adds tap events to the ring, or only counts them while
// paused, and their data to the tap conversations.
func (m *Model) AddTapEvents(evs []TapEvent) {
	for i := range evs {
		ev := &evs[i]
		m.tapSeen++
		m.tapLost += ev.Dropped
		if m.paused {
			m.held++
			m.hold(nil, ev)
			continue
		}
		m.pushTap(ev)
	}
	m.trimVisible()
}

func (m *Model) pushTap(ev *TapEvent) {
	p := capture.Packet{Time: ev.Time, Payload: ev.Data}
	if ev.Kind == tap.Data {
		p.Len = ev.Len
	}
	r := m.pushRow(&p)
	info := &tapInfo{name: ev.Tap, conn: ev.Conn, kind: ev.Kind,
		client: ev.Client, server: strings.TrimPrefix(strings.TrimPrefix(ev.Server, "unix:"), "tcp:"),
		dropped: ev.Dropped}
	if ev.Err != nil {
		info.err = ev.Err.Error()
		info.stalled = errors.Is(ev.Err, tap.ErrStalled)
	}
	m.tapRows++
	info.n = m.tapRows
	r.tap = info
	r.key = connKey{tap: ev.Tap, conn: ev.Conn}
	r.dir = capture.DirUnknown
	switch ev.Dir {
	case tap.ClientToServer:
		r.dir = capture.ClientToServer
	case tap.ServerToClient:
		r.dir = capture.ServerToClient
	}
	r.note, r.step = tapObserve(info, r.dir, ev.Len)
	if ev.Kind == tap.Data {
		s := m.tapStream(r.key, info)
		m.appendChunk(s, r.dir, ev.Time, ev.Data)
		if missing := ev.Len - len(ev.Data); missing > 0 {
			s.chunks = append(s.chunks, streamChunk{dir: r.dir, gap: missing})
		}
	}
	m.settle(r)
}

// tapObserve returns the plain-words note of a tap event.
func tapObserve(t *tapInfo, d capture.Dir, n int) (string, step) {
	side, other := "client", "server"
	if d == capture.ServerToClient {
		side, other = other, side
	}
	var note string
	st := stepOther
	switch t.kind {
	case tap.Open:
		note, st = "client connected through the relay to "+t.server, stepHandshake
	case tap.Data:
		note, st = fmt.Sprintf("%s sends %s %s", side, plural(n, "byte"), tapNote), stepData
	case tap.HalfClose:
		note, st = side+" has no more to send; the relay tells "+other, stepTeardown
	case tap.Close:
		note, st = "connection closed; the relay let go of both ends", stepTeardown
		if t.err != "" {
			note += " (" + t.err + ")"
		}
	case tap.Reset:
		note, st = side+" reset or vanished; the relay closed "+other, stepReset
	default:
		note, st = "tap error: "+t.err, stepReset
		if t.stalled {
			note = "the relay cut the connection off: " + t.err + "; both ends closed"
		}
	}
	if t.dropped > 0 {
		note += fmt.Sprintf(" [%d tap events lost before this]", t.dropped)
	}
	return note, st
}

// tapStream returns the conversation of tap connection k, made if need be.
func (m *Model) tapStream(k connKey, t *tapInfo) *streamBuf {
	s := m.streams[k]
	if s == nil {
		if len(m.streams) >= m.opt.Streams {
			m.dropOldestStream()
		}
		s = &streamBuf{tap: t.name, tapClient: tapClientLabel(t), tapServer: t.server}
		m.streams[k] = s
	}
	return s
}

// tapClientLabel names the client end of a tap connection: its address,
// or for an unnamed Unix client "@" and the relay's connection number,
// since every unnamed client looks the same.
func tapClientLabel(t *tapInfo) string {
	if t.client == "" || t.client == "@" {
		return fmt.Sprintf("@ #%d", t.conn)
	}
	return t.client
}

// tapCell returns the text of column col for tap row r.
func tapCell(r *row, col int) string {
	t := r.tap
	from, to := tapClientLabel(t), t.server
	if r.dir == capture.ServerToClient {
		from, to = to, from
	}
	switch col {
	case 2:
		if r.dir == capture.DirUnknown {
			return "tap"
		}
		return r.dir.String()
	case 3:
		return from
	case 4:
		return to
	case 5:
		return "tap " + t.kind.String()
	case 8:
		if t.kind == tap.Data {
			return strconv.Itoa(r.p.Len)
		}
	}
	return ""
}

// tapBytes is the Bytes pane's text for a tap row.
func tapBytes(r *row) string {
	t := r.tap
	var sb strings.Builder
	fmt.Fprintf(&sb, "tap %s on connection #%d of relay\n%s\n%s\n\n", t.kind, t.conn,
		visible.String(t.name), tap.Banner)
	if t.kind != tap.Data {
		sb.WriteString(visible.String(r.note))
		return sb.String()
	}
	sb.WriteString(hexRows(r.p.Payload))
	if len(r.p.Payload) < r.p.Len {
		fmt.Fprintf(&sb, "… %s more not kept (the first %d were)\n",
			plural(r.p.Len-len(r.p.Payload), "byte"), len(r.p.Payload))
	}
	return sb.String()
}
