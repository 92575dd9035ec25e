package app

import (
	"bytes"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
)

func TestStore(t *testing.T) {
	ps, _, _ := readAll(t, recording)
	t.Run("it keeps the newest packets, frames and payloads whole", func(t *testing.T) {
		s := newStore(5, DefaultStoreBytes)
		for i := range ps {
			s.add(&ps[i])
		}
		kept, added := s.packets()
		if added != uint64(len(ps)) || len(kept) != 5 {
			t.Fatalf("kept %d of %d added, want the newest 5 of %d", len(kept), added, len(ps))
		}
		for i, p := range kept {
			want := ps[len(ps)-5+i]
			if !bytes.Equal(p.Frame, want.Frame) || !bytes.Equal(p.Payload, want.Payload) || p.Seq != want.Seq {
				t.Errorf("packet %d kept differs from the one added", i)
			}
		}
	})
	t.Run("it keeps no more bytes than its bound", func(t *testing.T) {
		big := ps[3] // a packet with a payload
		big.Frame = append(bytes.Repeat([]byte{0}, 60000), big.Frame...)
		big.Payload = big.Frame[len(big.Frame)-len(ps[3].Payload):]
		s := newStore(100, 200_000)
		for range 10 {
			s.add(&big)
		}
		kept, added := s.packets()
		if added != 10 || len(kept) != 3 {
			t.Errorf("kept %d of %d packets of 60 KB in 200 KB, want 3", len(kept), added)
		}
		if s.bytes > 200_000 {
			t.Errorf("holds %d bytes, bound 200000", s.bytes)
		}
		if !bytes.Equal(kept[2].Payload, ps[3].Payload) {
			t.Errorf("payload %q, want %q", kept[2].Payload, ps[3].Payload)
		}
	})
	t.Run("the flusher takes each packet once and learns what it missed", func(t *testing.T) {
		s := newStore(4, DefaultStoreBytes)
		var scratch []capture.Packet
		var buf []byte
		var took []uint64
		each := func(p *capture.Packet) { took = append(took, p.Index) }
		for i := range 2 {
			s.add(&ps[i])
		}
		if lost := s.take(0, &scratch, &buf, each); lost != 0 || len(took) != 2 {
			t.Fatalf("took %v, lost %d; want 2 packets and none lost", took, lost)
		}
		for i := 2; i < 9; i++ {
			s.add(&ps[i])
		}
		took = nil
		lost := s.take(0, &scratch, &buf, each)
		if lost != 3 || len(took) != 4 || took[0] != ps[5].Index || took[3] != ps[8].Index {
			t.Errorf("took %v, lost %d; want #%d..#%d and 3 lost", took, lost, ps[5].Index, ps[8].Index)
		}
		if s.take(0, &scratch, &buf, each); len(took) != 4 {
			t.Errorf("took %v again", took)
		}
	})
}
