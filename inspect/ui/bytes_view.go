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
// ASCII, 16 bytes a row as tcpdump -X shows them (a narrow pane wraps
// the rows). Its TextView reads no tags, so its text needs only
// visible.String, not visible.Tview.
type bytesView struct {
	*tview.TextView
	m   *Model
	seq uint64 // the packet shown
}

func newBytesView(m *Model) *bytesView {
	v := &bytesView{TextView: tview.NewTextView(), m: m}
	v.SetDynamicColors(false).SetWrap(true).SetTextColor(m.opt.Theme.Text)
	v.SetBorder(true).SetTitle(" Bytes ")
	return v
}

// Draw refreshes the text when the selection changed, then draws.
func (v *bytesView) Draw(screen tcell.Screen) {
	r := v.m.selectedRow()
	var seq uint64
	if r != nil {
		seq = r.seq
	}
	if seq != v.seq || seq == 0 {
		v.seq = seq
		v.SetText(v.text(r)).ScrollToBeginning()
	}
	v.TextView.Draw(screen)
	sealRight(screen, v)
}

func (v *bytesView) text(r *row) string {
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
		return tapBytes(r)
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
	sb.WriteString(hexRows(p.Payload))
	if len(p.Payload) < p.Len {
		fmt.Fprintf(&sb, "… %s more not kept (the capture or -payload limit "+
			"kept the first %d)\n", plural(p.Len-len(p.Payload), "byte"), len(p.Payload))
	}
	return sb.String()
}

// hexRows dumps b as tcpdump -X, `inspect packets -X` and the tap do
// (capture.AppendHex), without the tab that starts each row.
func hexRows(b []byte) string {
	return strings.ReplaceAll(strings.TrimPrefix(capture.Hex(b), "\t"), "\n\t", "\n")
}
