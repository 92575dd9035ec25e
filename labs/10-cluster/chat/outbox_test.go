package chat

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// A writer that gathers now and then, so that its cursor stops anywhere
// in a chunk full of runs, gets every other sender's line once, in
// order, and none of its own.
func TestGatherFromAnyPlaceInAChunk(t *testing.T) {
	b := newBacklog()
	me := &client{out: newOutbox(16, 1<<20)}
	other := &client{out: newOutbox(16, 1<<20)}
	me.out.attach(b)
	var want, got bytes.Buffer
	var bufs [][]byte
	var msgs, others int64
	take := func() {
		var n int64
		bufs, n, _, _ = me.out.gather(b, me, bufs[:0])
		for _, p := range bufs {
			got.Write(p)
		}
		msgs += n
	}
	// About four chunks of lines from both, in runs of uneven length.
	for i := range 5000 {
		from := other
		if i%3 == 0 || i%7 == 0 {
			from = me
		}
		line := fmt.Appendf(nil, "%d %s\n", i, strings.Repeat("x", i%90))
		b.add(from, line)
		if from != me {
			want.Write(line)
			others++
		}
		if i%11 == 0 {
			take()
		}
	}
	take()
	if b.tail.start == 0 {
		t.Fatal("the lines fit in one chunk; the test needs several")
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("gathered %d bytes, want %d: the lines differ",
			got.Len(), want.Len())
	}
	if msgs != others {
		t.Errorf("gather counted %d messages, want %d", msgs, others)
	}
}
