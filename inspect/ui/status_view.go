package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"github.com/socketlab/socketlab/inspect/visible"
)

// statusView is the two-line status bar. The first line describes the
// source and the counters; the second shows the capture problem and its
// fix, the result of the last action, or the filter being typed.
type statusView struct {
	*tview.Box
	m     *Model
	input *tview.InputField // drawn on the second line while editing
	edit  bool
}

func newStatusView(m *Model, input *tview.InputField) *statusView {
	return &statusView{Box: tview.NewBox(), m: m, input: input}
}

// segment is a part of the status bar's first line: its text, a shorter
// form for a narrow terminal, and whether it may be left out.
type segment struct {
	full, short string
	drop        int // 0: always shown; else the order in which it goes, 1 first
}

// line1 returns the first line's segments.
func (v *statusView) line1() []segment {
	m := v.m
	st := m.status
	// The source counts every packet it delivered, listed or not.
	n := int(max(m.seen, m.stats.Packets))
	seen := segment{plural(n, "packet") + " seen", fmt.Sprintf("%d seen", n), 0}
	if m.tapSeen > 0 {
		seen.full = plural(n, "packet") + " + " + plural(int(m.tapSeen), "tap event") + " seen"
		seen.short = fmt.Sprintf("%d+%d tap seen", n, m.tapSeen)
	}
	seg := []segment{{orDash(st.Source), orDash(st.Source), 4}, {orDash(st.Filter), "", 1}, seen,
		{fmt.Sprintf("%d kernel drops", m.stats.Drops), fmt.Sprintf("%d drops", m.stats.Drops), 0}}
	if m.tapLost > 0 {
		seg = append(seg, segment{fmt.Sprintf("%d tap events lost", m.tapLost),
			fmt.Sprintf("%d tap lost", m.tapLost), 0})
	}
	if st.LinkType != "" {
		seg = append(seg, segment{st.LinkType, "", 2})
	}
	seg = append(seg, segment{orDash(st.Capture), orDash(st.Capture), 0})
	if m.skipped > 0 {
		seg = append(seg, segment{fmt.Sprintf("%d not listed (UI behind)", m.skipped),
			fmt.Sprintf("%d not listed", m.skipped), 0})
	}
	if m.paused {
		seg = append(seg, segment{fmt.Sprintf("PAUSED (%d held back)", m.held),
			fmt.Sprintf("PAUSED (%d held)", m.held), 0})
	}
	if m.narrow.on {
		seg = append(seg, segment{"only " + m.narrow.label, "", 3})
	}
	if f := m.Filter(); f != "" {
		seg = append(seg, segment{"/" + f, "/" + f, 0})
	}
	if f := m.SocketsFilter(); f != "" {
		seg = append(seg, segment{"sockets: " + f, "s:" + f, 0})
	}
	return append(seg, segment{"? help", "? help", 0})
}

// fitLine1 joins the segments in w cells: in full if they fit, else
// leaving out the droppable ones in order (the filter, the link type,
// the narrowing, the source) and in their short forms until they fit.
func fitLine1(seg []segment, w int) string {
	join := func(short bool, dropped int) string {
		var parts []string
		for _, s := range seg {
			t := s.full
			if short {
				t = s.short
			}
			if t == "" || s.drop > 0 && s.drop <= dropped {
				continue
			}
			parts = append(parts, t)
		}
		return " " + strings.Join(parts, " │ ")
	}
	// Full words first, without the filter and the link type if need
	// be; then the short forms, without the narrowing and the source.
	tries := []struct {
		short   bool
		dropped int
	}{{false, 0}, {false, 1}, {false, 2}, {true, 2}, {true, 3}, {true, 4}}
	var line string
	for _, t := range tries {
		if line = join(t.short, t.dropped); cellWidth(line) <= w {
			break
		}
	}
	return line
}

// keyHelp lists the keys the second line names, most useful first; the
// first line always ends with "? help".
var keyHelp = []struct{ key, word string }{
	{"q", "quit"}, {"Tab", "pane"}, {"Enter", "follow"}, {"Esc", "all"},
	{"/", "filter"}, {"space", "pause"}, {"w", "save"}, {"↑↓ j k", "move"},
	{"v", "compare"}, {"c", "clear"},
}

// keyOrder is the order the keys are named in on the line.
var keyOrder = []string{"Tab", "↑↓ j k", "Enter", "Esc", "/", "space", "c", "w", "v", "q"}

// keysLine names as many keys as fit in w cells, the most useful first,
// in a fixed order.
func keysLine(w int) string {
	chosen := map[string]string{}
	width := 1
	for _, k := range keyHelp {
		n := cellWidth(k.key+" "+k.word) + 3
		if width+n > w {
			continue
		}
		width += n
		chosen[k.key] = k.word
	}
	var parts []string
	for _, k := range keyOrder {
		if word, ok := chosen[k]; ok {
			parts = append(parts, k+" "+word)
		}
	}
	return " " + strings.Join(parts, " · ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Draw draws both lines.
func (v *statusView) Draw(screen tcell.Screen) {
	th := v.m.opt.Theme
	x, y, w, h := v.GetRect()
	bar := tcell.StyleDefault.Background(th.StatusBack).Foreground(th.StatusText)
	for i := 0; i < w; i++ {
		screen.Put(x+i, y, " ", bar)
	}
	line := fitLine1(v.line1(), w)
	style := bar
	if v.m.stats.Drops > 0 || v.m.status.Problem != "" {
		style = style.Foreground(th.Warning)
	}
	printStyled(screen, line, x, y, w, style)
	if h < 2 {
		return
	}
	switch {
	case v.edit:
		v.input.SetRect(x, y+1, w, 1)
		v.input.Draw(screen)
	case v.m.message != "":
		printStyled(screen, " "+v.m.message, x, y+1, w, tcell.StyleDefault.Foreground(th.Text))
	case v.m.status.Problem != "":
		printStyled(screen, " "+v.m.status.Problem, x, y+1, w,
			tcell.StyleDefault.Foreground(th.Reset))
	case v.m.compare:
		line := " v or Esc back to the panes · ? help · q quit · " +
			"the compare view follows the packet selected in the panes"
		if cellWidth(line) > w {
			line = " v or Esc back to the panes · ? help · q quit"
		}
		printStyled(screen, line, x, y+1, w, tcell.StyleDefault.Foreground(th.Dim))
	default:
		printStyled(screen, keysLine(w), x, y+1, w, tcell.StyleDefault.Foreground(th.Dim))
	}
}

// printStyled prints text literally (visible.String: no tags, controls
// escaped) with one style, cut before the first character that does not
// fit in w cells. It puts each character on the screen as the string it
// is (Screen.Put), which costs no allocation, where SetContent would
// want it as runes, and tcell would make a string of those again.
func printStyled(screen tcell.Screen, text string, x, y, w int, style tcell.Style) {
	text = visible.String(text)
	col, state := 0, -1
	for text != "" {
		var c string
		var cw int
		c, text, cw, state = uniseg.FirstGraphemeClusterInString(text, state)
		if col+cw > w {
			return
		}
		for i := 1; i < cw; i++ {
			screen.Put(x+col+i, y, " ", style)
		}
		screen.Put(x+col, y, c, style)
		col += cw
	}
}
