package main

import (
	"bufio"
	"io"
	"net"
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

// talk sends lines to the server and returns a reader for its answers.
func talk(t testing.TB, addr string) (*net.TCPConn, *bufio.Reader) {
	t.Helper()
	conn := dial(t, addr)
	return conn, bufio.NewReader(conn)
}

// expect reads one answer line and fails t unless it is want.
func expect(t testing.TB, r *bufio.Reader, want string) {
	t.Helper()
	got, err := r.ReadString('\n')
	if err != nil || got != want+"\n" {
		t.Fatalf("answer %q, %v; want %q", got, err, want+"\n")
	}
}

func TestCheckText(t *testing.T) {
	for _, h := range hostile {
		err := checkText(h.sent)
		if err == nil || h.refused != "" &&
			!strings.Contains(err.Error(), h.refused) {
			t.Errorf("checkText(%q) = %v, want an error naming %s",
				h.sent, err, h.refused)
		}
	}
	for _, ok := range []string{"", plain, "\u00a0no-break space"} {
		if err := checkText(ok); err != nil {
			t.Errorf("checkText(%q) = %v, want nil", ok, err)
		}
	}
}

// expectRefusal reads one answer line and fails t unless it is an error
// that names the character code (when code is not "").
func expectRefusal(t testing.TB, r *bufio.Reader, code string) {
	t.Helper()
	got, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(got, "error: ") ||
		!strings.Contains(got, code) {
		t.Fatalf("answer %q, %v; want an error naming %s", got, err, code)
	}
}

func TestProtocol(t *testing.T) {
	tooLong := "error: line too long (limit 4096 bytes), dropped"

	t.Run("each line gets one answer, however it was cut", func(t *testing.T) {
		checkGoroutines(t)
		addr, _, _ := startServer(t)
		conn, r := talk(t, addr)
		// Two lines in one write, then one line in three writes.
		io.WriteString(conn, "one\r\ntwo\n")
		for _, piece := range []string{"th", "re", "e\n"} {
			io.WriteString(conn, piece)
		}
		expect(t, r, "you said: one")
		expect(t, r, "you said: two")
		expect(t, r, "you said: three")
	})

	t.Run("empty lines get no answer", func(t *testing.T) {
		checkGoroutines(t)
		addr, _, _ := startServer(t)
		conn, r := talk(t, addr)
		io.WriteString(conn, "\n\r\n\nhi\n")
		expect(t, r, "you said: hi")
	})

	t.Run("a line that is not UTF-8 gets an error", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		conn, r := talk(t, addr)
		io.WriteString(conn, "caf\xe9\nok\n")
		expect(t, r, "error: line is not valid UTF-8, dropped")
		expect(t, r, "you said: ok")
		logs.waitFor(t, conn.LocalAddr().String()+
			": line is not valid UTF-8, dropped\n")
	})

	t.Run("a line with a control character gets an error, "+
		"and the next line an answer", func(t *testing.T) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		conn, r := talk(t, addr)
		for _, h := range hostile {
			io.WriteString(conn, h.sent+"\n")
			expectRefusal(t, r, h.refused)
			io.WriteString(conn, "ok\n")
			expect(t, r, "you said: ok")
		}
		// "\r\n" ends a line, but a "\r" before it is part of the line.
		io.WriteString(conn, "a\r\r\n")
		expectRefusal(t, r, "U+000D")
		io.WriteString(conn, plain+"\r\n")
		expect(t, r, "you said: "+plain)
		// Each line was logged before its answer was sent: the log is
		// complete, and it is as safe to read as the answers.
		checkInert(t, logs.String())
	})

	t.Run("the limit is 4096 bytes", func(t *testing.T) {
		checkGoroutines(t)
		addr, _, _ := startServer(t)
		conn, r := talk(t, addr)
		fits := strings.Repeat("é", 2048) // 4096 bytes
		io.WriteString(conn, fits+"\r\n"+fits+"x\n")
		expect(t, r, "you said: "+fits)
		expect(t, r, tooLong)
	})

	t.Run("-max-line sets the limit", func(t *testing.T) {
		checkGoroutines(t)
		maxLine = 10
		t.Cleanup(func() { maxLine = 4096 })
		addr, _, _ := startServer(t)
		conn, r := talk(t, addr)
		io.WriteString(conn, "0123456789\n0123456789a\n")
		expect(t, r, "you said: 0123456789")
		expect(t, r, "error: line too long (limit 10 bytes), dropped")
	})

	t.Run("a 1 MiB line is answered before it ends, in bounded memory",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			conn, r := talk(t, addr)
			chunk := []byte(strings.Repeat("x", 32<<10))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 32 {
				if _, err := conn.Write(chunk); err != nil {
					t.Fatal(err)
				}
			}
			// No "\n" yet, and the error is already there.
			expect(t, r, tooLong)
			io.WriteString(conn, "still x\nhi\n")
			expect(t, r, "you said: hi")
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

	t.Run("a line cut off by the client's hang-up still counts",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			conn, r := talk(t, addr)
			io.WriteString(conn, "bye")
			conn.CloseWrite()
			expect(t, r, "you said: bye")
			if _, err := r.ReadByte(); err != io.EOF {
				t.Errorf("after the answer: %v, want EOF", err)
			}
			logs.waitFor(t, conn.LocalAddr().String()+" hung up\n")
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

// TestProtocolLineByLine sends one line at a time, each once the answer
// to the one before has come. Then every read holds one line, and the
// Node server answers as the Go server does.
func TestProtocolLineByLine(t *testing.T) {
	fits := strings.Repeat("é", 2048) // 4096 bytes
	lines := []struct{ send, want string }{
		{"hello\n", "you said: hello"},
		{"¿qué tal?\r\n", "you said: ¿qué tal?"},
		{"caf\xe9\n", "error: line is not valid UTF-8, dropped"},
		{fits + "\n", "you said: " + fits},
		{fits + "x\n", "error: line too long (limit 4096 bytes), dropped"},
	}
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		checkGoroutines(t)
		addr, logs, _ := startServer(t)
		conn, r := talk(t, addr)
		for _, l := range lines {
			io.WriteString(conn, l.send)
			expect(t, r, l.want)
		}
		for _, h := range hostile {
			io.WriteString(conn, h.sent+"\n")
			expectRefusal(t, r, "")
		}
		io.WriteString(conn, "bye")
		conn.CloseWrite()
		expect(t, r, "you said: bye")
		if _, err := r.ReadByte(); err != io.EOF {
			t.Errorf("after the answer: %v, want EOF", err)
		}
		logs.waitFor(t, conn.LocalAddr().String()+" hung up\n")
		checkInert(t, logs.String())
	})
}

