package ui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/visible"
)

// helpText lists the keys; the help overlay shows it.
var helpText = []string{
	"?           show or hide this help",
	"Tab         next pane (Shift-Tab: previous)",
	"↑ ↓  j k    move in a table, scroll text",
	"g G         first / last row; G follows new packets",
	"Enter       on a socket: show only its packets",
	"            on a packet: show only its connection",
	"Esc         show every connection again",
	"/           filter packets: tcpdump's language, e.g. tcp port 3008",
	"s           filter sockets by words",
	"space       pause the list (what arrives is held) / resume",
	"c           clear packets and conversations",
	"w           save every packet kept, listed or not, to a pcap file",
	"v           compare a TCP and an IPC connection side by side",
	"q  Ctrl-C   quit",
}

// helpLegend returns the lines that say what the colours of th mean.
func helpLegend(th Theme) []string {
	return []string{
		"",
		colorName(th.Client) + ": client→server.  " + colorName(th.Server) + ": server→client.",
		colorName(th.Handshake) + " notes: handshake.  " + colorName(th.Teardown) +
			": teardown.  " + colorName(th.Reset) + ": reset.",
		colorName(th.Tap) + " \"tap …\": bytes from a tap relay, not from capture.",
	}
}

// colorName names a theme colour the way people say it.
func colorName(c tcell.Color) string {
	switch c {
	case tcell.ColorLime, tcell.ColorGreen:
		return "Green"
	case tcell.ColorFuchsia:
		return "Magenta"
	case tcell.ColorAqua:
		return "Cyan"
	case tcell.ColorYellow:
		return "Yellow"
	case tcell.ColorOrange:
		return "Orange"
	case tcell.ColorRed, tcell.ColorMaroon:
		return "Red"
	case tcell.ColorWhite:
		return "White"
	}
	n := c.Name()
	if n == "" {
		return c.String()
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// helpView draws the help as a box in the middle of its rectangle.
type helpView struct {
	*tview.Box
	th    Theme
	lines []string
}

func newHelpView(th Theme) *helpView {
	h := &helpView{Box: tview.NewBox(), th: th,
		lines: append(append([]string(nil), helpText...), helpLegend(th)...)}
	h.SetBorder(true).SetTitle(" Keys — press ? or Esc to close ").
		SetBorderColor(th.Focus).SetTitleColor(th.Focus)
	return h
}

// place centres the help box in the rectangle x, y, w, h.
func (v *helpView) place(x, y, w, h int) {
	bw, bh := 4, len(v.lines)+2
	for _, l := range v.lines {
		bw = max(bw, len([]rune(l))+4)
	}
	bw = max(bw, len([]rune(" Keys — press ? or Esc to close "))+4)
	bw, bh = min(bw, w), min(bh, h)
	v.SetRect(x+(w-bw)/2, y+(h-bh)/2, bw, bh)
}

// Draw clears the box and prints the keys.
func (v *helpView) Draw(screen tcell.Screen) {
	x, y, w, h := v.GetRect()
	blank := tcell.StyleDefault
	for j := y; j < y+h; j++ {
		for i := x; i < x+w; i++ {
			screen.SetContent(i, j, ' ', nil, blank)
		}
	}
	v.Box.DrawForSubclass(screen, v)
	ix, iy, iw, ih := v.GetInnerRect()
	for i, l := range v.lines {
		if i >= ih {
			break
		}
		tview.Print(screen, visible.Tview(" "+strings.TrimRight(l, " ")), ix, iy+i, iw,
			tview.AlignLeft, v.th.Text)
	}
}
