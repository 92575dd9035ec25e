package main

import (
	"io"
	"log"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
			// Alone in the room, it hears nothing, not even its own line.
			b, err := io.ReadAll(conn)
			if len(b) > 0 || err != nil {
				t.Errorf("read %q, %v; want nothing, then EOF", b, err)
			}
			logs.waitFor(t, conn.LocalAddr().String()+" hung up\n")
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
