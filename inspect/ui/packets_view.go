package ui

import (
	"fmt"
	"strconv"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
)

// packetsView is the Packets pane: one row per packet in the ring that
// passes the narrowing and the filter, oldest first. While the newest
// row is selected it follows new packets.
type packetsView struct {
	*tview.Table
	m *Model
}

var packetColumns = []string{"#", "TIME", "DIRECTION", "FROM", "TO", "FLAGS",
	"SEQ", "ACK", "LEN", "WHAT IT MEANS"}

func newPacketsView(m *Model) *packetsView {
	v := &packetsView{Table: tview.NewTable(), m: m}
	v.SetContent(packetsContent{v: v})
	v.SetFixed(1, 0).SetSelectable(true, false)
	v.SetSelectedStyle(m.opt.Theme.Selected)
	v.SetBorder(true)
	v.SetSelectionChangedFunc(func(row, _ int) {
		if r := m.at(row - 1); r != nil {
			m.selected = r.seq
			m.follow = row-1 == m.Len()-1
		}
	})
	return v
}

// sync moves the table's selection to the model's selected packet, or to
// the newest one while following.
func (v *packetsView) sync() {
	m := v.m
	n := m.Len()
	if n == 0 {
		m.selected = 0
		v.Select(0, 0)
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
	if r, _ := v.GetSelection(); r != i+1 {
		follow := m.follow
		v.Select(i+1, 0)
		m.follow = follow
	}
}

// Draw draws the table, or a hint under the header while it is empty.
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
	v.SetTitle(visible.Tview(title))
	v.Table.Draw(screen)
	defer sealRight(screen, v)
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
	x, y, w, h := v.GetInnerRect()
	if h > 2 {
		printLines(screen, hint, x+1, y+2, w-2, h-2, m.opt.Theme.Dim)
	}
}

type packetsContent struct {
	tview.TableContentReadOnly
	v *packetsView
}

func (c packetsContent) GetRowCount() int    { return c.v.m.Len() + 1 }
func (c packetsContent) GetColumnCount() int { return len(packetColumns) }

func (c packetsContent) GetCell(row, col int) *tview.TableCell {
	m := c.v.m
	th := m.opt.Theme
	if col < 0 || col >= len(packetColumns) {
		return nil
	}
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
