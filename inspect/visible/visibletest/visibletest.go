// Package visibletest holds what the tests of several packages share to
// check that hostile text is shown literally: a corpus of tview tags and
// terminal escapes, and helpers that read a simulation screen back.
package visibletest

import (
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
)

// Corpus is text a mischievous peer might send or choose as a name:
// every form of tview tag (colours, attributes, regions, hyperlinks,
// resets, escaped tags, odd brackets, a tag cut by a newline) and
// terminal escapes (ESC sequences, OSC 8 links, OSC 52 clipboard writes,
// a CSI made of the C1 control U+009B, bidi overrides, NUL, DEL, a
// carriage return), with invalid UTF-8, combining marks and wide runes.
var Corpus = []string{
	// Style tags.
	"[red]", "[#ff0000]", "[red:blue:bu]", "[::b]", "[-]", "[:-]", "[::-]",
	"[-:-:-]", "[:]", "[::]", "[white:red:b]alert[-:-:-] over",
	"[yellow:#000000]warning[-]", "[a:b:c:d]", "[::u]x[::U]", "[::lrs]",
	"[red::]", "[0red]", "[ red ]",
	// Regions.
	`["a"]`, `[""]`, `["region 1"]text[""]`, `["a]`,
	// Hyperlinks.
	"[:::https://x]", "[:::-]",
	"click [:::https://example.invalid/x]HERE[:::-] now",
	"[::b:https://example.invalid/?a=[1]]bold link[:::-]",
	// Escaped tags and odd brackets.
	"[red[]", "[red[[]", "[[red]]", "[", "]", "[]", "[[]", "[]]", "][",
	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	"[[[[[[red]]]]]]", "[[[[[[[[[[[[[[[[]", "[-[[]", `["a"[]`,
	"end with [", "end with [red", "x[::b", "[red]]", "[ [red] ]",
	// Tags cut by a newline.
	"[red\n]x", "[\nred]", "[::\nb]", "first [red\nsecond]",
	// Terminal escapes.
	"\x1b[31mred\x1b[0m", "\x1b[2J\x1b[H", "\x1b]0;title\a",
	"\x1b]8;;https://example.invalid/\x1b\\link\x1b]8;;\x1b\\",
	"\x1b]52;c;aGVsbG8=\a", "\u009b31mC1 CSI\u009b0m", "\u009d0;title\u009c",
	"\u0085next line", "evil\u202etxt.exe", "\u2066isolated\u2069",
	"\u202a\u202b\u202c\u202d\u202e\u2067\u2068", "nul\x00byte", "del\x7f",
	"line1\rline2", "tab\there", "bell\a", "back\bspace", "\x1bc",
	// Text that must keep its exact form.
	"\xff\xfe not UTF-8", "cut \xe2\x82", "\u0301leading mark", "a\u0301 marked",
	"wide 你好世界 text", "emoji 😀 and flag 🇫🇷", "zero\u200bwidth",
	`\x1b is four characters`, "line\u2028separator", "nb\u00a0sp",
	"ൎ[red]", "[\u0301", "[[\u0301", "\u200d[red]", "a\U000e0041tag",
	"\\", "\\[red]", "tail\n", "two\nlines\n",
}

// Row returns the text of w cells of row y from x, as the screen holds
// it: each cell's runes, with the cell a wide character covers skipped.
func Row(s tcell.Screen, x, y, w int) string {
	var b []rune
	for end := x + w; x < end; {
		r, comb, _, width := s.GetContent(x, y)
		b = append(append(b, r), comb...)
		x += max(width, 1)
	}
	return string(b)
}

// ControlCell returns the first cell of s, left to right and top to
// bottom, that holds a rune a terminal would not show as itself: a
// control, a format character such as a bidi override, a separator
// other than ' ', or an invalid rune. tcell reads a cell that holds
// only a zero-width rune, such as a lone ESC, back as a space (and
// tview skips such runes): text that loses them is caught by comparing
// what Row reads with what should be there.
func ControlCell(s tcell.Screen) (x, y int, r rune, ok bool) {
	w, h := s.Size()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			main, comb, _, _ := s.GetContent(x, y)
			for _, r := range append([]rune{main}, comb...) {
				if Hidden(r) {
					return x, y, r, true
				}
			}
		}
	}
	return 0, 0, 0, false
}

// ControlByte returns the first rune of output b, a program's output
// made of lines, that a terminal would not show as itself: one that
// Hidden reports, or a byte that is not valid UTF-8 (returned as
// utf8.RuneError). Newlines and tabs are allowed.
func ControlByte(b []byte) (i int, r rune, ok bool) {
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || r != '\n' && r != '\t' && Hidden(r) {
			return i, r, true
		}
		i += n
	}
	return 0, 0, false
}

// Hidden reports whether a terminal would not show r as itself.
func Hidden(r rune) bool {
	return r != ' ' && !unicode.IsPrint(r) || !utf8.ValidRune(r)
}
