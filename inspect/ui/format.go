package ui

import (
	"fmt"
	"net/netip"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// addrString formats an address and port the way a learner types it:
// 127.0.0.1:3008 or [::1]:3008. An invalid address prints as "?".
func addrString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "?"
	}
	return ap.String()
}

// sealRight mends the right border of p's box once p's content is
// drawn. tview draws a wide character that starts in the last
// column inside the border, or at the end of a title, over the border
// itself; sealRight shows "…" in that column instead and draws the
// border again, mirroring the left border's rune and style.
func sealRight(screen tcell.Screen, p tview.Primitive) {
	x, y, w, h := p.GetRect()
	if w < 3 {
		return
	}
	right := x + w - 1
	for j := y; j < y+h; j++ {
		left, _, style, _ := screen.GetContent(x, j)
		r, ok := rightBorder[left]
		if !ok {
			continue // no border here
		}
		if _, _, st, cw := screen.GetContent(right-1, j); cw > 1 {
			screen.SetContent(right-1, j, '…', nil, st)
		}
		screen.SetContent(right, j, r, nil, style)
	}
}

// rightBorder maps each rune of a box's left border to the rune on the
// same row of its right border.
var rightBorder = map[rune]rune{
	tview.Borders.Vertical:        tview.Borders.Vertical,
	tview.Borders.VerticalFocus:   tview.Borders.VerticalFocus,
	tview.Borders.TopLeft:         tview.Borders.TopRight,
	tview.Borders.TopLeftFocus:    tview.Borders.TopRightFocus,
	tview.Borders.BottomLeft:      tview.Borders.BottomRight,
	tview.Borders.BottomLeftFocus: tview.Borders.BottomRightFocus,
}

// plural returns "1 byte" or "n bytes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
