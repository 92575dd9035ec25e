package sockets

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// randomTable returns n sockets drawn from a few ports, states, paths and
// addresses, so that many rows tie on every sort key; RecvQ holds each
// row's position, which no key looks at.
func randomTable(n int) []Socket {
	r := rand.New(rand.NewPCG(1, 2))
	states := []string{"LISTEN", "ESTABLISHED", "TIME_WAIT", "SYN_RECV", "CLOSE_WAIT"}
	ss := make([]Socket, n)
	for i := range ss {
		s := Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 3000 + r.IntN(3),
			RemoteAddr: "127.0.0.1", RemotePort: 50000 + r.IntN(4),
			State: states[r.IntN(len(states))], Inode: uint64(r.IntN(3)), RecvQ: i}
		if r.IntN(3) == 0 {
			s = Socket{Kind: Unix, Family: "unix", Type: "stream", State: "ESTABLISHED",
				Inode: uint64(1000 + i), PeerInode: uint64(1000 + r.IntN(n)), RecvQ: i}
			if r.IntN(2) == 0 {
				s.Path = "/tmp/s" + strconv.Itoa(r.IntN(3)) + ".sock"
			}
		}
		ss[i] = s
	}
	return ss
}

func TestSortIsStable(t *testing.T) {
	ss := randomTable(2000)
	Sort(ss)
	t.Run("rows that tie on every key keep their order", func(t *testing.T) {
		for i := 1; i < len(ss); i++ {
			a, b := ss[i-1], ss[i]
			a.RecvQ, b.RecvQ = 0, 0
			if a == b && ss[i-1].RecvQ > ss[i].RecvQ {
				t.Fatalf("rows %d and %d tie but are swapped: %+v, %+v", i-1, i, ss[i-1], ss[i])
			}
		}
	})
	t.Run("sorting again changes nothing", func(t *testing.T) {
		again := slices.Clone(ss)
		Sort(again)
		if !slices.Equal(again, ss) {
			t.Error("a second Sort moved rows")
		}
	})
	t.Run("no row is lost or doubled", func(t *testing.T) {
		seen := make([]bool, len(ss))
		for _, s := range ss {
			if seen[s.RecvQ] {
				t.Fatalf("row %d appears twice", s.RecvQ)
			}
			seen[s.RecvQ] = true
		}
	})
}

// BenchmarkSort sorts a table of 3,000 rows.
//
//	go test -run '^$' -bench Sort -benchmem ./inspect/sockets
func BenchmarkSort(b *testing.B) {
	table := randomTable(3000)
	ss := make([]Socket, len(table))
	for b.Loop() {
		copy(ss, table)
		Sort(ss)
	}
}
