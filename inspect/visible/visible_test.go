package visible_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/inspect/visible/visibletest"
)

func TestString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text is left alone", "hello, world [red] ~", "hello, world [red] ~"},
		{"an ESC sequence shows its ESC", "\x1b[31mred", `\x1b[31mred`},
		{"an OSC 52 clipboard write shows its ESC and BEL", "\x1b]52;c;aGk=\a", `\x1b]52;c;aGk=\a`},
		{"C0 controls use Go's short escapes", "a\tb\nc\rd\x00e", `a\tb\nc\rd\x00e`},
		{"DEL is escaped", "del\x7f", `del\x7f`},
		{"a C1 control is escaped", "\u009b31m", `\u009b31m`},
		{"a bidi override is escaped", "evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"a bidi isolate is escaped", "\u2066x\u2069", `\u2066x\u2069`},
		{"a zero-width space is escaped", "a\u200bb", `a\u200bb`},
		{"a backslash is doubled", `C:\x1b`, `C:\\x1b`},
		{"bytes that are not UTF-8 are escaped", "caf\xe9 \xff", `caf\xe9 \xff`},
		{"printable Unicode is left alone", "café 你好 😀 🇫🇷", "café 你好 😀 🇫🇷"},
		{"a combining mark after a letter is left alone", "e\u0301", "e\u0301"},
		{"a leading combining mark is escaped", "\u0301e", `\u0301e`},
		{"a combining mark after an escape is escaped", "\x00\u0301", `\x00\u0301`},
		{"a rune that joins the next one is escaped", "\u0d4e[", `\u0d4e[`},
		{"a rune beyond the BMP uses the long escape", "\U000e0041", `\U000e0041`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := visible.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLinesKeepsLineBreaksAndTabs(t *testing.T) {
	in := "usage:\n\t-x\tdump\x1b[2J\r\n"
	want := "usage:\n\t-x\tdump\\x1b[2J\\r\n"
	if got := visible.Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
}

func TestMessageEscapesNoNameTwice(t *testing.T) {
	name := "two\nlines\x1b[2J\\"
	in := "open " + visible.String(name) + ": no such file\n\tand " + name
	want := `open two\nlines\x1b[2J\\: no such file` + "\n\tand two\nlines\\x1b[2J\\"
	if got := visible.Message(in); got != want {
		t.Errorf("Message(%q) = %q, want %q", in, got, want)
	}
	for _, s := range visibletest.Corpus {
		m := visible.Message(s)
		if i, r, bad := visibletest.ControlByte([]byte(m)); bad {
			t.Errorf("Message(%q) = %q holds %q at byte %d", s, m, r, i)
		}
	}
}

func TestQuoteReadsBackAsAGoStringLiteral(t *testing.T) {
	for _, s := range append(visibletest.Corpus, `say "hi"`, `"`, `\"`) {
		q := visible.Quote(s)
		if got, err := strconv.Unquote(q); err != nil || got != s {
			t.Errorf("Quote(%q) = %s reads back as %q (%v)", s, q, got, err)
		}
		if i, r, bad := visibletest.ControlByte([]byte(q)); bad {
			t.Errorf("Quote(%q) = %s holds %q at byte %d", s, q, r, i)
		}
	}
}

func TestTviewLinesKeepsOnlyLineBreaks(t *testing.T) {
	in := "hint [red]\n\tnext\x1b[0m line\n"
	want := "hint [[:]red]\n\\tnext\\x1b[[:]0m line\n"
	if got := visible.TviewLines(in); got != want {
		t.Errorf("TviewLines(%q) = %q, want %q", in, got, want)
	}
}

func TestTviewShowsEveryTagLiterally(t *testing.T) {
	for _, s := range visibletest.Corpus {
		t.Run(strconv.Quote(s)+" reads back as it is shown", func(t *testing.T) { checkTview(t, s) })
	}
}

func TestTviewLeavesTextWithoutBracketsAlone(t *testing.T) {
	if got := visible.Tview("no tags here"); got != "no tags here" {
		t.Errorf("Tview changed plain text to %q", got)
	}
}

// FuzzTview checks that tview shows Tview(s) as exactly String(s), for
// any s: printed with Print, and in a TextView that parses colours and
// regions, every cell reads back String(s) in the default style, and no
// cell holds a control rune.
func FuzzTview(f *testing.F) {
	for _, s := range visibletest.Corpus {
		f.Add(s)
	}
	f.Fuzz(checkTview)
}

// FuzzString checks that String's result holds no character a terminal
// would not show as itself, and decodes back to the input as the body
// of a Go string literal; likewise Lines, which keeps '\n' and '\t';
// that Quote's result reads back as a Go string literal; and that
// Message's holds no control character but '\n' and '\t'.
func FuzzString(f *testing.F) {
	for _, s := range visibletest.Corpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := visible.String(s)
		if i, r, bad := visibletest.ControlByte([]byte(v)); bad || strings.ContainsAny(v, "\n\t") {
			t.Fatalf("String(%q) = %q holds %q at byte %d", s, v, r, i)
		}
		if got := decode(t, v); got != s {
			t.Fatalf("String(%q) = %q decodes to %q", s, v, got)
		}
		l := visible.Lines(s)
		if i, r, bad := visibletest.ControlByte([]byte(l)); bad {
			t.Fatalf("Lines(%q) = %q holds %q at byte %d", s, l, r, i)
		}
		lit := strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(l)
		if got := decode(t, lit); got != s {
			t.Fatalf("Lines(%q) = %q decodes to %q", s, l, got)
		}
		if got, err := strconv.Unquote(visible.Quote(s)); err != nil || got != s {
			t.Fatalf("Quote(%q) = %s reads back as %q (%v)", s, visible.Quote(s), got, err)
		}
		m := visible.Message(s)
		if i, r, bad := visibletest.ControlByte([]byte(m)); bad {
			t.Fatalf("Message(%q) = %q holds %q at byte %d", s, m, r, i)
		}
	})
}

