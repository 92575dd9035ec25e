package chat

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestLineReader(t *testing.T) {
	const max = 8
	tests := []struct {
		name string
		in   string
		want []string // "!" stands for errTooLong
	}{
		{"lines end in a newline", "a\nbc\n", []string{"a", "bc"}},
		{"a carriage return before the newline is dropped",
			"a\r\nb\r\n", []string{"a", "b"}},
		{"a last line without newline still counts", "a\nb",
			[]string{"a", "b"}},
		{"a line of exactly the limit passes",
			"12345678\r\n", []string{"12345678"}},
		{"one byte over the limit is too long",
			"123456789\nok\n", []string{"!", "ok"}},
		{"a very long line is skipped to its newline",
			strings.Repeat("x", 100) + "\nok\n", []string{"!", "ok"}},
		{"a very long last line without newline is skipped",
			"ok\n" + strings.Repeat("x", 100), []string{"ok", "!"}},
		{"a newline in the next read ends a long line",
			strings.Repeat("x", 10) + "\n", []string{"!"}},
		{"empty lines come back empty", "\n\r\n", []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader makes every line cross many reads.
			for _, r := range []io.Reader{
				strings.NewReader(tt.in),
				iotest.OneByteReader(strings.NewReader(tt.in)),
			} {
				lr := newLineReader(r, max, time.Minute)
				var got []string
				for {
					line, err := lr.next()
					if errors.Is(err, errTooLong) {
						got = append(got, "!")
						continue
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, string(line))
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("got %q, want %q", got, tt.want)
				}
				if len(lr.buf) > max+2 {
					t.Errorf("buffer grew to %d bytes, limit %d",
						len(lr.buf), max+2)
				}
			}
		})
	}

	t.Run("the buffer starts small and grows only for long lines",
		func(t *testing.T) {
			lr := newLineReader(strings.NewReader("hi\n"+
				strings.Repeat("x", 1000)+"\n"), 4096, time.Minute)
			lr.next()
			if len(lr.buf) != firstBuffer {
				t.Errorf("buffer is %d bytes after a short line, want %d",
					len(lr.buf), firstBuffer)
			}
			lr.next()
			if len(lr.buf) < 1001 || len(lr.buf) > 4098 {
				t.Errorf("buffer is %d bytes after a 1000-byte line",
					len(lr.buf))
			}
		})
}

// BenchmarkReadLines measures what a client's reader does for each line
// before the broadcast: find the line, then check that it is text. One
// op is one line of 100 bytes, in ASCII or in mixed scripts.
//
//	go test -run '^$' -bench ReadLines -benchmem ./labs/10-cluster/chat
func BenchmarkReadLines(b *testing.B) {
	for _, text := range []struct{ name, line string }{
		{"ascii", strings.Repeat("hello, world! ", 7) + "ok"},
		{"mixed", strings.Repeat("é日😀 ", 10) +
			"ok, 40 byte tail, in ASCII."},
	} {
		b.Run(text.name, func(b *testing.B) {
			input := strings.Repeat(text.line+"\n", 1000)
			r := strings.NewReader(input)
			b.SetBytes(int64(len(text.line) + 1))
			b.ReportAllocs()
			lr := newLineReader(r, 4096, time.Minute)
			for b.Loop() {
				line, err := lr.next()
				if err == io.EOF {
					r.Reset(input)
					lr = newLineReader(r, 4096, time.Minute)
					line, err = lr.next()
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := checkText(line); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}
