package ui

import (
	"fmt"

	"github.com/socketlab/socketlab/inspect/capture"
)

// holding is what the Packets pane holds while paused: the packets and
// tap events that arrived, in order, to be listed on resume. It holds as
// many as the ring lists (Options.RingSize), since more would push the
// first of them out of the ring on resume anyway; beyond that it forgets
// the oldest and counts them in lost. Each entry's bytes are cut as the
// ring cuts them, in a buffer reused for the next entry.
type holding struct {
	rows  []held
	start int    // index of the oldest entry
	n     int    // entries held
	lost  uint64 // entries forgotten because the hold was full
}

// held is one packet or tap event that arrived while paused.
type held struct {
	p   capture.Packet // for a tap event, its time and data
	tap *TapEvent      // the tap event, with Data pointing into buf
	buf []byte
}

// hold keeps a copy of p, or of ev when it is not nil, for the resume.
func (m *Model) hold(p *capture.Packet, ev *TapEvent) {
	h := &m.holding
	size := m.opt.RingSize
	var e *held
	if h.n < size {
		if len(h.rows) < size {
			h.rows = append(h.rows, held{})
		}
		e = &h.rows[(h.start+h.n)%size]
		h.n++
	} else {
		e = &h.rows[h.start]
		h.start = (h.start + 1) % size
		h.lost++
	}
	if ev != nil {
		data := ev.Data[:min(len(ev.Data), m.opt.PayloadKeep)]
		e.buf = append(e.buf[:0], data...)
		c := *ev
		c.Data = e.buf
		*e = held{tap: &c, buf: e.buf}
		return
	}
	np := min(len(p.Payload), m.opt.PayloadKeep)
	nf := min(len(p.Frame), m.opt.PayloadKeep+frameHeadroom)
	buf := append(append(e.buf[:0], p.Payload[:np]...), p.Frame[:nf]...)
	*e = held{p: *p, buf: buf}
	e.p.Payload, e.p.Frame = buf[:np:np], buf[np:]
}

// release lists what was held, oldest first, and returns the message
// the status bar shows on resume.
func (m *Model) release() string {
	h := &m.holding
	n, lost := h.n, h.lost
	for i := 0; i < h.n; i++ {
		e := &h.rows[(h.start+i)%len(h.rows)]
		if e.tap != nil {
			m.pushTap(e.tap)
		} else {
			m.push(&e.p)
		}
	}
	h.start, h.n, h.lost = 0, 0, 0
	m.held = 0
	m.trimVisible()
	if m.narrow.on || m.filter != nil {
		m.refilter()
	}
	msg := "resumed: listed the " + plural(n, "packet") + " that arrived while paused"
	if lost > 0 {
		msg += fmt.Sprintf("; %d before them did not fit (a pause holds %d)", lost, m.opt.RingSize)
	}
	return msg
}
