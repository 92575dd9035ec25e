package sockets

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/inspect/visible/visibletest"
)

var (
	dualListener = Socket{Kind: TCP, Family: "IPv6", LocalAddr: "::", LocalPort: 3008,
		State: "LISTEN", SendQ: 4096, Inode: 100, DualStack: true, PID: 42, Process: "server"}
	mappedConn = Socket{Kind: TCP, Family: "IPv6", LocalAddr: "::ffff:127.0.0.1", LocalPort: 3008,
		RemoteAddr: "::ffff:127.0.0.1", RemotePort: 50001, State: "ESTABLISHED", Inode: 101,
		V4Mapped: true, PID: 42, Process: "server"}
	v4Client = Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50001,
		RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "ESTABLISHED", RecvQ: 5, Inode: 102, PID: 43, Process: "nc"}
	timeWait = Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50002,
		RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "TIME_WAIT"}
	unixListener = Socket{Kind: Unix, Family: "unix", Path: "/tmp/socketlab.sock", Type: "stream",
		State: "LISTEN", SendQ: 4096, Inode: 200, PID: 42, Process: "server"}
	unixServer = Socket{Kind: Unix, Family: "unix", Path: "/tmp/socketlab.sock", Type: "stream",
		State: "ESTABLISHED", Inode: 201, PeerInode: 202, PID: 42, Process: "server"}
	unixClient = Socket{Kind: Unix, Family: "unix", Type: "stream",
		State: "ESTABLISHED", Inode: 202, PeerInode: 201, PID: 44, Process: "socat"}
)

