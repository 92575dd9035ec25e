package visible

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// askUniseg is joins without its shortcuts: uniseg's answer for every
// rune.
func askUniseg(r rune, shown bool) bool {
	var b [utf8.UTFMax + 1]byte
	n := utf8.EncodeRune(b[:], r)
	b[n] = 'a'
	cluster, _, width, _ := uniseg.FirstGraphemeCluster(b[:n+1], -1)
	return width == 0 && !shown || len(cluster) > n
}

// reference is String as its comment states it, asking uniseg about
// every printable rune outside ASCII.
func reference(s string) string {
	var b []byte
	shown := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b, shown = appendHex(append(b, `\x`...), uint32(s[i]), 2), false
		case r < utf8.RuneSelf && (r < ' ' || r > '~' || r == '\\'),
			r >= utf8.RuneSelf && (!unicode.IsPrint(r) || askUniseg(r, shown)):
			b, shown = appendEscape(b, r), false
		default:
			b, shown = append(b, s[i:i+n]...), true
		}
		i += n
	}
	return string(b)
}

func TestStringAsksUnisegAboutEveryRuneThatCanJoin(t *testing.T) {
	// String asks uniseg only about the runes of mayJoin, and only once
	// for a run of runes outside it; uniseg must agree about every other
	// rune, in any order. When Unicode or uniseg moves on, this names
	// the runes to add.
	var all []rune
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if unicode.IsPrint(r) {
			all = append(all, r)
		}
	}
	backward := slices.Clone(all)
	slices.Reverse(backward)
	shuffled := slices.Clone(all)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	for _, order := range []struct {
		name  string
		runes []rune
	}{{"ascending", all}, {"descending", backward}, {"shuffled", shuffled}} {
		// Each rune once on its own and once after a letter.
		var s []rune
		for _, r := range order.runes {
			s = append(s, r, 'a', r)
		}
		got, want := String(string(s)), reference(string(s))
		if got == want {
			continue
		}
		for i := 0; i < len(got); i++ {
			if i >= len(want) || got[i] != want[i] {
				t.Errorf("%s: String differs from uniseg's answer at byte %d: %q, want %q",
					order.name, i, got[max(i-20, 0):min(i+20, len(got))], want[max(i-20, 0):min(i+20, len(want))])
				break
			}
		}
	}
}
