package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/visible"
)

// bytesView is the Bytes pane: the selected packet's payload as hex and
// ASCII, 16 bytes a row (8 when the pane is narrow). Its TextView reads
// no tags, so its text needs only visible.String, not visible.Tview.
type bytesView struct {
	*tview.TextView
	m    *Model
	seq  uint64 // the packet shown
	wide bool   // 16 bytes a line
}

func newBytesView(m *Model) *bytesView {
	v := &bytesView{TextView: tview.NewTextView(), m: m}
	v.SetDynamicColors(false).SetWrap(true).SetTextColor(m.opt.Theme.Text)
	v.SetBorder(true).SetTitle(" Bytes ")
	return v
}

// Draw refreshes the text when the selection or width changed, then draws.
func (v *bytesView) Draw(screen tcell.Screen) {
	_, _, w, _ := v.GetInnerRect()
	wide := w >= 68
	r := v.m.selectedRow()
	var seq uint64
	if r != nil {
		seq = r.seq
	}
	if seq != v.seq || wide != v.wide || seq == 0 {
		v.seq, v.wide = seq, wide
		v.SetText(v.text(r, wide)).ScrollToBeginning()
	}
	v.TextView.Draw(screen)
	sealRight(screen, v)
}

func (v *bytesView) text(r *row, wide bool) string {
	if r == nil {
		v.SetTitle(" Bytes ")
		return "select a packet to see its bytes"
	}
	p := &r.p
	v.SetTitle(visible.Tview(fmt.Sprintf(" Bytes of #%s: %s ", packetCell(v.m, r, 0),
		plural(p.Len, "byte"))))
	if p.Malformed != "" {
		return "malformed packet: " + visible.String(p.Malformed)
	}
	if r.tap != nil {
		return tapBytes(r, wide)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s seq %d", p.Flags, p.Seq)
	if p.Flags&capture.ACK != 0 {
		fmt.Fprintf(&sb, " ack %d", p.Ack)
	}
	fmt.Fprintf(&sb, " win %d; on the wire seq %d", p.Window, p.RawSeq)
	if p.Flags&capture.ACK != 0 {
		fmt.Fprintf(&sb, " ack %d", p.RawAck)
	}
	sb.WriteString("\n\n")
	if p.Len == 0 {
		fmt.Fprintf(&sb, "No data: a TCP header only. Its meaning is in its "+
			"flags and numbers: %s.", r.note)
		return sb.String()
	}
	per := 8
	if wide {
		per = 16
	}
	sb.WriteString(hexRows(p.Payload, per))
	if len(p.Payload) < p.Len {
		fmt.Fprintf(&sb, "… %s more not kept (the capture or -payload limit "+
			"kept the first %d)\n", plural(p.Len-len(p.Payload), "byte"), len(p.Payload))
	}
	return sb.String()
}

// hexRows dumps b in the layout of tcpdump -X and `inspect packets -x`:
// capture.Hex with 16 bytes a row, or the same layout with 8 bytes a row
// for a narrow pane.
func hexRows(b []byte, per int) string {
	if per == 16 {
		return strings.ReplaceAll(strings.TrimPrefix(capture.Hex(b), "\t"), "\n\t", "\n")
	}
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for off := 0; off < len(b); off += per {
		row := b[off:min(off+per, len(b))]
		fmt.Fprintf(&sb, "0x%04x: ", off)
		for i := 0; i < per; i++ {
			if i%2 == 0 {
				sb.WriteByte(' ')
			}
			if i < len(row) {
				sb.WriteByte(digits[row[i]>>4])
				sb.WriteByte(digits[row[i]&0xf])
			} else {
				sb.WriteString("  ")
			}
		}
		sb.WriteString("  ")
		for _, c := range row {
			sb.WriteByte(printable(c))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
