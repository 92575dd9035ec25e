package main

import (
	"io"
	"log"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name, network, addr string
		want                []string
	}{
		{"an IPv4 listener says IPv4", "tcp4", "127.0.0.1:0",
			[]string{"  address: 127.0.0.1\n", "  family:  IPv4\n"}},
		{"an IPv6 listener says IPv6", "tcp6", "[::1]:0",
			[]string{"  address: ::1\n", "  family:  IPv6\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen(tt.network, tt.addr)
			if err != nil {
				t.Skipf("cannot listen on %s here: %v", tt.addr, err)
			}
			defer ln.Close()
			var out strings.Builder
			describe(log.New(&out, "", 0), ln.Addr())
			p := ln.Addr().(*net.TCPAddr).Port
			want := append([]string{"Listening on " + ln.Addr().String() + "\n"},
				tt.want...)
			want = append(want, "  port:    "+strconv.Itoa(p)+"\n")
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestServe(t *testing.T) {
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("it logs each new connection with the peer's address",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				for range 2 {
					conn := dial(t, addr)
					logs.waitFor(t, "A new connection to the server! "+
						"(from "+conn.LocalAddr().String()+")\n")
				}
			})

		t.Run("it logs both ends of each connection", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			conn := dial(t, addr)
			logs.waitMatch(t, bothEnds(addr, conn.LocalAddr().String()))
		})

		t.Run("it notices when the peer hangs up", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			conn := dial(t, addr)
			conn.Write([]byte("anything\n"))
			conn.CloseWrite()
			b, err := io.ReadAll(conn)
			if string(b) != "anything\n" || err != nil {
				t.Errorf("echo = %q, %v; want %q, nil", b, err,
					"anything\n")
			}
			logs.waitFor(t, conn.LocalAddr().String()+" hung up\n")
		})

		t.Run("it stops reading from a client that does not read its echo",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, _, _ := startServer(t)
				conn := dial(t, addr)
				// The kernel's buffers on both sides hold a few MiB.
				// Once they are full, a server that waits for its echo
				// to go out stops reading, and our Write stops too. One
				// that kept reading would hold all 64 MiB in memory.
				conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
				n, err := conn.Write(make([]byte, 64<<20))
				if err == nil {
					t.Fatalf("the server took all %d MiB while we read "+
						"none of its echo", n>>20)
				}
				t.Logf("the server stopped reading after %d KiB: %v",
					n>>10, err)
			})

		t.Run("an abrupt reset does not break the server",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, _ := startServer(t)
				conn := dial(t, addr)
				logs.waitFor(t, conn.LocalAddr().String())
				// With linger 0, Close sends RST instead of FIN.
				conn.SetLinger(0)
				conn.Close()
				logs.waitMatch(t, regexp.MustCompile(`(?i)`+
					regexp.QuoteMeta(conn.LocalAddr().String())+
					`: .*reset.*\n`))
				next := dial(t, addr)
				logs.waitFor(t, "(from "+next.LocalAddr().String()+")")
			})

		t.Run("stopping it closes the listener and its connections",
			func(t *testing.T) {
				checkGoroutines(t)
				addr, logs, stop := startServer(t)
				conn := dial(t, addr)
				logs.waitFor(t, conn.LocalAddr().String())
				if err := stop(); err != nil {
					t.Fatalf("stop: %v, want nil", err)
				}
				// The client reads to the end: the server closed it.
				if _, err := io.ReadAll(conn); err != nil {
					t.Errorf("client read: %v, want EOF", err)
				}
				if !listenerClosed(t, addr) {
					t.Error("the listener is still open after stop")
				}
				if strings.Contains(logs.String(), "use of closed") {
					t.Errorf("a normal stop logged an error:\n%s", logs)
				}
			})
	})
}

func TestRealClients(t *testing.T) {
	const input = "hello\nworld\n"
	eachServer(t, func(t *testing.T, startServer serverStarter) {
		t.Run("nc gets its bytes back", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			out := runTool(t, input, "nc", "-N", "127.0.0.1",
				port(t, addr))
			if out != input {
				t.Errorf("nc printed %q, want %q", out, input)
			}
			logs.waitFor(t, "hung up\n")
		})
		t.Run("Python's socket gets its bytes back", func(t *testing.T) {
			checkGoroutines(t)
			addr, logs, _ := startServer(t)
			out := runTool(t, input, "python3", "-c", pyClient,
				port(t, addr))
			if out != input {
				t.Errorf("python3 printed %q, want %q", out, input)
			}
			logs.waitFor(t, "hung up\n")
		})
	})
}