func TestWriteTable(t *testing.T) {
	ss := []Socket{unixClient, timeWait, v4Client, unixServer, mappedConn, unixListener, dualListener}
	Sort(ss)
	var b strings.Builder
	if err := WriteTable(&b, ss); err != nil {
		t.Fatal(err)
	}
	want := `KIND         FAMILY      LOCAL                    REMOTE                    STATE        RECV-Q  SEND-Q  INODE  PROCESS
tcp          dual-stack  [::]:3008                *                         LISTEN       0       4096    100    42/server
tcp          v4-mapped   [::ffff:127.0.0.1]:3008  [::ffff:127.0.0.1]:50001  ESTABLISHED  0       0       101    42/server
tcp          IPv4        127.0.0.1:50001          127.0.0.1:3008            ESTABLISHED  5       0       102    43/nc
tcp          IPv4        127.0.0.1:50002          127.0.0.1:3008            TIME_WAIT    0       0       0      -
unix/stream  unix        /tmp/socketlab.sock      *                         LISTEN       0       4096    200    42/server
unix/stream  unix        /tmp/socketlab.sock      (unnamed)                 ESTABLISHED  0       0       201    42/server
unix/stream  unix        (unnamed)                /tmp/socketlab.sock       ESTABLISHED  0       0       202    44/socat
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteTableShowsHostileNamesLiterally(t *testing.T) {
	for _, name := range visibletest.Corpus {
		t.Run(strconv.Quote(name)+" as a path and a command is shown as it is", func(t *testing.T) {
			ss := []Socket{
				{Kind: Unix, Family: "unix", Type: "stream", Path: "/tmp/" + name, State: "LISTEN",
					Inode: 300, PID: 7, Process: name},
				unixListener,
			}
			var b strings.Builder
			if err := WriteTable(&b, ss); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if i, r, bad := visibletest.ControlByte([]byte(out)); bad {
				t.Fatalf("the table holds %q at byte %d:\n%s", r, i, out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("the table has %d lines, want 3:\n%s", len(lines), out)
			}
			path, proc := visible.String("/tmp/"+name), visible.String("7/"+name)
			if !strings.Contains(lines[1], " "+path+" ") || !strings.HasSuffix(lines[1], " "+proc) {
				t.Errorf("row %q lacks the path %q and the process %q", lines[1], path, proc)
			}
			// Every row's INODE column starts at the same terminal column.
			col := -1
			for i, l := range lines {
				at := strings.Index(l, []string{" INODE ", " 300 ", " 200 "}[i])
				if at < 0 {
					t.Fatalf("no INODE column in %q", l)
				}
				c := uniseg.StringWidth(l[:at+1])
				if col >= 0 && c != col {
					t.Errorf("INODE column at %d in %q, at %d above:\n%s", c, l, col, out)
				}
				col = c
			}
		})
	}
}

func TestRowsNameAUnixPeerOutsideTheTable(t *testing.T) {
	rows := Rows([]Socket{unixClient})
	if got := rows[0][3]; got != "inode 201" {
		t.Errorf("REMOTE cell is %q, want %q", got, "inode 201")
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct {
		addr string
		port int
		want string
	}{
		{"127.0.0.1", 3008, "127.0.0.1:3008"},
		{"0.0.0.0", 3008, "0.0.0.0:3008"},
		{"::1", 3008, "[::1]:3008"},
		{"::", 3008, "[::]:3008"},
		{"::ffff:127.0.0.1", 50001, "[::ffff:127.0.0.1]:50001"},
		{"", 0, "*"},
	}
	for _, tt := range tests {
		if got := HostPort(tt.addr, tt.port); got != tt.want {
			t.Errorf("HostPort(%q, %d) = %q, want %q", tt.addr, tt.port, got, tt.want)
		}
	}
}

func TestCellNames(t *testing.T) {
	guess := dualListener
	guess.DualStackGuess = true
	noComm := v4Client
	noComm.Process = ""
	seq := unixListener
	seq.Type = "seqpacket"
	tests := []struct {
		name                   string
		s                      Socket
		kind, family, local, p string
	}{
		{"a dual-stack listener", dualListener, "tcp", "dual-stack", "[::]:3008", "42/server"},
		{"a guessed dual-stack listener", guess, "tcp", "dual-stack?", "[::]:3008", "42/server"},
		{"a v4-mapped connection", mappedConn, "tcp", "v4-mapped", "[::ffff:127.0.0.1]:3008", "42/server"},
		{"a socket nobody owns", timeWait, "tcp", "IPv4", "127.0.0.1:50002", "-"},
		{"a process without a name", noComm, "tcp", "IPv4", "127.0.0.1:50001", "43"},
		{"a seqpacket listener", seq, "unix/seqpacket", "unix", "/tmp/socketlab.sock", "42/server"},
		{"an unnamed unix end", unixClient, "unix/stream", "unix", "(unnamed)", "44/socat"},
		{"names keep every byte, for the caller to show", Socket{Kind: Unix, Family: "unix", Type: "dgram",
			Path: "/tmp/\x1b[2Jx", PID: 7, Process: "a\nb"}, "unix/dgram", "unix", "/tmp/\x1b[2Jx", "7/a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{KindName(tt.s), FamilyName(tt.s), LocalName(tt.s), ProcessName(tt.s)}
			want := []string{tt.kind, tt.family, tt.local, tt.p}
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	v6only := dualListener
	v6only.DualStack = false
	guess := dualListener
	guess.DualStackGuess = true
	any4 := dualListener
	any4.Family, any4.LocalAddr, any4.DualStack = "IPv4", "0.0.0.0", false
	loop := any4
	loop.LocalAddr, loop.RecvQ = "127.0.0.1", 2
	queued := mappedConn
	queued.Inode, queued.PID, queued.Process = 0, 0, ""
	hidden := v4Client
	hidden.PID, hidden.Process = 0, ""
	abstract := unixListener
	abstract.Path = "@chat"
	dgram := Socket{Kind: Unix, Family: "unix", Type: "dgram", State: "UNCONNECTED", Inode: 9, PID: 1}
	closeWait := v4Client
	closeWait.State, closeWait.RecvQ = "CLOSE_WAIT", 0
	tests := []struct {
		name string
		s    Socket
		want []string // phrases the note must contain
	}{
		{"a dual-stack listener", dualListener, []string{"every IPv6 and IPv4 address", "dual-stack [::]"}},
		{"an IPv6-only listener", v6only, []string{"IPv6 address only", "IPV6_V6ONLY"}},
		{"a guessed dual-stack listener", guess, []string{"unless the program set IPV6_V6ONLY"}},
		{"a listener on every IPv4 address", any4, []string{"every IPv4 address (0.0.0.0)"}},
		{"a loopback listener with a queue", loop, []string{"127.0.0.1 only", "2 connection(s) wait for Accept"}},
		{"a v4-mapped connection", mappedConn, []string{"IPv4 connection on an IPv6 socket", "::ffff:127.0.0.1"}},
		{"a connection not yet accepted", queued, []string{"has not called Accept"}},
		{"unread bytes", v4Client, []string{"5 byte(s) arrived"}},
		{"another user's socket", hidden, []string{"not visible"}},
		{"TIME_WAIT", timeWait, []string{"closed first", "no process owns it"}},
		{"CLOSE_WAIT", closeWait, []string{"other side closed", "not closed its end"}},
		{"a unix listener", unixListener, []string{"listening on the socket file /tmp/socketlab.sock"}},
		{"an abstract unix listener", abstract, []string{"abstract name @chat (no file on disk)"}},
		{"an accepted unix end", unixServer, []string{"server end", "listener's path"}},
		{"an unnamed unix client", unixClient, []string{"unnamed client end", "the server sees it as @"}},
		{"an unnamed datagram socket", dgram, []string{"unnamed datagram socket"}},
		{"a unix connection not yet accepted", Socket{Kind: Unix, Family: "unix", Type: "stream",
			Path: "/tmp/socketlab.sock", State: "CONNECTING"}, []string{"has not called Accept"}},
		{"an empty socket", Socket{}, []string{"state"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.s)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Explain = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

func TestJSONFieldNames(t *testing.T) {
	s := mappedConn
	s.Path, s.Type, s.PeerInode, s.DualStack, s.DualStackGuess = "p", "stream", 7, true, true
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"dual_stack", "dual_stack_guess", "family", "inode", "kind", "local_address",
		"local_port", "path", "peer_inode", "pid", "process", "recv_q", "remote_address",
		"remote_port", "send_q", "state", "type", "v4_mapped"}
	if !slices.Equal(keys, want) {
		t.Errorf("got keys %q,\nwant %q", keys, want)
	}
}

func TestBus(t *testing.T) {
	listener := Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1",
		LocalPort: NATSPort, State: "LISTEN", Inode: 1, PID: 5}
	natsEnd := Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1",
		LocalPort: NATSPort, RemoteAddr: "127.0.0.1", RemotePort: 50642,
		State: "ESTABLISHED", Inode: 2, PID: 5}
	serverEnd := natsEnd
	serverEnd.LocalPort, serverEnd.RemotePort = 50642, NATSPort
	chat := serverEnd
	chat.RemotePort = 3010
	unixOn4222 := Socket{Kind: Unix, Family: "unix", Type: "stream",
		Path: "/tmp/4222", State: "LISTEN", LocalPort: NATSPort}
	tests := []struct {
		name, bus, kind string
		s               Socket
	}{
		{"NATS's listener is the bus", "bus", "tcp/nats", listener},
		{"NATS's end of a connection is the bus", "bus", "tcp/nats", natsEnd},
		{"a server's connection to NATS goes to the bus", "to bus", "tcp/nats", serverEnd},
		{"a chat connection is no part of it", "", "tcp", chat},
		{"a Unix socket is no part of it", "", "unix/stream", unixOn4222},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bus(tt.s); got != tt.bus {
				t.Errorf("Bus = %q, want %q", got, tt.bus)
			}
			if got := KindName(tt.s); got != tt.kind {
				t.Errorf("KindName = %q, want %q", got, tt.kind)
			}
			// The sentence names the bus exactly when the socket is on it,
			// and still says what its state means.
			explained := Explain(tt.s)
			if strings.Contains(explained, "NATS") != (tt.bus != "") {
				t.Errorf("Explain = %q: want NATS named only for the bus", explained)
			}
			if tt.s.Kind == TCP && !strings.Contains(explained, explainTCP(tt.s)) {
				t.Errorf("Explain = %q, lost the state's sentence %q", explained, explainTCP(tt.s))
			}
		})
	}
}
