package ui

import "fmt"

// Saved is what Save wrote: the file, the packets in it, and the
// packets captured in all, which is more when the oldest were no longer
// kept.
type Saved struct {
	Path     string
	Packets  int
	Captured uint64
}

// save hands every packet kept to Save and reports the result, or says
// why there is nothing to save.
func (u *UI) save() {
	m := u.m
	if u.Save == nil {
		switch {
		case m.status.Problem != "" && !m.status.File:
			m.message = "nothing to save: " + m.status.Problem
		default:
			m.message = "nothing to save: no packet source (not capturing, no -r file)"
		}
		return
	}
	s, err := u.Save()
	switch {
	case err != nil:
		m.message = "save failed: " + err.Error()
	case s.Packets == 0:
		m.message = "nothing to save yet: no packet captured"
	default:
		m.message = "saved " + plural(s.Packets, "packet") + " to " + s.Path
		if s.Captured > uint64(s.Packets) {
			m.message += fmt.Sprintf(" (the newest; %d older ones were no longer kept)",
				s.Captured-uint64(s.Packets))
		}
	}
}
