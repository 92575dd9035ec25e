// Package visible shows text that came from outside the program
// literally: a chat line, a socket path, a process name, a file name.
// Such text may hold bytes a terminal acts on instead of showing (ESC
// starts a sequence that moves the cursor, sets the window title, writes
// the clipboard or makes a link), characters that hide or reorder what
// follows (bidi controls, zero-width marks), or bytes that are not UTF-8
// at all. This package turns each of them into a visible escape, written
// as Go writes it inside a string literal (ESC as \x1b, U+202E as
// \u202e, a stray byte as \xff), and leaves everything else alone.
//
// The result is exactly what a Go string literal holds between its
// quotes (apart from '"', which is left as it is), so it can be decoded
// again, and two different texts never look the same.
//
// String is for plain terminal output, Quote for the same between
// double quotes, Lines for a message whose line breaks are its layout,
// Message for one whose names were made visible already, and Tview and
// TviewLines for the terminal UI, whose text primitives
// would otherwise read square brackets as style, region and hyperlink
// tags.
//
// JSON has no way to hold a byte that is not UTF-8: encoding/json
// writes U+FFFD for each, so that two different names would read the
// same. Text from outside goes into JSON as String writes it, which is
// printable, keeps the two apart and decodes back as a Go string
// literal's body does.
//
// All functions may be called from any goroutine.
package visible

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// String returns s with every character that a terminal would not show
// as itself replaced by its escape: the C0 controls and DEL as \t, \n,
// \r, \x1b and so on, a backslash as \\, each byte that is not part of
// valid UTF-8 as \xff, and as \u009b or \U000e0001 every other rune that
// is not printable (the C1 controls, the bidi controls such as \u202e,
// other format characters such as the zero-width space, line and
// paragraph separators, spaces other than ' ', private and unassigned
// code points). A combining mark is shown as itself only after a
// character shown as itself, which it joins; at the start, or after an
// escape, it would join nothing or the escape, so it is escaped too. So
// is a rune that joins the character after it (a grapheme prepend).
//
// Each escape takes more cells than the character it stands for, so
// measure the result, not s.
func String(s string) string {
	if plain(s) {
		return s
	}
	return string(appendVisible(make([]byte, 0, len(s)+16), s, asString))
}

// Lines is String for text laid out in lines, such as a multi-line error
// message: it keeps each '\n' and '\t' as it is and escapes everything
// else as String does.
func Lines(s string) string {
	if plain(s) {
		return s
	}
	return string(appendVisible(make([]byte, 0, len(s)+16), s, asLines))
}

// Message is Lines for a message of the program's own making whose
// names were made visible where they were put in (String, Quote): it
// keeps each '\n', '\t' and backslash as it is, so that no name is
// escaped twice, and escapes everything else as String does, so that a
// control character from text that was not made visible never reaches
// the terminal. Unlike String's, its result may be read two ways: a
// backslash in it may be an escape or a backslash.
func Message(s string) string {
	if plain(s) {
		return s
	}
	return string(appendVisible(make([]byte, 0, len(s)+16), s, asMessage))
}

// Quote returns String(s) between double quotes, with each '"' in it
// escaped as \": a Go string literal that strconv.Unquote reads back as
// s. It stands where a program would print %q.
func Quote(s string) string {
	v := String(s)
	if strings.IndexByte(v, '"') < 0 {
		return `"` + v + `"`
	}
	return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
}

