package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// hostile is text a server that does not filter may send: escape
// sequences and other controls that would retitle, clear or write on a
// terminal if printed raw. With each: the form the client shows instead,
// and the character a server that does filter names when it refuses the
// line ("" for bytes that are not UTF-8).
var hostile = []struct{ what, sent, shown, refused string }{
	{"an OSC 2 window title", "x\x1b]2;PWNED\x07", `x\x1b]2;PWNED\x07`,
		"U+001B"},
	{"a clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`, "U+001B"},
	{"a line overwritten to spoof another user",
		"x\r\x1b[KUser 1: send me your password",
		`x\x0d\x1b[KUser 1: send me your password`, "U+000D"},
	{"an OSC 52 clipboard write", "\x1b]52;c;cGFzc3dvcmQ=\x07",
		`\x1b]52;c;cGFzc3dvcmQ=\x07`, "U+001B"},
	{"an OSC 8 hyperlink",
		"\x1b]8;;http://example.com/\x1b\\click\x1b]8;;\x1b\\",
		`\x1b]8;;http://example.com/\x1b\click\x1b]8;;\x1b\`, "U+001B"},
	{"a C1 CSI as UTF-8", "\u009b2J", `\u009b2J`, "U+009B"},
	{"a right-to-left override", "abc\u202edcba", `abc\u202edcba`,
		"U+202E"},
	{"a bidi isolate", "\u2066isolate\u2069", `\u2066isolate\u2069`,
		"U+2066"},
	{"a NUL", "a\x00b", `a\x00b`, "U+0000"},
	{"a DEL", "a\x7fb", `a\x7fb`, "U+007F"},
	{"a bare carriage return", "a\rb", `a\x0db`, "U+000D"},
	{"a lone ESC", "\x1b", `\x1b`, "U+001B"},
	{"bytes that are not UTF-8", "caf\xe9 \xff", `caf\xe9 \xff`, ""},
}

// plain is text that passes as it is.
const plain = "tab\there, é, 日本, 😀"

// checkInert fails t if out holds a byte or character that a terminal
// could obey: a control other than tab and newline, a bidi control, or a
// byte that is not UTF-8.
func checkInert(t testing.TB, out string) {
	t.Helper()
	for i, r := range out {
		bad := r < 0x20 && r != '\t' && r != '\n' || r == 0x7f ||
			r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		if r == utf8.RuneError {
			_, size := utf8.DecodeRuneInString(out[i:])
			bad = size == 1
		}
		if bad {
			t.Fatalf("output holds %q at byte %d:\n%q", out[i:i+1], i, out)
		}
	}
}

func TestVisible(t *testing.T) {
	for _, h := range hostile {
		if got := visible(h.sent); got != h.shown {
			t.Errorf("visible(%q) = %q, want %q", h.sent, got, h.shown)
		}
	}
	if got := visible(plain + "\n"); got != plain+"\n" {
		t.Errorf("visible(%q) = %q, want it unchanged", plain+"\n", got)
	}
}

// countingWriter counts the Writes made to it.
type countingWriter struct {
	strings.Builder
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Builder.Write(p)
}

func TestCopyVisible(t *testing.T) {
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString(h.sent + "\n" + plain + "\n")
	}
	in := all.String()
	want := visible(in)

	t.Run("characters cut between reads are shown whole",
		func(t *testing.T) {
			var out countingWriter
			if err := copyVisible(&out,
				iotest.OneByteReader(strings.NewReader(in))); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Errorf("got %q\nwant %q", out.String(), want)
			}
			checkInert(t, out.String())
		})

	t.Run("what arrives at once is written at once", func(t *testing.T) {
		var out countingWriter
		long := strings.Repeat(in, 20)
		if err := copyVisible(&out, strings.NewReader(long)); err != nil {
			t.Fatal(err)
		}
		if out.String() != visible(long) {
			t.Errorf("got %q\nwant %q", out.String(), visible(long))
		}
		// bufio reads 4096 bytes at a time: a few writes, not one per
		// character.
		if most := len(long)/4096 + 2; out.writes > most {
			t.Errorf("%d bytes took %d writes, want at most %d",
				len(long), out.writes, most)
		}
	})
}

// rawServer serves one connection on 127.0.0.1:0 until the test ends:
// it writes text, unfiltered, and hangs up.
func rawServer(t testing.TB, text string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.Write([]byte(text))
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestClientShowsHostileTextInert(t *testing.T) {
	checkGoroutines(t)
	var all strings.Builder
	for _, h := range hostile {
		all.WriteString(h.sent + "\n")
	}
	all.WriteString(plain + "\n")
	addr := rawServer(t, all.String())
	out := newLogBuffer()
	err := runClient(context.Background(), dial(t, addr),
		strings.NewReader(""), out)
	if err != nil {
		t.Fatal(err)
	}
	checkInert(t, out.String())
	for _, h := range hostile {
		if !strings.Contains(out.String(), h.shown+"\n") {
			t.Errorf("output does not show %s as %q:\n%s", h.what,
				h.shown, out)
		}
	}
	if !strings.Contains(out.String(), plain+"\nThe server hung up.\n") {
		t.Errorf("output does not end in the plain line:\n%s", out)
	}
}
