package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/visible"
)

// socketsView is the Sockets pane: one row per socket of the latest
// table that matches the filter, under a fixed header row, and below
// them, in plain words, what the selected socket is.
type socketsView struct {
	*tview.Box
	table  *tview.Table
	m      *Model
	selKey string // the selected socket, kept across refreshes
	cols   []int  // the columns of sockets.Columns shown, in order
}

func newSocketsView(m *Model) *socketsView {
	v := &socketsView{Box: tview.NewBox(), table: tview.NewTable(), m: m}
	v.cols = []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	v.table.SetContent(socketsContent{v: v})
	v.table.SetFixed(1, 0).SetSelectable(true, false)
	v.table.SetSelectedStyle(m.opt.Theme.Selected)
	v.table.SetSelectionChangedFunc(func(row, _ int) {
		if row >= 1 && row <= len(m.shown) {
			v.selKey = socketKey(m.shown[row-1])
		}
	})
	v.SetBorder(true).SetTitle(" Sockets ")
	return v
}

// socketKey names a socket across refreshes of the table.
func socketKey(s sockets.Socket) string {
	return fmt.Sprintf("%s %s %s:%d %s:%d %s %d", s.Kind, s.Family, s.LocalAddr,
		s.LocalPort, s.RemoteAddr, s.RemotePort, s.Path, s.Inode)
}

// keepSelection selects the same socket as before the table changed, or
// the nearest row if it is gone.
func (v *socketsView) keepSelection() {
	m := v.m
	r, _ := v.table.GetSelection()
	if r >= 1 && r <= len(m.shown) && socketKey(m.shown[r-1]) == v.selKey {
		return
	}
	for i, s := range m.shown {
		if socketKey(s) == v.selKey {
			v.table.Select(i+1, 0)
			return
		}
	}
	// With no rows, select the header: a selection outside the table
	// makes tview's Table loop forever on the next movement key.
	v.table.Select(min(max(r, 1), len(m.shown)), 0)
}

// showSelection scrolls the table, h rows high with its header, so that
// the selected row is in view. (A table drawn while it had no rows
// would otherwise stay scrolled to its end: the first screen would show
// the last sockets and explain the first, out of view.)
func (v *socketsView) showSelection(h int) {
	r, _ := v.table.GetSelection()
	off, _ := v.table.GetOffset()
	rows := h - 1
	switch {
	case r < 1 || rows < 1:
		v.table.SetOffset(0, 0)
	case r-1 < off:
		v.table.SetOffset(r-1, 0)
	case r-1 >= off+rows:
		v.table.SetOffset(r-rows, 0)
	default:
		v.table.SetOffset(off, 0) // and stop following the end
	}
}

// layout chooses the columns that fit in w cells (see fitColumns).
func (v *socketsView) layout(w int) {
	widths := make([]int, len(sockets.Columns))
	for c, name := range sockets.Columns {
		widths[c] = cellWidth(name)
	}
	for _, row := range v.m.socketRows {
		for c, cell := range row {
			widths[c] = max(widths[c], cellWidth(cell))
		}
	}
	v.cols = fitColumns(w, widths, socketsOrder)
}

// selected returns the socket on the selected row.
func (v *socketsView) selected() (sockets.Socket, bool) {
	r, _ := v.table.GetSelection()
	if r < 1 || r > len(v.m.shown) {
		return sockets.Socket{}, false
	}
	return v.m.shown[r-1], true
}

// InputHandler moves the selection.
func (v *socketsView) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return v.table.InputHandler()
}

// Draw draws the table and the explanation of the selected socket, or a
// hint while the table is empty.
func (v *socketsView) Draw(screen tcell.Screen) {
	m, th := v.m, v.m.opt.Theme
	v.keepSelection()
	v.SetTitle(fmt.Sprintf(" Sockets (%d) ", len(m.shown)))
	v.Box.DrawForSubclass(screen, v)
	x, y, w, h := v.GetInnerRect()
	// The sentence about the selected socket takes two lines, or one
	// in a low pane, or none in the lowest.
	explain := 2
	switch {
	case h < 4:
		explain = 0
	case h < 7:
		explain = 1
	}
	v.layout(w)
	v.showSelection(h - explain)
	v.table.SetRect(x, y, w, h-explain)
	v.table.Draw(screen)
	defer sealRight(screen, v)
	if s, ok := v.selected(); ok {
		if explain > 0 {
			printLines(screen, visible.Tview(sockets.Explain(s)), x+1, y+h-explain, w-2, explain, th.Dim)
		}
		return
	}
	hint := visible.TviewLines(m.opt.SocketsHint)
	switch {
	case !m.haveSockets:
		hint = "reading the socket table…"
	case m.sockets.Problem != "":
		hint = visible.Tview("no socket table: " + m.sockets.Problem)
	case len(m.sockets.Sockets) > 0:
		hint = visible.Tview("no socket matches the filter \"" + m.SocketsFilter() + "\"")
	case hint == "":
		hint = "no socket matches"
	}
	if h > 2 {
		printLines(screen, hint, x+1, y+2, w-2, h-2, th.Dim)
	}
}

type socketsContent struct {
	tview.TableContentReadOnly
	v *socketsView
}

func (c socketsContent) GetRowCount() int    { return len(c.v.m.shown) + 1 }
func (c socketsContent) GetColumnCount() int { return len(c.v.cols) }

func (c socketsContent) GetCell(row, col int) *tview.TableCell {
	m := c.v.m
	th := m.opt.Theme
	if col < 0 || col >= len(c.v.cols) {
		return nil
	}
	col = c.v.cols[col]
	if row == 0 {
		return tview.NewTableCell(sockets.Columns[col]).SetTextColor(th.Header).
			SetSelectable(false)
	}
	if row > len(m.socketRows) {
		return nil
	}
	cell := tview.NewTableCell(visible.Tview(m.socketRows[row-1][col])).SetTextColor(th.Text)
	switch sockets.Columns[col] {
	case "STATE":
		cell.SetTextColor(stateColor(th, m.shown[row-1].State))
	case "RECV-Q", "SEND-Q", "INODE":
		cell.SetAlign(tview.AlignRight)
	}
	return cell
}

func stateColor(th Theme, state string) tcell.Color {
	switch state {
	case "LISTEN":
		return th.Listen
	case "ESTABLISHED", "CONNECTED":
		return th.Open
	}
	return th.Closing
}

// printLines word-wraps text, made safe for tview (visible.Tview or
// visible.TviewLines), into the rectangle and prints it, marking a text
// cut short with "…".
func printLines(screen tcell.Screen, text string, x, y, w, h int, c tcell.Color) {
	if w <= 0 || h <= 0 {
		return
	}
	lines := tview.WordWrap(text, w)
	if len(lines) > h && w > 1 {
		// Too long for the rectangle: the last line shown ends in "…",
		// so that a cut sentence does not read as a whole one.
		lines = tview.WordWrap(text, w-1)[:h]
		lines[h-1] = strings.TrimRight(lines[h-1], " ") + "…"
	}
	for i, line := range lines[:min(h, len(lines))] {
		tview.Print(screen, line, x, y+i, w, tview.AlignLeft, c)
	}
}
