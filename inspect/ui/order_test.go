package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
)

// tapChunk is a tap data event of relay "tap.sock → chat.sock" at t0+at.
func tapChunk(at time.Duration, text string) TapEvent {
	return TapEvent{Tap: "/tmp/sl/tap.sock → /tmp/sl/chat.sock", Event: tap.Event{
		Time: t0.Add(at), Conn: 1, Kind: tap.Data, Dir: tap.ClientToServer,
		Len: len(text), Data: []byte(text)}}
}

// late returns the fixture's packet i moved to t0+at, without its Index
// when noIndex is set (as from a source that does not number packets).
func late(i int, at time.Duration, noIndex bool) capture.Packet {
	p := conversation()[i-1]
	p.Time = t0.Add(at)
	if noIndex {
		p.Index = 0
	}
	return p
}

// listed returns the number and time of every row listed, in order.
func listed(m *Model) (nums []string, times []time.Time) {
	for i := 0; i < m.Len(); i++ {
		r := m.at(i)
		nums = append(nums, packetCell(m, r, 0))
		times = append(times, r.p.Time)
	}
	return nums, times
}

func TestRowsAreListedInTimeOrder(t *testing.T) {
	ms := time.Millisecond
	// As in a live run: the relay reports a chunk at once, and the
	// capture hands over a packet that happened before it in the next
	// frame's batch.
	batches := []Batch{
		{Packets: []capture.Packet{late(1, 0, false), late(2, 1*ms, false)}},
		{Taps: []TapEvent{tapChunk(10*ms, "a\n")}},
		{Packets: []capture.Packet{late(3, 8*ms, false), late(4, 12*ms, false)}},
		{Taps: []TapEvent{tapChunk(20*ms, "b\n"), tapChunk(30*ms, "c\n")}},
		{Packets: []capture.Packet{late(5, 15*ms, false), late(6, 25*ms, false), late(7, 40*ms, false)}},
	}
	apply := func(m *Model) {
		for i := range batches {
			m.Apply(&batches[i])
		}
	}

	t.Run("a packet that reaches the model after a later tap event is listed before it", func(t *testing.T) {
		m := NewModel(Options{ServerPorts: []int{3008}})
		apply(m)
		nums, times := listed(m)
		if !slices.IsSortedFunc(times, func(a, b time.Time) int { return a.Compare(b) }) {
			t.Errorf("rows out of time order: %v", nums)
		}
		want := "1 2 3 t1 4 5 t2 6 t3 7"
		if got := strings.Join(nums, " "); got != want {
			t.Errorf("rows %s, want %s", got, want)
		}
	})

	t.Run("tap rows and captured rows never share a number", func(t *testing.T) {
		for _, noIndex := range []bool{false, true} {
			m := NewModel(Options{ServerPorts: []int{3008}})
			m.AddTapEvents([]TapEvent{tapChunk(0, "x\n")})
			for i := 1; i <= 10; i++ {
				m.AddPackets([]capture.Packet{late(i, time.Duration(10*i)*ms, noIndex)})
				m.AddTapEvents([]TapEvent{tapChunk(time.Duration(10*i-5)*ms, "y\n")})
			}
			nums, _ := listed(m)
			seen := make(map[string]bool)
			for _, n := range nums {
				if seen[n] || strings.TrimLeft(n, "t") != strings.TrimPrefix(n, "t") {
					t.Errorf("without Index %v: number %q twice or malformed in %v", noIndex, n, nums)
				}
				seen[n] = true
			}
			if !seen["t11"] || !seen["10"] || len(nums) != 21 {
				t.Errorf("without Index %v: rows %v, want 1–10 and t1–t11", noIndex, nums)
			}
		}
	})

	t.Run("the selected row stays selected when a late row goes before it", func(t *testing.T) {
		m := NewModel(Options{ServerPorts: []int{3008}})
		m.Apply(&batches[0])
		m.Apply(&batches[1])
		m.selected, m.follow = m.at(2).seq, false // t1
		m.Apply(&batches[2])
		if r := m.selectedRow(); r == nil || packetCell(m, r, 0) != "t1" {
			t.Errorf("selected %v, want t1", r)
		}
	})

	t.Run("a filter lists late rows in their place", func(t *testing.T) {
		for _, f := range []string{"src port 3008", "tcp[tcpflags] & tcp-ack != 0", "len > 66"} {
			m := NewModel(Options{ServerPorts: []int{3008}})
			if err := m.SetFilter(f); err != nil {
				t.Fatal(err)
			}
			apply(m)
			nums, times := listed(m)
			if !slices.IsSortedFunc(times, func(a, b time.Time) int { return a.Compare(b) }) {
				t.Errorf("filter %q: rows out of time order: %v", f, nums)
			}
			// The same rows as filtering afterwards.
			m2 := NewModel(Options{ServerPorts: []int{3008}})
			apply(m2)
			m2.SetFilter(f)
			if nums2, _ := listed(m2); fmt.Sprint(nums2) != fmt.Sprint(nums) || len(nums) == 0 {
				t.Errorf("filter %q set before: %v, after: %v", f, nums, nums2)
			}
		}
	})

	t.Run("a row from another clock, beyond the window, is listed where it arrived", func(t *testing.T) {
		m := NewModel(Options{ServerPorts: []int{3008}})
		m.AddTapEvents([]TapEvent{tapChunk(time.Hour, "live\n")})
		m.AddPackets([]capture.Packet{late(1, 0, false)}) // a recording's packet
		if nums, _ := listed(m); fmt.Sprint(nums) != "[t1 1]" {
			t.Errorf("rows %v, want [t1 1]", nums)
		}
	})

	t.Run("a full ring keeps order and numbers", func(t *testing.T) {
		m := NewModel(Options{ServerPorts: []int{3008}, RingSize: 4})
		apply(m)
		if nums, _ := listed(m); fmt.Sprint(nums) != "[t2 6 t3 7]" {
			t.Errorf("rows %v, want the newest four: [t2 6 t3 7]", nums)
		}
	})
}