// Tview returns String(s) written for tview's text primitives (Print,
// TextView with dynamic colours, Table cells, titles), so that they show
// exactly String(s) and interpret nothing in it.
//
// tview reads a tag wherever '[' starts something its tag parser accepts
// ("[red]", "[::b]", "[\"a\"]", "[:::https://x]") and swallows a '['
// of an escaped tag ("[red[]" shows "[red]"). Tview follows every '['
// that is followed by an ASCII character, or by nothing, with the empty
// tag "[:]", which changes no colour, attribute, link or region. Then
// every '[' in the result is followed by '[', by ':' of an empty tag, or
// by a non-ASCII character, and none of those can start a tag; no '['
// is ever directly followed by ']', which an escaped tag needs. So the
// result is safe however it is cut into lines and wherever it is put
// between tags of the caller's own. A '[' followed by a non-ASCII
// character is left alone, since that character may join the '[' in
// one grapheme cluster, which tview would split around a tag.
//
// The result has no line breaks: split text into lines first and call
// Tview on each. Use it only where tview parses tags; a TextView without
// dynamic colours prints tags as they are, so use String there.
func Tview(s string) string {
	v := String(s)
	n := strings.Count(v, "[")
	if n == 0 {
		return v
	}
	b := make([]byte, 0, len(v)+3*n)
	for i := 0; i < len(v); i++ {
		b = append(b, v[i])
		if v[i] == '[' && (i+1 == len(v) || v[i+1] < utf8.RuneSelf) {
			b = append(b, "[:]"...)
		}
	}
	return string(b)
}

// TviewLines is Tview for text laid out in lines, such as a hint in the
// terminal UI: each line of s goes through Tview and the lines are
// joined by '\n' again. Unlike Lines it escapes '\t', which tview would
// not show either.
func TviewLines(s string) string {
	if strings.IndexByte(s, '\n') < 0 {
		return Tview(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Tview(l)
	}
	return strings.Join(lines, "\n")
}

// plain reports whether s is printable ASCII without a backslash, which
// every function returns as it is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '\\' {
			return false
		}
	}
	return true
}

// How appendVisible treats the line breaks, tabs and backslashes of the
// text: String escapes them, Lines keeps the first two, Message all
// three.
const (
	asString = iota
	asLines
	asMessage
)

// appendVisible appends the visible form of s to dst, as String, Lines
// or Message (mode) writes it.
func appendVisible(dst []byte, s string, mode int) []byte {
	// shown says that the last character was shown as itself, so that a
	// combining mark may follow it.
	shown := false
	// quiet is the run of runes around the last one looked up in which
	// no rune can join another: text in one script stays inside it.
	quiet := runeRange{1, 0}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case mode != asString && (c == '\n' || c == '\t'):
				dst, shown = append(dst, c), false
			case c >= ' ' && c <= '~' && (c != '\\' || mode == asMessage):
				dst, shown = append(dst, c), true
			default:
				dst, shown = appendEscape(dst, rune(c)), false
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = appendHex(append(dst, `\x`...), uint32(c), 2)
			shown = false
		case !unicode.IsPrint(r) || (r < quiet.lo || r > quiet.hi) && joins(r, shown, &quiet):
			dst, shown = appendEscape(dst, r), false
		default:
			dst, shown = append(dst, s[i:i+n]...), true
		}
		i += n
	}
	return dst
}

// joins reports whether r, though printable, cannot stand where it is: a
// rune with no width of its own (a combining mark, an emoji modifier)
// that does not follow a character shown as itself, or a rune that
// joins the character after it. When r is none of those anywhere, it
// sets quiet to the run of runes around r that are none of those either.
func joins(r rune, shown bool, quiet *runeRange) bool {
	// Only the runes of mayJoin can be either: ask uniseg about those
	// alone.
	i, found := slices.BinarySearchFunc(mayJoin, r, func(x runeRange, r rune) int {
		switch {
		case x.hi < r:
			return -1
		case x.lo > r:
			return 1
		}
		return 0
	})
	if !found {
		quiet.lo, quiet.hi = 0, unicode.MaxRune
		if i > 0 {
			quiet.lo = mayJoin[i-1].hi + 1
		}
		if i < len(mayJoin) {
			quiet.hi = mayJoin[i].lo - 1
		}
		return false
	}
	var b [utf8.UTFMax + 1]byte
	n := utf8.EncodeRune(b[:], r)
	b[n] = 'a'
	cluster, _, width, _ := uniseg.FirstGraphemeCluster(b[:n+1], -1)
	return width == 0 && !shown || len(cluster) > n
}

