package demo

import (
	"slices"
	"testing"
)

func markInt(v int, n uint64) int { return v + 1000*int(n) }

func drain(ch <-chan int) []int {
	var out []int
	for v := range ch {
		out = append(out, v)
	}
	return out
}

func TestFeed(t *testing.T) {
	t.Run("a late subscriber gets the newest values first", func(t *testing.T) {
		f := newFeed(3, markInt)
		for v := range 5 {
			f.publish(v)
		}
		ch := f.subscribe(10)
		f.publish(5)
		f.close()
		if got, want := drain(ch), []int{2, 3, 4, 5}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("replay is cut to the channel's room", func(t *testing.T) {
		f := newFeed(10, markInt)
		for v := range 5 {
			f.publish(v)
		}
		ch := f.subscribe(2)
		f.close()
		if got, want := drain(ch), []int{3, 4}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("a full subscriber loses values and is told how many", func(t *testing.T) {
		f := newFeed(0, markInt)
		ch := f.subscribe(2)
		for v := range 5 {
			f.publish(v) // 2, 3 and 4 find the channel full
		}
		<-ch
		<-ch
		f.publish(5)
		f.close()
		if got, want := drain(ch), []int{3005}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})

	t.Run("subscribing after close gives the history and a closed channel", func(t *testing.T) {
		f := newFeed(4, markInt)
		f.publish(1)
		f.close()
		f.publish(2) // ignored
		f.close()    // harmless
		if got, want := drain(f.subscribe(4)), []int{1}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}
