package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/sockets"
)

// dropOrder narrows a pane drawn by cols, one cell at a time from 200
// down to 1, and returns the names of its columns in the order they
// left.
func dropOrder(names []string, cols func(w int) []int) []string {
	var gone []string
	prev := cols(200)
	for w := 199; w > 0; w-- {
		now := cols(w)
		for _, c := range prev {
			if !slices.Contains(now, c) {
				gone = append(gone, names[c])
			}
		}
		prev = now
	}
	return gone
}

func TestColumnsLeaveInTheStatedOrder(t *testing.T) {
	u := fullUI(t)
	t.Run("sockets", func(t *testing.T) {
		got := dropOrder(sockets.Columns, func(w int) []int {
			u.sockets.layout(w)
			return u.sockets.cols
		})
		want := []string{"INODE", "FAMILY", "SEND-Q", "RECV-Q", "PROCESS", "REMOTE", "STATE", "LOCAL"}
		if !slices.Equal(got, want) {
			t.Errorf("the Sockets pane drops %s, want %s (and the docs say so)",
				strings.Join(got, ", "), strings.Join(want, ", "))
		}
	})
	t.Run("packets", func(t *testing.T) {
		got := dropOrder(packetColumns, func(w int) []int {
			u.packets.layout(w, 20)
			return u.packets.cols
		})
		want := []string{"TIME", "WHAT IT MEANS", "ACK", "TO", "SEQ", "FROM", "LEN", "FLAGS", "DIRECTION"}
		if !slices.Equal(got, want) {
			t.Errorf("the Packets pane drops %s, want %s (and the docs say so)",
				strings.Join(got, ", "), strings.Join(want, ", "))
		}
	})
}