// runeRange is the runes from lo to hi, both included.
type runeRange struct{ lo, hi rune }

// mayJoin lists, in order, the printable runes that may join another in
// one grapheme cluster: the marks, the runes that extend the cluster
// before them without being marks (Other_Grapheme_Extend: certain vowel
// signs and the halfwidth voicing marks), and joiners. Format
// characters are not in it, since String escapes every rune that is not
// printable first.
var mayJoin = merge(unicode.M, unicode.Other_Grapheme_Extend, joiners)

// joiners holds the other printable runes that may join another: the
// emoji modifiers, which extend the character before them, and the
// runes of the grapheme cluster class Prepend, which join the character
// after them. (The other runes of that class are format characters.)
var joiners = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x0d4e, Hi: 0x0d4e, Stride: 1}, // MALAYALAM LETTER DOT REPH
	},
	R32: []unicode.Range32{
		{Lo: 0x111c2, Hi: 0x111c3, Stride: 1}, // SHARADA SIGN JIHVAMULIYA, UPADHMANIYA
		{Lo: 0x1193f, Hi: 0x1193f, Stride: 1}, // DIVES AKURU PREFIXED NASAL SIGN
		{Lo: 0x11941, Hi: 0x11941, Stride: 1}, // DIVES AKURU INITIAL RA
		{Lo: 0x11a3a, Hi: 0x11a3a, Stride: 1}, // ZANABAZAR SQUARE CLUSTER-INITIAL LETTER RA
		{Lo: 0x11a84, Hi: 0x11a89, Stride: 1}, // SOYOMBO SIGN JIHVAMULIYA .. CLUSTER-INITIAL LETTER SA
		{Lo: 0x11d46, Hi: 0x11d46, Stride: 1}, // MASARAM GONDI REPHA
		{Lo: 0x11f02, Hi: 0x11f02, Stride: 1}, // KAWI SIGN REPHA
		{Lo: 0x1f3fb, Hi: 0x1f3ff, Stride: 1}, // EMOJI MODIFIER FITZPATRICK TYPE-1-2 .. TYPE-6
	},
}

// merge returns the runes of the tables as ranges, in order, with
// neighbouring and overlapping ranges made one.
func merge(tables ...*unicode.RangeTable) []runeRange {
	var rs []runeRange
	add := func(lo, hi, stride uint32) {
		if stride == 1 {
			rs = append(rs, runeRange{rune(lo), rune(hi)})
			return
		}
		for r := lo; r <= hi; r += stride {
			rs = append(rs, runeRange{rune(r), rune(r)})
		}
	}
	for _, t := range tables {
		for _, r := range t.R16 {
			add(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
		}
		for _, r := range t.R32 {
			add(r.Lo, r.Hi, r.Stride)
		}
	}
	slices.SortFunc(rs, func(a, b runeRange) int { return int(a.lo - b.lo) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// appendEscape appends the escape of r as a Go string literal writes it.
func appendEscape(dst []byte, r rune) []byte {
	switch r {
	case '\a':
		return append(dst, `\a`...)
	case '\b':
		return append(dst, `\b`...)
	case '\f':
		return append(dst, `\f`...)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	case '\v':
		return append(dst, `\v`...)
	case '\\':
		return append(dst, `\\`...)
	}
	switch {
	case r < utf8.RuneSelf:
		return appendHex(append(dst, `\x`...), uint32(r), 2)
	case r <= 0xffff:
		return appendHex(append(dst, `\u`...), uint32(r), 4)
	}
	return appendHex(append(dst, `\U`...), uint32(r), 8)
}

// appendHex appends the last digits hexadecimal digits of v.
func appendHex(dst []byte, v uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hex[v>>shift&0xf])
	}
	return dst
}
