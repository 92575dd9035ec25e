//go:build linux

package sockets

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ssStates maps the table's state names to the short ones ss prints.
var ssStates = map[string]string{
	"ESTABLISHED": "ESTAB", "TIME_WAIT": "TIME-WAIT", "SYN_SENT": "SYN-SENT",
	"SYN_RECV": "SYN-RECV", "FIN_WAIT1": "FIN-WAIT-1", "FIN_WAIT2": "FIN-WAIT-2",
	"CLOSE_WAIT": "CLOSE-WAIT", "LAST_ACK": "LAST-ACK", "CLOSE": "UNCONN",
	"UNCONNECTED": "UNCONN", "LISTEN": "LISTEN", "CLOSING": "CLOSING",
}

// ssLine is one socket as ss -tanp or ss -xanp prints it, reduced to the
// fields both tools know.
type ssLine struct {
	state, local, peer string
	pid                int
	process            string
}

// runSS runs ss with args and returns its lines without a header.
func runSS(t *testing.T, args ...string) [][]string {
	t.Helper()
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss is not installed; nothing to compare with")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ss", append([]string{"-H"}, args...)...).Output()
	if err != nil {
		t.Fatalf("ss %v: %v", args, err)
	}
	var lines [][]string
	for l := range strings.Lines(string(out)) {
		f := strings.Fields(l)
		if len(f) > 0 && (strings.HasPrefix(f[0], "u_") || f[0] == "tcp") {
			f = f[1:] // the Netid column
		}
		lines = append(lines, f)
	}
	return lines
}

// ssUsers returns the first pid and command of ss's users:((…)) field.
func ssUsers(f []string) (int, string) {
	for _, s := range f {
		name, rest, ok := strings.Cut(strings.TrimPrefix(s, `users:(("`), `",pid=`)
		if !ok || !strings.HasPrefix(s, "users:") {
			continue
		}
		pid, _, _ := strings.Cut(rest, ",")
		n, _ := strconv.Atoi(pid)
		return n, name
	}
	return 0, ""
}

// ssLocal returns how ss writes the local end of a TCP socket.
func ssLocal(s Socket) string {
	switch {
	case s.DualStack:
		return "*:" + strconv.Itoa(s.LocalPort)
	}
	return HostPort(s.LocalAddr, s.LocalPort)
}

func TestTCPAgreesWithSS(t *testing.T) {
	ln4 := listen(t, "tcp4", "127.0.0.1:0")
	connect(t, ln4, "")
	dual := listen(t, "tcp", ":0")
	connect(t, dual, net.JoinHostPort("127.0.0.1", strconv.Itoa(port(dual.Addr()))))
	v6 := listen(t, "tcp6", "[::1]:0")
	connect(t, v6, "")
	only6 := listen(t, "tcp6", "[::]:0")
	ports := []int{port(ln4.Addr()), port(dual.Addr()), port(v6.Addr()), port(only6.Addr())}

	mine := ours(read(t, Filter{Ports: ports}, count(10)))
	var got []ssLine
	for _, s := range mine {
		peer := HostPort(s.RemoteAddr, s.RemotePort)
		if s.State == "LISTEN" {
			peer = "" // ss writes 0.0.0.0:*, [::]:* or *:*
		}
		got = append(got, ssLine{ssStates[s.State], ssLocal(s), peer, s.PID, s.Process})
	}
	var want []ssLine
	for _, f := range runSS(t, "-tanp") {
		pid, comm := ssUsers(f)
		if len(f) < 5 || pid != os.Getpid() {
			continue
		}
		l := ssLine{f[0], f[3], f[4], pid, comm}
		if l.state == "LISTEN" {
			l.peer = ""
		}
		i := strings.LastIndexByte(l.local, ':')
		if p, _ := strconv.Atoi(l.local[i+1:]); !slices.Contains(ports, p) && !slices.ContainsFunc(mine, func(s Socket) bool { return s.LocalPort == p }) {
			continue
		}
		want = append(want, l)
	}
	compareSS(t, got, want)
}

func TestUnixAgreesWithSS(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln := listen(t, "unix", path)
	connect(t, ln, "")
	connect(t, ln, "")

	mine := ours(read(t, Filter{Paths: []string{path}}, count(5)))
	inodes := make(map[string]bool)
	var got []ssLine
	for _, s := range mine {
		local := s.Path
		if local == "" {
			local = "*"
		}
		ino := strconv.FormatUint(s.Inode, 10)
		inodes[ino] = true
		got = append(got, ssLine{ssStates[s.State], local + " " + ino,
			strconv.FormatUint(s.PeerInode, 10), s.PID, s.Process})
	}
	var want []ssLine
	for _, f := range runSS(t, "-xanp") {
		// State Recv-Q Send-Q Local Inode Peer PeerInode users:(…)
		if len(f) < 7 || !inodes[f[4]] {
			continue
		}
		pid, comm := ssUsers(f)
		want = append(want, ssLine{f[0], f[3] + " " + f[4], f[6], pid, comm})
	}
	compareSS(t, got, want)
}

func compareSS(t *testing.T, got, want []ssLine) {
	t.Helper()
	key := func(a, b ssLine) int { return strings.Compare(a.local+a.peer+a.state, b.local+b.peer+b.state) }
	slices.SortFunc(got, key)
	slices.SortFunc(want, key)
	if !slices.Equal(got, want) {
		t.Errorf("the table and ss disagree:\n got %v\nwant %v (from ss)", got, want)
	}
}
