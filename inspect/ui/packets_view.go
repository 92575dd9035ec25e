package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
)

// packetsView is the Packets pane: one row per packet in the ring that
// passes the narrowing and the filter, oldest first, with the columns
// that fit (see fitColumns), and, when WHAT IT MEANS is not in the
// table or is cut there, the selected packet's note on a line of its
// own under it. While the newest row is selected it follows new packets.
type packetsView struct {
	*tview.Box
	table *tview.Table
	m     *Model
	cols  []int // the columns of packetColumns shown, in order
}

var packetColumns = []string{"#", "TIME", "DIRECTION", "FROM", "TO", "FLAGS",
	"SEQ", "ACK", "LEN", "WHAT IT MEANS"}

func newPacketsView(m *Model) *packetsView {
	v := &packetsView{Box: tview.NewBox(), table: tview.NewTable(), m: m}
	v.cols = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	v.table.SetContent(packetsContent{v: v})
	v.table.SetFixed(1, 0).SetSelectable(true, false)
	v.table.SetSelectedStyle(m.opt.Theme.Selected)
	v.SetBorder(true)
	v.table.SetSelectionChangedFunc(func(row, _ int) {
		if r := m.at(row - 1); r != nil {
			m.selected = r.seq
			m.follow = row-1 == m.Len()-1
		}
	})
	return v
}

// InputHandler moves the selection.
func (v *packetsView) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return v.table.InputHandler()
}

// sync moves the table's selection to the model's selected packet, or to
// the newest one while following.
func (v *packetsView) sync() {
	m := v.m
	n := m.Len()
	if n == 0 {
		m.selected = 0
		v.table.Select(0, 0)
		return
	}
	i := m.indexOf(m.selected)
	if m.follow || i < 0 {
		if i < 0 && !m.follow {
			i = 0 // the selected packet left the ring: keep near the top
		} else {
			i = n - 1
		}
	}
	m.selected = m.at(i).seq
	if r, _ := v.table.GetSelection(); r != i+1 {
		follow := m.follow
		v.table.Select(i+1, 0)
		m.follow = follow
	}
}

// layout chooses the columns for a table w cells wide and h rows high,
// from the widths of the rows it will show, and returns the width of
// the notes column, 0 when it is not in the table.
func (v *packetsView) layout(w, h int) (notesW int) {
	m := v.m
	widths := make([]int, len(packetColumns))
	for c, name := range packetColumns {
		widths[c] = cellWidth(name)
	}
	// The rows the table will show: it keeps its offset unless that
	// leaves the selection out of view.
	rows := max(h-1, 1)
	sel := max(m.indexOf(m.selected), 0)
	off, _ := v.table.GetOffset()
	switch {
	case sel < off:
		off = sel
	case sel >= off+rows:
		off = sel - rows + 1
	}
	off = max(min(off, m.Len()-rows), 0)
	for i := off; i < min(off+rows, m.Len()); i++ {
		r := m.at(i)
		for c := range packetColumns {
			widths[c] = max(widths[c], cellWidth(packetCell(m, r, c)))
		}
	}
	// With room for the notes, the table keeps them, and TIME if it fits
	// too; without, the notes go under the table, and TIME is gone.
	order := append(slices.Clone(packetsOrder), colTime)
	cols := fitColumns(w-notesMin-1, widths, order)
	if len(cols) >= len(packetsOrder) {
		v.cols = append(cols, colNotes)
		return w - usedWidth(widths, cols) - 1
	}
	v.cols = fitColumns(w, widths, packetsOrder)
	return 0
}

