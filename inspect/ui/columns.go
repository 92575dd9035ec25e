package ui

import (
	"slices"

	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Tables drop the columns that do not fit instead of cutting a value in
// the middle: each table lists its columns from the most to the least
// important, and a narrow pane shows the longest run from the start of
// that list that fits, in the table's own order.
//
// The Sockets pane drops, first to last: INODE, FAMILY, SEND-Q, RECV-Q,
// PROCESS, REMOTE, STATE, LOCAL (KIND stays).
//
// The Packets pane drops TIME first; then WHAT IT MEANS leaves the table
// for a line of its own under it, which shows the selected packet's note
// in full; then ACK, TO, SEQ, FROM, LEN, FLAGS, DIRECTION (# stays).
// WHAT IT MEANS stays in the table while it gets at least notesMin
// cells; a longer note is cut at the border there, and the line under
// the table shows the selected one in full.
var (
	socketsOrder = []int{0, 2, 4, 3, 8, 5, 6, 1, 7}
	packetsOrder = []int{0, 2, 5, 8, 3, 6, 4, 7}
)

// Columns of the Packets pane that the layout handles by name.
const (
	colTime  = 1
	colNotes = 9
	notesMin = 24
)

// fitColumns returns the columns of order, from its start, whose natural
// widths fit in w cells with one cell between two columns, sorted in
// table order. The first column of order is always kept.
func fitColumns(w int, widths []int, order []int) []int {
	var cols []int
	used := -1
	for i, c := range order {
		if used+1+widths[c] > w && i > 0 {
			break
		}
		used += 1 + widths[c]
		cols = append(cols, c)
	}
	slices.Sort(cols)
	return cols
}

// usedWidth returns the cells that cols take with their separators.
func usedWidth(widths []int, cols []int) int {
	n := -1
	for _, c := range cols {
		n += 1 + widths[c]
	}
	return max(n, 0)
}

// cellWidth returns the cells that text, shown literally, takes on the
// screen: wide runes count two, as tview draws them.
func cellWidth(text string) int {
	return tview.TaggedStringWidth(visible.Tview(text))
}

// fitTitle returns title if it fits on a border w cells wide, else title
// cut at its end with "…", so that the border never cuts it on the left.
func fitTitle(title string, w int) string {
	room := w - 2
	if cellWidth(title) <= room || room < 2 {
		return title
	}
	var b []rune
	n := 0
	for _, r := range title {
		rw := cellWidth(string(r))
		if n+rw > room-2 {
			break
		}
		b = append(b, r)
		n += rw
	}
	return string(b) + "… "
}

// fitTagged returns the first of titles, which may hold colour tags,
// that fits on a border around w cells, else the last one cut by
// fitTitle.
func fitTagged(titles []string, w int) string {
	for _, t := range titles {
		if tview.TaggedStringWidth(t) <= w-2 {
			return t
		}
	}
	if len(titles) == 0 {
		return ""
	}
	return fitTitle(titles[len(titles)-1], w)
}