// decode reads v as the body of a Go string literal.
func decode(t testing.TB, v string) string {
	t.Helper()
	s, err := strconv.Unquote(`"` + strings.ReplaceAll(v, `"`, `\"`) + `"`)
	if err != nil {
		t.Fatalf("%q does not decode: %v", v, err)
	}
	return s
}

// checkTview draws Tview(s) with Print and with a TextView, and checks
// that the cells read back String(s) in the default style.
func checkTview(t *testing.T, s string) {
	t.Helper()
	want := visible.String(s)
	esc := visible.Tview(s)
	w := uniseg.StringWidth(want)
	if got := tview.TaggedStringWidth(esc); got != w {
		t.Fatalf("Tview(%q) = %q measures %d cells, String(%q) %d", s, esc, got, s, w)
	}
	style := tcell.StyleDefault.Foreground(tcell.ColorWhite)
	screen := newScreen(t, w+2, 1)
	_, printed := tview.Print(screen, esc, 0, 0, w+2, tview.AlignLeft, tcell.ColorWhite)
	screen.Show()
	if got := visibletest.Row(screen, 0, 0, printed); got != want || printed != w {
		t.Fatalf("Print(Tview(%q) = %q) shows %q in %d cells, want %q in %d", s, esc, got, printed, want, w)
	}
	checkCells(t, screen, s, w, style)

	// Word-wrapped to a third of its width, line by line, it reads the
	// same: no wrap point falls inside what Tview added.
	lines := tview.WordWrap(esc, max(w/3, 1))
	screen = newScreen(t, w+2, len(lines))
	var wrapped string
	for y, l := range lines {
		_, n := tview.Print(screen, l, 0, y, w+2, tview.AlignLeft, tcell.ColorWhite)
		screen.Show()
		wrapped += visibletest.Row(screen, 0, y, n)
	}
	if wrapped != want {
		t.Fatalf("Tview(%q) = %q wrapped in %q shows %q, want %q", s, esc, lines, wrapped, want)
	}

	tv := tview.NewTextView().SetDynamicColors(true).SetRegions(true).SetWrap(false)
	tv.SetTextStyle(style).SetText(esc)
	screen = newScreen(t, w+2, 1)
	tv.SetRect(0, 0, w+2, 1)
	tv.Draw(screen)
	screen.Show()
	if got := visibletest.Row(screen, 0, 0, w); got != want {
		t.Fatalf("a TextView shows Tview(%q) = %q as %q, want %q", s, esc, got, want)
	}
	checkCells(t, screen, s, w, style)
}

// checkCells checks that the first w cells of the screen's row have
// style and that no cell holds a control rune.
func checkCells(t testing.TB, screen tcell.Screen, s string, w int, style tcell.Style) {
	t.Helper()
	for x := 0; x < w; x++ {
		if _, _, st, _ := screen.GetContent(x, 0); st != style {
			t.Fatalf("%q: cell %d has style %v, want %v: a tag was read", s, x, st, style)
		}
	}
	if x, _, r, bad := visibletest.ControlCell(screen); bad {
		t.Fatalf("%q: cell %d holds %q", s, x, r)
	}
}

func newScreen(t testing.TB, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Fini)
	s.SetSize(w, h)
	return s
}

func TestEscapesAreDecodable(t *testing.T) {
	for _, s := range visibletest.Corpus {
		if v := visible.String(s); !utf8.ValidString(v) || decode(t, v) != s {
			t.Errorf("String(%q) = %q does not decode back", s, v)
		}
	}
}
