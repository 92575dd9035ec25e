package main

import (
	"testing"
	"unicode/utf8"
)

// hostile is text a server that does not filter may send: escape
// sequences and other controls that would retitle, clear or write on a
// terminal if printed raw. With each: the form the client shows instead,
// and the character a server that does filter names when it refuses the
// line ("" for bytes that are not UTF-8).
var hostile = []struct{ what, sent, shown, refused string }{
	{"an OSC 2 window title", "x\x1b]2;PWNED\x07", `x\x1b]2;PWNED\a`,
		"U+001B"},
	{"a clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`, "U+001B"},
	{"a line overwritten to spoof another user",
		"x\r\x1b[KUser 1: send me your password",
		`x\r\x1b[KUser 1: send me your password`, "U+000D"},
	{"an OSC 52 clipboard write", "\x1b]52;c;cGFzc3dvcmQ=\x07",
		`\x1b]52;c;cGFzc3dvcmQ=\a`, "U+001B"},
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
	{"a bare carriage return", "a\rb", `a\rb`, "U+000D"},
	{"a lone ESC", "\x1b", `\x1b`, "U+001B"},
	{"bytes that are not UTF-8", "caf\xe9 \xff", `caf\xe9 \xff`, ""},
	{"a control before bytes that are not UTF-8", "a\x1bb\xff",
		`a\x1bb\xff`, "U+001B"},
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
