package visible_test

import (
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/visible"
)

// A chat conversation as the Stream pane shows it: 64 KiB of lines.
var (
	chatASCII = strings.Repeat("<Ada> hello [everyone], how are you?\n", 1800)
	chatCJK   = strings.Repeat("<陈> 大家好，今天的作业是套接字。\n", 1400)
	chatEvil  = strings.Repeat("\x1b[31m[red]evil\u202e\xff\n", 5000)
	chatRU    = strings.Repeat("<Ада> привет всем, как дела?\n", 1400)
	chatGreek = strings.Repeat("<Άννα> γεια σας, τι κάνετε;\n", 1400)
	chatMarks = strings.Repeat("<Zoë> nai\u0308ve cafe\u0301 🏽 ok\n", 1800)
)

func BenchmarkString(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"ascii", chatASCII}, {"cjk", chatCJK}, {"hostile", chatEvil},
		{"cyrillic", chatRU}, {"greek", chatGreek}, {"marks", chatMarks},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				visible.String(bc.s)
			}
		})
	}
}

func BenchmarkTview(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(chatASCII)))
	for b.Loop() {
		visible.Tview(chatASCII)
	}
}
