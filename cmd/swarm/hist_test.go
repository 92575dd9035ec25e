package main

import (
	"math"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	t.Run("quantiles are within 2% of the exact ones", func(t *testing.T) {
		var h histogram
		// 1 µs ... 100 ms in 100,000 even steps.
		for i := 1; i <= 100_000; i++ {
			h.record(i, int64(i)*1000)
		}
		l := h.summary()
		for _, c := range []struct {
			name      string
			got, want time.Duration
		}{
			{"p50", l.p50, 50 * time.Millisecond},
			{"p99", l.p99, 99 * time.Millisecond},
			{"max", l.max, 100 * time.Millisecond},
		} {
			if e := math.Abs(float64(c.got-c.want)) / float64(c.want); e > 0.02 {
				t.Errorf("%s = %v, want %v ± 2%%", c.name, c.got, c.want)
			}
		}
		if l.count != 100_000 {
			t.Errorf("count %d, want 100000", l.count)
		}
	})
	t.Run("every bucket holds the values that map to it", func(t *testing.T) {
		for _, v := range []int64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 30,
			1<<42 - 1} {
			b := bucketOf(v)
			if b < 0 || b >= numBuckets {
				t.Fatalf("bucketOf(%d) = %d, out of range", v, b)
			}
			mid := bucketMid(b)
			if e := math.Abs(float64(mid-v)) / float64(max(v, 1)); e > 0.016 &&
				mid-v > 1 {
				t.Errorf("value %d: bucket %d middle %d, off by %.1f%%",
					v, b, mid, 100*e)
			}
		}
		if b := bucketOf(math.MaxInt64); b != numBuckets-1 {
			t.Errorf("bucketOf(max) = %d, want the top bucket", b)
		}
		if b := bucketOf(-5); b != 0 {
			t.Errorf("bucketOf(-5) = %d, want 0", b)
		}
	})
	t.Run("an empty histogram summarises to zero", func(t *testing.T) {
		var h histogram
		if l := h.summary(); l != (latencies{}) {
			t.Errorf("summary = %+v, want zero", l)
		}
	})
}

func BenchmarkRecord(b *testing.B) {
	var h histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.record(i, int64(i&0xfffff)*100)
	}
}
