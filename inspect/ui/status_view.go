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

// line1 returns the first line's segments.
func (v *statusView) line1() []string {
	m := v.m
	st := m.status
	// The source counts every packet it delivered, listed or not.
	n := int(max(m.seen, m.stats.Packets))
	seen := plural(n, "packet") + " seen"
	if m.tapSeen > 0 {
		seen = plural(n, "packet") + " + " + plural(int(m.tapSeen), "tap event") + " seen"
	}
	seg := []string{orDash(st.Source), orDash(st.Filter), seen,
		fmt.Sprintf("%d kernel drops", m.stats.Drops)}
	if m.tapLost > 0 {
		seg = append(seg, fmt.Sprintf("%d tap events lost", m.tapLost))
	}
	if st.LinkType != "" {
		seg = append(seg, st.LinkType)
	}
	seg = append(seg, orDash(st.Capture))
	if m.skipped > 0 {
		seg = append(seg, fmt.Sprintf("%d not listed (UI behind)", m.skipped))
	}
	if m.paused {
		seg = append(seg, fmt.Sprintf("PAUSED (%d held back)", m.held))
	}
	if m.narrow.on {
		seg = append(seg, "only "+m.narrow.label)
	}
	if f := m.Filter(); f != "" {
		seg = append(seg, "/"+f)
	}
	return append(seg, "? help")
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
	line := " " + strings.Join(v.line1(), " │ ")
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
		printStyled(screen, " v or Esc back to the panes · ? help · q quit · "+
			"the compare view follows the packet selected in the panes",
			x, y+1, w, tcell.StyleDefault.Foreground(th.Dim))
	default:
		printStyled(screen, " Tab pane · ↑↓ j k move · Enter follow · "+
			"Esc all · / filter · space pause · c clear · w save · v compare · q quit",
			x, y+1, w, tcell.StyleDefault.Foreground(th.Dim))
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
