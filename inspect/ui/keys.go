package ui

import (
	"errors"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/filter"
)

// InputHandler handles the inspector's keys and passes the others (arrows,
// j/k, g/G, page keys) to the focused pane.
func (u *UI) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return u.WrapInputHandler(func(ev *tcell.EventKey, setFocus func(tview.Primitive)) {
		if u.status.edit {
			u.editKey(ev, setFocus)
			return
		}
		// The model may have changed since the last draw: bring the
		// tables' selections within their rows before keys use them.
		u.sockets.keepSelection()
		u.packets.sync()
		key, r := ev.Key(), ev.Rune()
		if key == tcell.KeyCtrlC || key == tcell.KeyRune && r == 'q' {
			if u.Quit != nil {
				u.Quit()
			}
			return
		}
		if u.showHelp {
			if key == tcell.KeyEscape || key == tcell.KeyRune && r == '?' {
				u.showHelp = false
			}
			return
		}
		u.m.message = ""
		if u.m.compare {
			switch {
			case key == tcell.KeyEscape, key == tcell.KeyRune && r == 'v':
				u.m.compare = false
			case key == tcell.KeyRune && r == '?':
				u.showHelp = true
			}
			return
		}
		switch key {
		case tcell.KeyTab:
			u.setFocus(u.focus + 1)
			return
		case tcell.KeyBacktab:
			u.setFocus(u.focus - 1)
			return
		case tcell.KeyEscape:
			u.escape()
			return
		case tcell.KeyEnter:
			u.enter()
			return
		case tcell.KeyRune:
			if u.runeKey(r) {
				return
			}
		}
		if h := u.panes[u.focus].InputHandler(); h != nil {
			h(ev, setFocus)
		}
	})
}

// runeKey handles a letter key and reports whether it was one of ours.
func (u *UI) runeKey(r rune) bool {
	switch r {
	case '?':
		u.showHelp = true
	case '/':
		u.openFilter(false)
	case 's':
		u.openFilter(true)
	case ' ':
		u.m.SetPaused(!u.m.paused)
	case 'c':
		u.m.Clear()
		u.m.message = "cleared"
	case 'w':
		u.save()
	case 'v':
		u.m.compare = true
	default:
		return false
	}
	return true
}

// openFilter opens the input on the packets' filter, a tcpdump
// expression, or with sockets on the Sockets pane's words. An
// expression that was refused comes back to be fixed.
func (u *UI) openFilter(sockets bool) {
	u.editSockets = sockets
	u.status.edit = true
	switch {
	case sockets:
		u.input.SetLabel(" sockets: ").SetText(u.m.SocketsFilter())
	case u.draft != "":
		u.input.SetLabel(" filter: ").SetText(u.draft)
	default:
		u.input.SetLabel(" filter: ").SetText(u.m.Filter())
	}
	u.input.Focus(nil)
}

// editKey handles keys while a filter is typed.
func (u *UI) editKey(ev *tcell.EventKey, setFocus func(tview.Primitive)) {
	switch ev.Key() {
	case tcell.KeyEnter:
		text := u.input.GetText()
		if u.editSockets {
			u.m.SetSocketsFilter(text)
		} else {
			u.setFilter(text)
		}
		fallthrough
	case tcell.KeyEscape:
		u.status.edit = false
		u.input.Blur()
		return
	}
	if h := u.input.InputHandler(); h != nil {
		h(ev, setFocus)
	}
}

// setFilter sets the packets' filter, or says in the status line why
// the expression is refused and keeps it to be fixed on the next /.
func (u *UI) setFilter(text string) {
	u.draft = ""
	err := u.m.SetFilter(text)
	if err == nil {
		return
	}
	u.draft = text
	msg := err.Error()
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		msg = se.Short()
	}
	u.m.message = msg + "; / to fix it (the previous filter stays)"
}

// enter narrows the packets to the selected socket's or packet's
// connection.
func (u *UI) enter() {
	switch u.focus {
	case paneSockets:
		s, ok := u.sockets.selected()
		if !ok {
			return
		}
		if err := u.m.SetNarrow(s); err != nil {
			u.m.message = err.Error()
			return
		}
		u.m.follow = true
		u.m.message = "showing only " + u.m.Narrow() + " (Esc shows all)"
	case panePackets:
		r := u.m.selectedRow()
		if r == nil || r.p.Malformed != "" {
			return
		}
		sel := r.seq
		u.m.setNarrowing(narrowToRow(r))
		u.m.selected, u.m.follow = sel, false
		u.m.message = "showing only " + u.m.Narrow() + " (Esc shows all)"
	}
}

// escape undoes the narrowing, then the filter.
func (u *UI) escape() {
	switch {
	case u.m.narrow.on:
		u.m.ClearNarrow()
	case u.m.filter != nil:
		u.m.SetFilter("")
	case len(u.m.sockFilter) > 0:
		u.m.SetSocketsFilter("")
	}
}
