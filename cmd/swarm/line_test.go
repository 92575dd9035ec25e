package main

import (
	"bytes"
	"fmt"
	"testing"
)

func TestCodec(t *testing.T) {
	c := newCodec(0xabc123, 100)
	t.Run("a line has the exact size and reads back", func(t *testing.T) {
		line := c.appendLine(nil, 7, 123456, 987654321)
		if len(line) != 100 || line[99] != '\n' {
			t.Fatalf("line %q is %d bytes, want 100 ending in a newline",
				line, len(line))
		}
		k, from, seq, ts := c.parse(line[:99])
		if k != kindLine || from != 7 || seq != 123456 || ts != 987654321 {
			t.Errorf("parse = %v %d %d %d, want line 7 123456 987654321",
				k, from, seq, ts)
		}
	})
	t.Run("a probe reads back as a probe from its client", func(t *testing.T) {
		line := c.appendLine(nil, -1-42, 3, 5)
		k, from, seq, _ := c.parse(line[:len(line)-1])
		if k != kindProbe || from != 42 || seq != 3 {
			t.Errorf("parse = %v %d %d, want probe 42 3", k, from, seq)
		}
	})
	t.Run("every changed byte is caught", func(t *testing.T) {
		line := c.appendLine(nil, 2, 99, 1234)
		p := line[:len(line)-1]
		for i := range p {
			for _, flip := range []byte{1, 0x20, 0x80} {
				bad := bytes.Clone(p)
				bad[i] ^= flip
				if k, _, _, _ := c.parse(bad); k == kindLine {
					t.Fatalf("byte %d ^ %#x: %q still parses as a line",
						i, flip, bad)
				}
			}
		}
	})
	t.Run("a cut or lengthened line is corrupt", func(t *testing.T) {
		p := c.appendLine(nil, 2, 99, 1234)
		p = p[:len(p)-1]
		for _, bad := range [][]byte{p[:len(p)-1], append(bytes.Clone(p), 'a'),
			p[:20]} {
			if k, _, _, _ := c.parse(bad); k != kindCorrupt {
				t.Errorf("%q parses as %v, want corrupt", bad, k)
			}
		}
	})
	t.Run("another run's or a person's line is foreign", func(t *testing.T) {
		other := newCodec(0x123456, 100).appendLine(nil, 2, 99, 1234)
		for _, p := range [][]byte{other[:99], []byte("hello"), nil} {
			if k, _, _, _ := c.parse(p); k != kindForeign {
				t.Errorf("%q parses as %v, want foreign", p, k)
			}
		}
	})
}

func TestHandle(t *testing.T) {
	s := newSwarm(config{clients: 3, senders: 2, size: 80})
	c := &client{id: 2, sender: -1, next: make([]uint32, 2)}
	feed := func(format string, a ...any) {
		c.handle(s, fmt.Appendf(nil, format, a...))
	}
	line := func(from, seq int) []byte {
		l := s.codec.appendLine(nil, from, seq, s.now())
		return l[:len(l)-1]
	}
	feed("Welcome to the chat, you are User 3!\n")
	feed("User 1 joined! (tcp)\n")
	feed("User 1 left!\r\n")
	feed("error: line too long (limit 4096 bytes), dropped\n")
	feed("User 1: %s\n", line(0, 0))
	feed("User 1: %s\n", line(0, 1))
	feed("User 1: %s\n", line(0, 1)) // again
	feed("User 1: %s\n", line(0, 4)) // 2 and 3 lost
	feed("User 2: %s\r\n", line(1, 0))
	feed("User 2: hello\n")
	feed("Usr 2: %s\n", line(1, 1))
	bad := line(1, 1)
	bad[len(bad)-3] ^= 1
	feed("User 2: %s\n", bad)
	got := fmt.Sprintf("recv %d accounted %d gaps %d dups %d corrupt %d "+
		"foreign %d unknown %d notices %d errors %d",
		c.recv.Load(), c.accounted.Load(), c.gaps, c.dups, c.corrupt,
		c.foreign, c.unknown, c.notices, c.serverErrors)
	want := "recv 4 accounted 6 gaps 2 dups 1 corrupt 1 " +
		"foreign 1 unknown 1 notices 3 errors 1"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// BenchmarkHandle measures the reader's work for one 128-byte line.
func BenchmarkHandle(b *testing.B) {
	s := newSwarm(config{clients: 2, senders: 1, size: 128})
	c := &client{id: 1, sender: -1, next: make([]uint32, 1)}
	lines := make([][]byte, 1024)
	for i := range lines {
		l := s.codec.appendLine(nil, 0, i, s.now())
		lines[i] = append([]byte("User 1: "), l...)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(lines[0])))
	for i := 0; b.Loop(); i++ {
		if i%len(lines) == 0 {
			c.next[0] = 0
		}
		c.handle(s, lines[i%len(lines)])
	}
}
