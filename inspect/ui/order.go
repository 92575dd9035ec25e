package ui

import (
	"slices"
	"time"
)

// Rows are listed in time order although they come from sources that do
// not wait for each other: a relay reports a chunk at once, while the
// capture hands packets over in blocks, up to about 10 ms late, so a
// packet may reach the model after a tap event that happened later.
// settle moves such a late row back to its place.
const (
	// reorderWindow is how late a row may be and still be moved to its
	// place. A row later than that, such as a packet of a recording read
	// beside a live tap, is listed where it arrived.
	reorderWindow = time.Second
	// maxReorder bounds the rows one late row is moved past.
	maxReorder = 1024
)

// settle moves r, the newest row in the ring, back past the rows that
// happened after it, within the bounds above, and lists it if it passes
// the narrowing and the filter. Rows keep their seqs by position, so the
// rows it moves past each get the next seq: the selection and the list
// of shown rows follow them. It returns r's new place.
func (m *Model) settle(r *row) *row {
	last := m.nextSeq - 1 // r.seq
	steps := 0
	if newest := m.bySeq(last - 1); newest != nil && r.p.Time.Before(newest.p.Time) &&
		newest.p.Time.Sub(r.p.Time) <= reorderWindow {
		for steps < maxReorder && steps+1 < m.n {
			prev := m.bySeq(last - uint64(steps) - 1)
			if !r.p.Time.Before(prev.p.Time) {
				break
			}
			*prev, *r = *r, *prev
			prev.seq, r.seq = r.seq, prev.seq
			r = prev
			steps++
		}
	}
	if r.p.Time.Before(m.first) {
		m.first = r.p.Time
	}
	at := r.seq // the rows in (at, last] moved up by one
	if steps > 0 {
		if m.selected >= at && m.selected < last {
			m.selected++
		}
		i, _ := slices.BinarySearch(m.visible, at)
		for j := i; j < len(m.visible); j++ {
			m.visible[j]++
		}
	}
	if (m.narrow.on || m.filter != nil) && m.matchRow(r) {
		i, _ := slices.BinarySearch(m.visible, at)
		m.visible = slices.Insert(m.visible, i, at)
	}
	return r
}
