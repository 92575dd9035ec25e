package ui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/visible"
)

// compareView is the compare view (the v key, or Options.Compare): one
// TCP connection beside one IPC connection seen through a tap, section by
// section, so that each row of the screen compares one thing.
type compareView struct {
	*tview.Box
	m *Model
}

func newCompareView(m *Model) *compareView {
	v := &compareView{Box: tview.NewBox(), m: m}
	v.SetBorder(true).SetTitle(" Compare: TCP beside IPC — v or Esc returns to the panes ").
		SetBorderColor(m.opt.Theme.Focus).SetTitleColor(m.opt.Theme.Focus)
	return v
}

// Draw draws the two columns; the conversation takes the rows left over,
// showing its end.
func (v *compareView) Draw(screen tcell.Screen) {
	th := v.m.opt.Theme
	v.Box.DrawForSubclass(screen, v)
	defer sealRight(screen, v)
	x, y, w, h := v.GetInnerRect()
	if w < 20 || h < 4 {
		return
	}
	left, right := v.m.comparison()
	colW := (w - 4) / 2
	lx, rx := x+1, x+colW+3
	for j := y; j < y+h; j++ {
		screen.SetContent(x+colW+1, j, tview.Borders.Vertical, nil,
			tcell.StyleDefault.Foreground(th.Border))
	}
	row := y
	bottom := y + h
	row = drawWrapped(screen, lx, row, colW, 2, []compareLine{{left.title, th.Header}}, false)
	r2 := drawWrapped(screen, rx, y, colW, 2, []compareLine{{right.title, th.Header}}, false)
	row = max(row, r2)
	ls := [][]compareLine{left.addr, left.kernel, left.wire, left.said}
	rs := [][]compareLine{right.addr, right.kernel, right.wire, right.said}
	sizes := sectionSizes(ls, rs, colW, bottom-row)
	for i, head := range compareSections {
		if row+1 >= bottom {
			return
		}
		row++ // a blank line between sections
		hl := []compareLine{{head, th.Dim}}
		drawWrapped(screen, lx, row, colW, 1, hl, false)
		drawWrapped(screen, rx, row, colW, 1, hl, false)
		row++
		room := bottom - row
		last := i == len(compareSections)-1
		if !last {
			room = min(room, sizes[i])
		}
		a := drawWrapped(screen, lx, row, colW, room, ls[i], last)
		b := drawWrapped(screen, rx, row, colW, room, rs[i], last)
		row = max(a, b)
	}
}

// sectionSizes returns how many rows each section but the last may use
// in h rows: all it needs when that leaves the last section (what was
// said) a few rows, else less, taken from the longest sections first.
func sectionSizes(ls, rs [][]compareLine, w, h int) []int {
	const saidRows = 4
	n := len(compareSections) - 1
	sizes := make([]int, n)
	total := 0
	for i := range sizes {
		sizes[i] = max(len(wrapLines(ls[i], w)), len(wrapLines(rs[i], w)))
		total += sizes[i]
	}
	budget := h - 2*len(compareSections) - saidRows
	for total > budget {
		big := 0
		for i := range sizes {
			if sizes[i] > sizes[big] {
				big = i
			}
		}
		if sizes[big] <= 1 {
			break
		}
		sizes[big]--
		total--
	}
	return sizes
}

// wrapped is a line of a column after word wrapping.
type wrapped struct {
	text  string
	color tcell.Color
}

// wrapLines word-wraps lines, each shown literally, to a column of width
// w, indenting the continuation lines.
func wrapLines(lines []compareLine, w int) []wrapped {
	var all []wrapped
	for _, l := range lines {
		for i, part := range tview.WordWrap(visible.Tview(l.text), max(w-2, 1)) {
			indent := ""
			if i > 0 {
				indent = "  "
			}
			all = append(all, wrapped{indent + part, l.color})
		}
	}
	return all
}

// drawWrapped word-wraps lines into a column of width w from row y, at
// most h rows, and returns the row after the last one drawn. With tail
// set it shows the last rows when they do not all fit. It wraps only the
// lines it shows: a whole conversation is up to DefaultStreamBytes a
// side, of which a screen shows a few rows.
func drawWrapped(screen tcell.Screen, x, y, w, h int, lines []compareLine, tail bool) int {
	if w <= 0 || h <= 0 {
		return y
	}
	var rows []wrapped
	if tail {
		rows = wrapTail(lines, w, h)
	} else {
		rows = wrapHead(lines, w, h)
	}
	for i, l := range rows {
		tview.Print(screen, l.text, x, y+i, w, tview.AlignLeft, l.color)
	}
	return y + len(rows)
}

// wrapHead returns the first h rows of wrapLines(lines, w), wrapping no
// line after them.
func wrapHead(lines []compareLine, w, h int) []wrapped {
	var rows []wrapped
	for i := 0; i < len(lines) && len(rows) < h; i++ {
		rows = append(rows, wrapLines(lines[i:i+1], w)...)
	}
	return rows[:min(len(rows), h)]
}

// wrapTail returns the last h rows of wrapLines(lines, w), wrapping the
// lines from the last one back, and none before the rows it returns.
func wrapTail(lines []compareLine, w, h int) []wrapped {
	var parts [][]wrapped // the wrapped lines, last first
	n := 0
	for i := len(lines) - 1; i >= 0 && n < h; i-- {
		part := wrapLines(lines[i:i+1], w)
		parts = append(parts, part)
		n += len(part)
	}
	rows := make([]wrapped, 0, n)
	for i := len(parts) - 1; i >= 0; i-- {
		rows = append(rows, parts[i]...)
	}
	return rows[max(len(rows)-h, 0):]
}