// Draw draws the table, the selected packet's note under it when the
// table lacks room for it, or a hint under the header while it is empty.
func (v *packetsView) Draw(screen tcell.Screen) {
	v.sync()
	m := v.m
	title := fmt.Sprintf(" Packets (%d) ", m.Len())
	if m.narrow.on {
		title = fmt.Sprintf(" Packets of %s (%d) ", m.narrow.label, m.Len())
	}
	if r := m.selectedRow(); r != nil && r.tap != nil {
		title += "— tap: " + tap.Banner + " "
	}
	x, y, w, h := v.GetInnerRect()
	v.SetTitle(visible.Tview(fitTitle(title, w)))
	v.Box.DrawForSubclass(screen, v)
	defer sealRight(screen, v)
	notesW := v.layout(w, h)
	r := m.selectedRow()
	noteLines := 0
	if r != nil && (notesW == 0 || cellWidth(r.note) > notesW) && h >= 4 {
		noteLines = min(2, len(tview.WordWrap(visible.Tview(r.note), max(w-2, 1))))
		if h < 8 {
			noteLines = 1
		}
	}
	v.table.SetRect(x, y, w, h-noteLines)
	v.table.Draw(screen)
	if noteLines > 0 {
		printLines(screen, visible.Tview(r.note), x+1, y+h-noteLines, w-2, noteLines,
			stepColor(m.opt.Theme, r.step))
	}
	if m.Len() > 0 {
		return
	}
	hint := visible.TviewLines(m.opt.PacketsHint)
	switch {
	case m.status.Help != "":
		hint = visible.TviewLines(m.status.Help)
	case m.status.Problem != "" && m.status.File:
		hint = visible.Tview("no packet of the file shown: " + m.status.Problem)
	case m.status.Problem != "":
		hint = visible.Tview("capture is off: " + m.status.Problem)
	case m.n > 0:
		hint = "no packet matches"
		if m.narrow.on {
			hint += " " + visible.Tview(m.narrow.label) + " (Esc shows all)"
		}
	case m.paused:
		hint = "paused: press space to show new packets"
	case hint == "":
		hint = "no packets yet"
	}
	if h > 2 {
		printLines(screen, hint, x+1, y+2, w-2, h-2, m.opt.Theme.Dim)
	}
}

type packetsContent struct {
	tview.TableContentReadOnly
	v *packetsView
}

func (c packetsContent) GetRowCount() int    { return c.v.m.Len() + 1 }
func (c packetsContent) GetColumnCount() int { return len(c.v.cols) }

func (c packetsContent) GetCell(row, col int) *tview.TableCell {
	m := c.v.m
	th := m.opt.Theme
	if col < 0 || col >= len(c.v.cols) {
		return nil
	}
	col = c.v.cols[col]
	if row == 0 {
		return tview.NewTableCell(packetColumns[col]).SetTextColor(th.Header).
			SetSelectable(false)
	}
	r := m.at(row - 1)
	if r == nil {
		return nil
	}
	cell := tview.NewTableCell(visible.Tview(packetCell(m, r, col))).SetTextColor(th.Text)
	switch col {
	case 0, 1, 6, 7, 8:
		cell.SetAlign(tview.AlignRight)
	case 2:
		cell.SetTextColor(dirColor(th, r.dir))
	case 5:
		if r.tap != nil {
			cell.SetTextColor(th.Tap)
		}
	case 9:
		cell.SetTextColor(stepColor(th, r.step))
	}
	return cell
}

// packetCell returns the text of column col for packet r.
func packetCell(m *Model, r *row, col int) string {
	p := &r.p
	if r.tap != nil && (col == 3 || col == 4) {
		return shortPath(tapCell(r, col))
	}
	if r.tap != nil && col >= 2 && col <= 8 {
		return tapCell(r, col)
	}
	switch col {
	case 0:
		if r.tap != nil {
			return "t" + strconv.FormatUint(r.tap.n, 10)
		}
		return strconv.FormatUint(r.num, 10)
	case 1:
		return fmt.Sprintf("%.6f", p.Time.Sub(m.first).Seconds())
	case 2:
		return r.dir.String()
	case 3:
		return addrString(p.Src)
	case 4:
		return addrString(p.Dst)
	case 5:
		return p.Flags.String()
	case 6:
		return strconv.FormatUint(uint64(p.Seq), 10)
	case 7:
		if p.Flags&capture.ACK == 0 {
			return ""
		}
		return strconv.FormatUint(uint64(p.Ack), 10)
	case 8:
		return strconv.Itoa(p.Len)
	case 9:
		return r.note
	}
	return ""
}

func dirColor(th Theme, d capture.Dir) tcell.Color {
	switch d {
	case capture.ClientToServer:
		return th.Client
	case capture.ServerToClient:
		return th.Server
	}
	return th.Dim
}

func stepColor(th Theme, s step) tcell.Color {
	switch s {
	case stepHandshake:
		return th.Handshake
	case stepTeardown:
		return th.Teardown
	case stepReset:
		return th.Reset
	case stepData:
		return th.Text
	}
	return th.Dim
}

// maxAddrWidth is the widest address the FROM and TO columns show in
// full: an IPv6 address with a port. A longer socket path of a tap is
// shown as "…/" and its last element; the Bytes pane names it in full.
const maxAddrWidth = 24

// shortPath returns a, or for a path wider than maxAddrWidth, "…/" and
// its last element.
func shortPath(a string) string {
	if cellWidth(a) <= maxAddrWidth || !strings.Contains(a, "/") {
		return a
	}
	return "…/" + a[strings.LastIndex(a, "/")+1:]
}