// TestOneReadIsNotOneLine shows where the two servers differ. The Go
// server finds the lines in the stream, however TCP cut it into reads.
// The Node server, written as a course would write it first, takes each
// 'data' event, which is one read, for one line.
func TestOneReadIsNotOneLine(t *testing.T) {
	t.Run("the Go server answers a line cut in two once, whole",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			conn, r := talk(t, addr)
			io.WriteString(conn, "hel")
			io.WriteString(conn, "lo\n")
			expect(t, r, "you said: hello")
		})

	t.Run("the Node server answers each half of a line cut in two",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startNodeServer(t)
			conn, r := talk(t, addr)
			io.WriteString(conn, "hel")
			// This answer says that the server has read "hel" alone.
			expect(t, r, "you said: hel")
			io.WriteString(conn, "lo\n")
			expect(t, r, "you said: lo")
		})

	t.Run("the Go server answers two lines sent in one write twice",
		func(t *testing.T) {
			checkGoroutines(t)
			addr, _, _ := startServer(t)
			conn, r := talk(t, addr)
			io.WriteString(conn, "one\ntwo\n")
			expect(t, r, "you said: one")
			expect(t, r, "you said: two")
		})

	t.Run("the Node server takes two lines sent in one write for one, "+
		"and refuses it", func(t *testing.T) {
		checkGoroutines(t)
		addr, _, _ := startNodeServer(t)
		conn, r := talk(t, addr)
		io.WriteString(conn, "one\ntwo\n")
		expectRefusal(t, r, "U+000A")
		// The next answer is the next line's: "two" got none.
		io.WriteString(conn, "three\n")
		expect(t, r, "you said: three")
	})
}
