package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// The latency histogram is log-linear, like an HDR histogram: values
// below 2^subBits nanoseconds get a bucket each, and every power of two
// above is split into 2^subBits equal buckets, so a bucket is never
// wider than 1/64 (1.6%) of its values. Memory is fixed whatever the
// number of samples.
const (
	subBits    = 6
	subCount   = 1 << subBits
	maxExp     = 42 // values of 2^42 ns (73 minutes) and more share the top bucket
	numBuckets = (maxExp - subBits + 2) * subCount
	histShards = 32
)

// histogram counts latencies. Clients record into shard id%histShards
// with atomic adds, so two cores rarely touch the same cache line.
type histogram struct {
	shards [histShards]histShard
}

type histShard struct {
	counts [numBuckets]atomic.Uint64
	max    atomic.Int64
}

func bucketOf(v int64) int {
	if v < subCount {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - subBits - 1 // v>>e is in [64, 128)
	if e > maxExp-subBits {
		return numBuckets - 1
	}
	return (e+1)*subCount + int(v>>e) - subCount
}

// bucketMid returns the middle of bucket i's range of values.
func bucketMid(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := i/subCount - 1
	low := int64(i%subCount+subCount) << e
	return low + (int64(1)<<e)/2
}

// record adds one latency of v nanoseconds; it may be called from any
// goroutine.
func (h *histogram) record(shard int, v int64) {
	s := &h.shards[shard%histShards]
	s.counts[bucketOf(v)].Add(1)
	for {
		m := s.max.Load()
		if v <= m || s.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// latencies summarises a histogram.
type latencies struct {
	count         uint64
	p50, p99, max time.Duration
}

// summary merges the shards. It may run while others record.
func (h *histogram) summary() latencies {
	var merged [numBuckets]uint64
	var l latencies
	for i := range h.shards {
		s := &h.shards[i]
		for b := range s.counts {
			n := s.counts[b].Load()
			merged[b] += n
			l.count += n
		}
		l.max = max(l.max, time.Duration(s.max.Load()))
	}
	if l.count == 0 {
		return l
	}
	l.p50 = min(quantile(&merged, l.count, 0.50), l.max)
	l.p99 = min(quantile(&merged, l.count, 0.99), l.max)
	return l
}

func quantile(m *[numBuckets]uint64, total uint64, q float64) time.Duration {
	rank := uint64(q*float64(total-1)) + 1
	var seen uint64
	for b, n := range m {
		seen += n
		if seen >= rank {
			return time.Duration(bucketMid(b))
		}
	}
	return 0
}
