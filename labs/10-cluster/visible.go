package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isControl reports whether r is a character that a terminal may obey
// instead of print: a C0 control (U+0000 to U+001F) other than tab,
// DEL (U+007F), a C1 control (U+0080 to U+009F), or a bidi control that
// reorders the text around it (U+202A to U+202E, U+2066 to U+2069).
//
// ESC (U+001B) starts the escape sequences that move the cursor, clear
// the screen, retitle the window or write to the clipboard; "\r" goes
// back to the start of the line, so that new text covers the old.
func isControl(r rune) bool {
	if r == '\t' {
		return false
	}
	return unicode.IsControl(r) ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// visible returns text as it is safe to show on a terminal: every
// control character but tab and newline is written out as Go writes it
// in a quoted string, as an escape that the terminal prints instead of
// obeying (ESC as \x1b, "\r" as \r, U+202E as \u202e), and so is every
// byte that is not UTF-8 (\xff). Everything else, accents and emoji
// included, is left as it is. A backslash is left alone too, so text
// that reads \x1b may have been typed that way.
func visible(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, text[i]) // not UTF-8
		case r == '\n' || !isControl(r):
			b.WriteString(text[i : i+size])
		default:
			q := strconv.QuoteRune(r) // '\x1b', with its quotes
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
