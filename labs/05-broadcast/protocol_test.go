package main

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 9)
	tests := []struct {
		name, input string
		want        []string // "!" stands for errLineTooLong
	}{
		{"lines end in \\n or \\r\\n", "a\nb\r\nc\n", []string{"a", "b", "c"}},
		{"a last line without \\n still counts", "a\nb", []string{"a", "b"}},
		{"empty lines are lines", "\n\r\n", []string{"", ""}},
		{"only one \\r is dropped", "a\r\r\n", []string{"a\r"}},
		{"a line of max bytes fits", "12345678\r\nz\n",
			[]string{"12345678", "z"}},
		{"one byte more is too long", "123456789\nz\n", []string{"!", "z"}},
		{"a long line is skipped to its end", long + long + "\nz\n",
			[]string{"!", "z"}},
		{"a long line cut by EOF is too long", long + long, []string{"!"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := newLineReader(strings.NewReader(tt.input), 8)
			var got []string
			for {
				line, err := lr.readLine()
				if err == io.EOF {
					break
				}
				if err == errLineTooLong {
					line = "!"
				} else if err != nil {
					t.Fatal(err)
				}
				got = append(got, line)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProtocol(t *testing.T) {
	tooLong := "error: line too long (limit 4096 bytes), dropped"

	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("each line is broadcast once, however it was cut",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b := join(t, addr, logs), join(t, addr, logs)
				// Two lines in one write, then one line in three writes.
				a.send("one\r\ntwo\n")
				for _, piece := range []string{"th", "re", "e\n"} {
					a.send(piece)
				}
				b.expect("User 1: one", "User 1: two", "User 1: three")
			})

		t.Run("empty lines are not broadcast", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr, logs), join(t, addr, logs)
			a.send("\n\r\n\nhi\n")
			b.expect("User 1: hi")
		})

		t.Run("a line that is not UTF-8 gets an error, to its sender only",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b := join(t, addr, logs), join(t, addr, logs)
				a.send("caf\xe9\nok\n")
				a.expect("error: line is not valid UTF-8, dropped")
				b.expect("User 1: ok")
				logs.waitFor(t, a.conn.LocalAddr().String()+
					": line is not valid UTF-8, dropped\n")
			})

		t.Run("the limit is 4096 bytes", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr, logs), join(t, addr, logs)
			fits := strings.Repeat("é", 2048) // 4096 bytes
			a.send(fits + "\r\n" + fits + "x\nok\n")
			a.expect(tooLong)
			b.expect("User 1: "+fits, "User 1: ok")
		})

		t.Run("a 1 MiB line is refused before it ends", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr, logs), join(t, addr, logs)
			chunk := []byte(strings.Repeat("x", 32<<10))
			for range 32 {
				if _, err := a.conn.Write(chunk); err != nil {
					t.Fatal(err)
				}
			}
			// No "\n" yet, and the error is already there.
			a.expect(tooLong)
			a.send("still x\nhi\n")
			b.expect("User 1: hi")
		})

		t.Run("a line cut off by the client's hang-up still counts",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				a, b := join(t, addr, logs), join(t, addr, logs)
				a.send("bye")
				a.conn.CloseWrite()
				b.expect("User 1: bye")
				if _, err := a.r.ReadByte(); err != io.EOF {
					t.Errorf("the sender read %v, want EOF", err)
				}
				logs.waitFor(t, a.conn.LocalAddr().String()+" hung up\n")
			})

		t.Run("a line too long, cut off by the client's hang-up, is "+
			"refused", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr, logs), join(t, addr, logs)
			a.send(strings.Repeat("x", 4097))
			a.conn.CloseWrite()
			a.expect(tooLong)
			if _, err := a.r.ReadByte(); err != io.EOF {
				t.Errorf("the sender read %v, want EOF", err)
			}
			// Nothing of it reached the others: b's next line is this.
			c := join(t, addr, logs)
			c.send("hi\n")
			b.expect("User 3: hi")
		})
	})

	t.Run("the Go server refuses a 1 MiB line in bounded memory",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			a, b := join(t, addr, logs), join(t, addr, logs)
			chunk := []byte(strings.Repeat("x", 32<<10))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 32 {
				if _, err := a.conn.Write(chunk); err != nil {
					t.Fatal(err)
				}
			}
			a.expect(tooLong)
			a.send("still x\nhi\n")
			b.expect("User 1: hi")
			runtime.ReadMemStats(&after)
			// The whole process, test included, allocated far less
			// than the 1 MiB the server was sent.
			grown := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB while 1 MiB went by", grown>>10)
			if grown > 256<<10 {
				t.Errorf("allocated %d KiB while 1 MiB went by; "+
					"is the server buffering the line?", grown>>10)
			}
		})
}

// BenchmarkReadLine measures framing alone: 1000 lines of 100 bytes.
func BenchmarkReadLine(b *testing.B) {
	input := strings.Repeat(strings.Repeat("x", 100)+"\n", 1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		lr := newLineReader(strings.NewReader(input), 4096)
		for {
			if _, err := lr.readLine(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
