package ui

import (
	"github.com/socketlab/socketlab/inspect/capture"
	"net/netip"
	"time"
)

// streamBuf is one conversation: chunks in arrival order, bounded in bytes.
type streamBuf struct {
	chunks  []streamChunk
	bytes   int
	dropped int // bytes dropped from the front to stay within bounds
	missing int // bytes the capture lost, when not marked in chunks
	touched time.Time
	seq     uint64 // bumped on every change, so views can skip redraws

	client, server netip.AddrPort // the ends, when the source names them

	// tap is the relay of a tap conversation, "" for a captured one;
	// tapClient and tapServer name its ends.
	tap, tapClient, tapServer string
}

type streamChunk struct {
	dir  capture.Dir
	data []byte
	gap  int // when > 0, a marker for this many bytes not captured
}

// appendChunk appends data sent in direction d to conversation s,
// dropping its oldest bytes beyond the limit.
func (m *Model) appendChunk(s *streamBuf, d capture.Dir, t time.Time, data []byte) {
	if len(data) == 0 {
		return
	}
	if len(data) > m.opt.StreamBytes {
		s.dropped += len(data) - m.opt.StreamBytes
		data = data[len(data)-m.opt.StreamBytes:]
	}
	if n := len(s.chunks); n > 0 && s.chunks[n-1].dir == d && s.chunks[n-1].gap == 0 {
		s.chunks[n-1].data = append(s.chunks[n-1].data, data...)
	} else {
		s.chunks = append(s.chunks, streamChunk{dir: d, data: append([]byte(nil), data...)})
	}
	s.bytes += len(data)
	for s.bytes > m.opt.StreamBytes || len(s.chunks) > 0 && s.chunks[0].gap > 0 {
		c := &s.chunks[0]
		if c.gap > 0 {
			s.chunks = s.chunks[1:]
			continue
		}
		cut := min(len(c.data), s.bytes-m.opt.StreamBytes)
		c.data = c.data[cut:]
		s.bytes -= cut
		s.dropped += cut
		if len(c.data) == 0 {
			s.chunks = s.chunks[1:]
		}
	}
	s.touched = t
	s.seq++
}

func (m *Model) dropOldestStream() {
	var oldest connKey
	var t time.Time
	first := true
	for k, s := range m.streams {
		if first || s.touched.Before(t) {
			oldest, t, first = k, s.touched, false
		}
	}
	delete(m.streams, oldest)
}

// currentStream returns the conversation the Stream pane shows: the
// narrowed connection's, else the selected packet's, else nil.
func (m *Model) currentStream() (connKey, *streamBuf) {
	var k connKey
	switch r := m.selectedRow(); {
	case m.narrow.on && m.narrow.conn:
		k = m.narrow.key
	case r != nil && r.p.Malformed == "":
		k = r.key
	default:
		return k, nil
	}
	if m.opt.Conversations != nil && k.tap == "" {
		return k, m.conversation(k)
	}
	return k, m.streams[k]
}

// conversation returns connection k's conversation from the
// ConversationSource, rebuilt only when its byte counts changed.
func (m *Model) conversation(k connKey) *streamBuf {
	c, ok := m.opt.Conversations.Conversation(k.a, k.b)
	if !ok {
		return nil
	}
	sum := [4]int64{c.Bytes[0], c.Bytes[1], c.Dropped, c.Missing}
	if m.ext != nil && m.extKey == k && m.extSum == sum {
		return m.ext
	}
	m.extSeq++
	s := &streamBuf{dropped: int(c.Dropped), missing: int(c.Missing), touched: c.Last,
		seq: m.extSeq, client: c.Client, server: c.Server}
	for _, ch := range c.Chunks {
		// A hole is shown in place; missing counts only the holes
		// whose markers were dropped with the oldest bytes.
		s.chunks = append(s.chunks, streamChunk{dir: ch.Dir, data: ch.Data, gap: int(ch.Gap)})
		s.bytes += len(ch.Data)
		s.missing -= int(ch.Gap)
	}
	m.ext, m.extKey, m.extSum = s, k, sum
	return s
}
