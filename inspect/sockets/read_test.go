//go:build linux

package sockets

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listen opens a listener that the test closes when it ends.
func listen(t testing.TB, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// connect dials ln from address dial (ln's own address when empty) and
// accepts, returning both ends; the test closes them when it ends.
func connect(t testing.TB, ln net.Listener, dial string) (client, server net.Conn) {
	t.Helper()
	if dial == "" {
		dial = ln.Addr().String()
	}
	client, err := net.DialTimeout(ln.Addr().Network(), dial, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	type deadliner interface{ SetDeadline(time.Time) error }
	ln.(deadliner).SetDeadline(time.Now().Add(5 * time.Second))
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// port returns the TCP port of a.
func port(a net.Addr) int { return a.(*net.TCPAddr).Port }

// read reads the table for f until ok accepts it, failing the test if
// that does not happen within five seconds.
func read(t testing.TB, f Filter, ok func([]Socket) bool) []Socket {
	t.Helper()
	timeout := time.After(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		snap, err := Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if ok(snap.Sockets) {
			return snap.Sockets
		}
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("the table never looked as expected; last read:\n%s", table(snap.Sockets))
		}
	}
}

// count accepts a table that holds want sockets of this process.
func count(want int) func([]Socket) bool {
	return func(ss []Socket) bool { return len(ours(ss)) == want }
}

// ours returns the sockets of ss that this process owns. Tests look only
// at these: a port number may also be in use by a socket of another
// test or program, in TIME_WAIT, or on the other IP family.
func ours(ss []Socket) []Socket {
	var mine []Socket
	for _, s := range ss {
		if s.PID == os.Getpid() {
			mine = append(mine, s)
		}
	}
	return mine
}

func table(ss []Socket) string {
	var b strings.Builder
	WriteTable(&b, ss)
	return b.String()
}

// find returns the only socket of ss that pred accepts.
func find(t testing.TB, ss []Socket, what string, pred func(Socket) bool) Socket {
	t.Helper()
	var found []Socket
	for _, s := range ss {
		if pred(s) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("found %d sockets that are %s, want 1, in:\n%s", len(found), what, table(ss))
	}
	return found[0]
}

// myComm returns this process's command name.
func myComm(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// inodeOf returns the inode of the socket under c.
func inodeOf(t testing.TB, c any) uint64 {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	var errStat error
	if err := raw.Control(func(fd uintptr) { errStat = unix.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	if errStat != nil {
		t.Fatal(errStat)
	}
	return st.Ino
}

func checkOwned(t testing.TB, s Socket) {
	t.Helper()
	if s.Inode == 0 || s.PID != os.Getpid() || s.Process != myComm(t) {
		t.Errorf("socket %+v: want a non-zero inode, pid %d and process %q", s, os.Getpid(), myComm(t))
	}
}

func TestReadTCP4(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0")
	client, _ := connect(t, ln, "")
	lp, cp := port(ln.Addr()), port(client.LocalAddr())

	ss := ours(read(t, Filter{Ports: []int{lp}}, count(3)))
	t.Run("the listener is on 127.0.0.1 with no remote end", func(t *testing.T) {
		l := find(t, ss, "listening", func(s Socket) bool { return s.State == "LISTEN" })
		want := Socket{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: lp, State: "LISTEN"}
		if l.Kind != want.Kind || l.Family != want.Family || l.LocalAddr != want.LocalAddr ||
			l.LocalPort != lp || l.RemoteAddr != "" || l.RemotePort != 0 || l.DualStack || l.V4Mapped {
			t.Errorf("got %+v, want %+v", l, want)
		}
		if l.SendQ <= 0 {
			t.Errorf("listener SendQ is %d, want its backlog limit from netlink", l.SendQ)
		}
		checkOwned(t, l)
	})
	t.Run("the client end matches by its remote port", func(t *testing.T) {
		c := find(t, ss, "the client end", func(s Socket) bool { return s.LocalPort == cp })
		if c.State != "ESTABLISHED" || c.RemoteAddr != "127.0.0.1" || c.RemotePort != lp || c.Family != "IPv4" {
			t.Errorf("got %+v", c)
		}
		checkOwned(t, c)
	})
	t.Run("the accepted end is owned by this process", func(t *testing.T) {
		s := find(t, ss, "the accepted end", func(s Socket) bool { return s.LocalPort == lp && s.RemotePort == cp })
		if s.State != "ESTABLISHED" {
			t.Errorf("got %+v", s)
		}
		checkOwned(t, s)
	})
	t.Run("rows are sorted by local port, then listener first", func(t *testing.T) {
		if !slices.IsSortedFunc(ss, func(a, b Socket) int { return a.LocalPort - b.LocalPort }) {
			t.Errorf("not sorted by local port:\n%s", table(ss))
		}
		if i := slices.IndexFunc(ss, func(s Socket) bool { return s.LocalPort == lp }); ss[i].State != "LISTEN" {
			t.Errorf("the first row on port %d is %+v", lp, ss[i])
		}
		again := slices.Clone(ss)
		slices.Reverse(again)
		Sort(again)
		if !slices.Equal(again, ss) {
			t.Errorf("sorting the reversed table gave\n%s, want\n%s", table(again), table(ss))
		}
	})
}

func TestReadTCP6Loopback(t *testing.T) {
	ln := listen(t, "tcp6", "[::1]:0")
	client, _ := connect(t, ln, "")
	ss := ours(read(t, Filter{Ports: []int{port(ln.Addr())}}, count(3)))
	for _, s := range ss {
		if s.Family != "IPv6" || s.LocalAddr != "::1" || s.V4Mapped || s.DualStack {
			t.Errorf("got %+v, want an IPv6 socket on ::1", s)
		}
	}
	c := find(t, ss, "the client end", func(s Socket) bool { return s.LocalPort == port(client.LocalAddr()) })
	if c.RemoteAddr != "::1" {
		t.Errorf("client end: got %+v", c)
	}
}

func TestReadDualStack(t *testing.T) {
	// Go's "tcp" listener on ":0" is one IPv6 socket that takes IPv4.
	ln := listen(t, "tcp", ":0")
	lp := port(ln.Addr())
	client, _ := connect(t, ln, net.JoinHostPort("127.0.0.1", strconv.Itoa(lp)))
	ss := ours(read(t, Filter{Ports: []int{lp}}, count(3)))

	t.Run("the [::] listener is dual-stack", func(t *testing.T) {
		l := find(t, ss, "listening", func(s Socket) bool { return s.State == "LISTEN" })
		if l.Family != "IPv6" || l.LocalAddr != "::" || !l.DualStack || l.DualStackGuess {
			t.Errorf("got %+v, want a dual-stack IPv6 listener on :: known from the kernel", l)
		}
	})
	t.Run("the accepted end of an IPv4 client is v4-mapped", func(t *testing.T) {
		s := find(t, ss, "the accepted end", func(s Socket) bool { return s.LocalPort == lp && s.State != "LISTEN" })
		if s.Family != "IPv6" || !s.V4Mapped || s.LocalAddr != "::ffff:127.0.0.1" || s.RemoteAddr != "::ffff:127.0.0.1" {
			t.Errorf("got %+v", s)
		}
		checkOwned(t, s)
	})
	t.Run("the IPv4 client is a plain IPv4 socket", func(t *testing.T) {
		c := find(t, ss, "the client", func(s Socket) bool { return s.LocalPort == port(client.LocalAddr()) })
		if c.Family != "IPv4" || c.V4Mapped || c.LocalAddr != "127.0.0.1" {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("a tcp6 listener on [::] is IPv6 only", func(t *testing.T) {
		ln6 := listen(t, "tcp6", "[::]:0")
		ss := ours(read(t, Filter{Ports: []int{port(ln6.Addr())}}, count(1)))
		if s := ss[0]; s.LocalAddr != "::" || s.DualStack || s.DualStackGuess {
			t.Errorf("got %+v, want an IPv6-only listener on ::", s)
		}
	})
}

func TestReadUnix(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln := listen(t, "unix", path)
	client, _ := connect(t, ln, "")
	// A second listener on another path must not show up.
	other := listen(t, "unix", filepath.Join(dir, "other.sock"))
	connect(t, other, "")

	ss := ours(read(t, Filter{Paths: []string{path}}, count(3)))
	l := find(t, ss, "listening", func(s Socket) bool { return s.State == "LISTEN" })
	srv := find(t, ss, "the accepted end", func(s Socket) bool { return s.State == "ESTABLISHED" && s.Path != "" })
	cli := find(t, ss, "the client end", func(s Socket) bool { return s.Path == "" })

	t.Run("the listener has the path and the stream type", func(t *testing.T) {
		if l.Kind != Unix || l.Family != "unix" || l.Type != "stream" || l.Path != path {
			t.Errorf("got %+v", l)
		}
		checkOwned(t, l)
	})
	t.Run("the accepted end carries the listener's path", func(t *testing.T) {
		if srv.Type != "stream" || srv.PeerInode != cli.Inode {
			t.Errorf("got %+v, want the peer of inode %d", srv, cli.Inode)
		}
		checkOwned(t, srv)
	})
	t.Run("the unnamed client end is found through its peer", func(t *testing.T) {
		if cli.State != "ESTABLISHED" || cli.PeerInode != srv.Inode || cli.Inode != inodeOf(t, client) {
			t.Errorf("got %+v, want the peer of inode %d", cli, srv.Inode)
		}
		checkOwned(t, cli)
	})
	t.Run("rows are listener, server end, client end", func(t *testing.T) {
		if ss[0] != l || ss[1] != srv || ss[2] != cli {
			t.Errorf("got\n%s", table(ss))
		}
	})
	t.Run("a path with a doubled slash matches", func(t *testing.T) {
		read(t, Filter{Paths: []string{dir + "//s.sock"}}, count(3))
	})
}

func TestReadUnixDatagramAbstract(t *testing.T) {
	name := "@sl-test-" + strconv.Itoa(os.Getpid())
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ss := ours(read(t, Filter{Paths: []string{name}}, count(1)))
	if s := ss[0]; s.Type != "dgram" || s.State != "UNCONNECTED" || s.Path != name {
		t.Errorf("got %+v", s)
	}
}

func TestReadTimeWait(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0")
	client, server := connect(t, ln, "")
	cp := port(client.LocalAddr())
	// The side that closes first waits in TIME_WAIT once the other side
	// has closed too.
	client.Close()
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := server.Read(make([]byte, 1)); err == nil {
		t.Fatal("read data, want EOF")
	}
	server.Close()
	timeWait := func(s Socket) bool {
		return s.LocalPort == cp && s.RemotePort == port(ln.Addr()) && s.State == "TIME_WAIT"
	}
	ss := read(t, Filter{Ports: []int{cp}}, func(ss []Socket) bool {
		return slices.ContainsFunc(ss, timeWait)
	})
	if s := find(t, ss, "in TIME_WAIT", timeWait); s.Inode != 0 || s.PID != 0 {
		t.Errorf("got %+v, want a TIME_WAIT socket no process owns", s)
	}
}

func TestReadFilter(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0")
	t.Run("the zero filter selects nothing", func(t *testing.T) {
		snap, err := Read(Filter{})
		if err != nil || len(snap.Sockets) != 0 {
			t.Errorf("got %d sockets, %v", len(snap.Sockets), err)
		}
	})
	t.Run("All includes this test's listener", func(t *testing.T) {
		snap, err := Read(Filter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		find(t, snap.Sockets, "the listener", func(s Socket) bool { return s.LocalPort == port(ln.Addr()) })
		if snap.Took <= 0 || snap.Taken.IsZero() {
			t.Errorf("Took %v, Taken %v", snap.Took, snap.Taken)
		}
	})
}

func TestReadWithoutNetlink(t *testing.T) {
	noNetlink = true
	t.Cleanup(func() { noNetlink = false })
	dual := listen(t, "tcp", ":0")
	only6 := listen(t, "tcp6", "[::]:0")
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln := listen(t, "unix", path)
	client, _ := connect(t, ln, "")

	t.Run("a listener on [::] is a dual-stack guess", func(t *testing.T) {
		v6only, err := os.ReadFile("/proc/sys/net/ipv6/bindv6only")
		if err != nil || strings.TrimSpace(string(v6only)) != "0" {
			t.Skipf("this test expects net.ipv6.bindv6only = 0 (%q, %v)", v6only, err)
		}
		ss := ours(read(t, Filter{Ports: []int{port(dual.Addr()), port(only6.Addr())}}, count(2)))
		for _, s := range ss {
			// Without the kernel's answer the IPV6_V6ONLY listener
			// looks dual-stack too: the flag says it is a guess.
			if !s.DualStack || !s.DualStackGuess || s.SendQ != 0 {
				t.Errorf("got %+v, want a guessed dual-stack listener without a backlog", s)
			}
		}
	})
	t.Run("the unnamed client end is not matched by path", func(t *testing.T) {
		ss := ours(read(t, Filter{Paths: []string{path}}, count(2)))
		for _, s := range ss {
			if s.Path != path || s.PeerInode != 0 {
				t.Errorf("got %+v, want only sockets bound to %s, without peers", s, path)
			}
		}
	})
	t.Run("the unnamed client end is listed under All", func(t *testing.T) {
		snap, err := Read(Filter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		ino := inodeOf(t, client)
		c := find(t, snap.Sockets, "the client end", func(s Socket) bool { return s.Inode == ino })
		if c.Kind != Unix || c.Path != "" || c.State != "ESTABLISHED" || c.PID != os.Getpid() {
			t.Errorf("got %+v, want the unnamed client end of this process", c)
		}
	})
}

func TestReadFindsAnOwnerThatMovedItsSocket(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0")
	f := Filter{Ports: []int{port(ln.Addr())}}
	before := find(t, ours(read(t, f, count(1))), "the listener", func(Socket) bool { return true })

	// Keep the socket open on a new descriptor only: the file where the
	// last Read found it is closed.
	dup, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dup.Close() })
	ln.Close()

	after := find(t, ours(read(t, f, count(1))), "the listener", func(Socket) bool { return true })
	if after.Inode != before.Inode {
		t.Fatalf("inode changed from %d to %d", before.Inode, after.Inode)
	}
	checkOwned(t, after)
	ownerCache.Lock()
	c := ownerCache.m[after.Inode]
	ownerCache.Unlock()
	if c.fd != int(dup.Fd()) {
		t.Errorf("the cache holds fd %d, want the new descriptor %d", c.fd, dup.Fd())
	}
}

func TestReadManyPorts(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0")
	// More ports than the kernel is asked to filter on: Read filters
	// the sockets itself.
	var ports []int
	for p := 1; len(ports) < maxFilterPorts; p++ {
		ports = append(ports, p)
	}
	ports = append(ports, 70000, -1, port(ln.Addr()))
	ss := ours(read(t, Filter{Ports: ports}, count(1)))
	if ss[0].LocalPort != port(ln.Addr()) || ss[0].State != "LISTEN" {
		t.Errorf("got %+v, want the listener", ss[0])
	}
}

func TestReadUnixNameWithANewlineForgesNoRow(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// /proc/net/unix writes a name as it is, one socket a line: this
	// name ends its line early and makes the rest look like a listener
	// on real.sock, with an inode of its own choosing.
	real := filepath.Join(dir, "real.sock")
	forged := "x\n0000000000000000: 00000002 00000000 00010000 0001 01 99999 " + real
	hostile := filepath.Join(dir, forged)
	if err := os.MkdirAll(filepath.Dir(hostile), 0o700); err != nil {
		t.Fatal(err)
	}
	ln := listen(t, "unix", hostile)

	t.Run("nothing is listed on the path nobody listens on", func(t *testing.T) {
		snap, err := Read(Filter{Paths: []string{real}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snap.Sockets {
			t.Errorf("a row for %q that no socket has: %+v", real, s)
		}
	})
	t.Run("the hostile name is read back whole", func(t *testing.T) {
		ss := ours(read(t, Filter{Paths: []string{hostile}}, count(1)))
		if ss[0].Path != hostile || ss[0].State != "LISTEN" || ss[0].Inode != inodeOf(t, ln) {
			t.Errorf("got %+v, want the listener on %q", ss[0], hostile)
		}
	})
}

func TestDiagUnixAgreesWithProc(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln := listen(t, "unix", filepath.Join(dir, "s.sock"))
	connect(t, ln, "")
	abstract := "@sl-agree-" + strconv.Itoa(os.Getpid())
	g, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: abstract, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })

	buf := make([]byte, 64<<10)
	c, err := openDiag(buf)
	if err != nil {
		t.Skipf("no sock_diag here: %v", err)
	}
	fromDiag, err := c.unixSockets(nil)
	c.Close()
	if err != nil {
		t.Skipf("no sock_diag for Unix sockets here: %v", err)
	}
	var fromProc []Socket
	err = readTable("/proc/net/unix", func(fl *os.File) error {
		return scanUnix(fl, buf, func(r unixRow) { fromProc = append(fromProc, unixSocket(r)) })
	})
	if err != nil {
		t.Fatal(err)
	}
	// Only this process's sockets, and only what /proc knows of them:
	// others may come and go between the two reads.
	mine := func(ss []Socket) []Socket {
		var kept []Socket
		for _, s := range ss {
			if s.Inode != 0 && isMine(t, s.Inode) {
				s.PeerInode, s.RecvQ, s.SendQ = 0, 0, 0
				kept = append(kept, s)
			}
		}
		Sort(kept)
		return kept
	}
	a, b := mine(fromDiag), mine(fromProc)
	if len(a) < 4 || !slices.Equal(a, b) {
		t.Errorf("netlink gave\n%s\n/proc gave\n%s", table(a), table(b))
	}
}
