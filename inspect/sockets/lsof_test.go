package sockets

import (
	"fmt"
	"strings"
	"testing"
)

// macLsof is what lsof -nP -w -Tqs -F pcftdPnT -i TCP -U prints on
// macOS for a chat server on port 3008 and a Unix socket, and two
// clients: one field a line, each led by its letter (p pid, c command,
// f descriptor, t type, d device, P protocol, n name, T TCP info). A
// Unix socket's name there is its path, or -> and the kernel address
// of its peer.
const macLsof = `p501
cchat
f4
tIPv6
d0x7f1e2c3a4b5c6d01
PTCP
n*:3008
TST=LISTEN
TQR=0
TQS=0
f5
tIPv4
d0x7f1e2c3a4b5c6d02
PTCP
n127.0.0.1:3008->127.0.0.1:50000
TST=ESTABLISHED
TQR=0
TQS=0
f6
tunix
d0x1111
n/tmp/chat.sock
f7
tunix
d0x2222
n->0x3333
p502
cnc
f3
tIPv4
d0x7f1e2c3a4b5c6d03
PTCP
n127.0.0.1:50000->127.0.0.1:3008
TST=ESTABLISHED
TQR=12
TQS=7
f4
tunix
d0x3333
n->0x2222
p503
cssh
f3
tIPv6
d0x7f1e2c3a4b5c6d04
PTCP
n[::1]:22->[::1]:60000
TST=ESTABLISHED
TQR=0
TQS=0
`

func TestParseLsof(t *testing.T) {
	all, err := parseLsof(strings.NewReader(macLsof), Filter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("every TCP and Unix socket is read with its owner", func(t *testing.T) {
		want := []Socket{
			{Kind: TCP, Family: "IPv6", LocalAddr: "::", LocalPort: 3008, State: "LISTEN", PID: 501, Process: "chat"},
			{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 3008, RemoteAddr: "127.0.0.1", RemotePort: 50000, State: "ESTABLISHED", PID: 501, Process: "chat"},
			{Kind: Unix, Family: "unix", Path: "/tmp/chat.sock", State: "UNCONNECTED", Inode: 0x1111, PID: 501, Process: "chat"},
			{Kind: Unix, Family: "unix", State: "ESTABLISHED", Inode: 0x2222, PeerInode: 0x3333, PID: 501, Process: "chat"},
			{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50000, RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "ESTABLISHED", RecvQ: 12, SendQ: 7, PID: 502, Process: "nc"},
			{Kind: Unix, Family: "unix", State: "ESTABLISHED", Inode: 0x3333, PeerInode: 0x2222, PID: 502, Process: "nc"},
			{Kind: TCP, Family: "IPv6", LocalAddr: "::1", LocalPort: 22, RemoteAddr: "::1", RemotePort: 60000, State: "ESTABLISHED", PID: 503, Process: "ssh"},
		}
		if len(all) != len(want) {
			t.Fatalf("got %d sockets, want %d:\n%s", len(all), len(want), lsofTable(all))
		}
		for i := range want {
			if all[i] != want[i] {
				t.Errorf("socket %d:\n got %+v\nwant %+v", i, all[i], want[i])
			}
		}
	})
	t.Run("a port filter keeps both ends of its connections", func(t *testing.T) {
		got, err := parseLsof(strings.NewReader(macLsof), Filter{Ports: []int{3008}})
		if err != nil || len(got) != 3 {
			t.Errorf("got %v:\n%s", err, lsofTable(got))
		}
	})
	t.Run("a path filter keeps the socket bound to it", func(t *testing.T) {
		got, err := parseLsof(strings.NewReader(macLsof), Filter{Paths: []string{"/tmp/chat.sock"}})
		if err != nil || len(got) != 1 || got[0].Path != "/tmp/chat.sock" {
			t.Errorf("got %v:\n%s", err, lsofTable(got))
		}
	})
}

func TestParseLsofHostileOutput(t *testing.T) {
	t.Run("a bad address is an error", func(t *testing.T) {
		for _, name := range []string{"n127.0.0.1", "n127.0.0.1:99999", "nnot-an-ip:80", "n1.2.3.4:80->x"} {
			in := "p1\ncx\nf3\ntIPv4\nPTCP\n" + name + "\n"
			if _, err := parseLsof(strings.NewReader(in), Filter{All: true}); err == nil {
				t.Errorf("%q: no error", name)
			}
		}
	})
	t.Run("a line longer than the bound is an error, not a growing buffer", func(t *testing.T) {
		in := "p1\ncx\nf3\ntunix\nn/" + strings.Repeat("a", maxLsofLine) + "\n"
		if _, err := parseLsof(strings.NewReader(in), Filter{All: true}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a path is kept as its bytes are", func(t *testing.T) {
		in := "p1\ncx\x1b[31m\nf3\ntunix\nd0x1\nn/tmp/a\x07b\n"
		got, err := parseLsof(strings.NewReader(in), Filter{All: true})
		if err != nil || len(got) != 1 || got[0].Path != "/tmp/a\x07b" || got[0].Process != "x\x1b[31m" {
			t.Errorf("got %+v, %v", got, err)
		}
	})
	t.Run("no prefix of the output and no cut field panics", func(t *testing.T) {
		for i := range len(macLsof) {
			parseLsof(strings.NewReader(macLsof[:i]), Filter{All: true})
			parseLsof(strings.NewReader(macLsof[:i]+"\n"+macLsof[i+1:]), Filter{All: true})
		}
		for _, in := range []string{"n\n", "f\nt\nn\nT\n", "f\ntunix\nntype= \n", "f\ntunix\nn->0x\n", "p\n", "T=\n", "f\ntIPv4\nn:\n"} {
			parseLsof(strings.NewReader(in), Filter{All: true})
		}
	})
}

// lsofTable prints sockets one a line, for failure messages.
func lsofTable(ss []Socket) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%+v\n", s)
	}
	return b.String()
}
