package sockets

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// procRoot is where Read finds the proc file system.
const procRoot = "/proc"

// scratch is the memory one Read works in: line and netlink buffers and
// the map of wanted inodes to their owners. Reads reuse it through
// scratchPool, so a table refreshed every second does not allocate it
// each time. It also remembers how many sockets the last Read found, so
// that the next one can make room for as many at once.
type scratch struct {
	buf4, buf6 []byte
	owners     map[uint64]fdRef
	n4, nRest  int
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		buf4:   make([]byte, 64<<10),
		buf6:   make([]byte, 64<<10),
		owners: make(map[uint64]fdRef),
	}
}}

// MinInterval is the shortest time a view that polls the table should
// leave between two Reads: none here, where a Read is cheap.
const MinInterval time.Duration = 0

// Read returns the sockets f selects, sorted (see Sort), with their
// owning processes. It returns an error only if a socket table cannot be
// read; facts it cannot learn (another user's pid, Unix peers without
// netlink) are left zero. It may be called from any goroutine.
//
// With thousands of sockets most of the time goes to the kernel walking
// its hash tables and to one system call per socket to find its owner.
// Read remembers where it found each socket's owner, so that the next
// Read, a second later, checks those files instead of walking every
// process's; and it does that check and reads the IPv4 TCP sockets on
// two more goroutines, both finished when it returns, while it reads the
// IPv6 and Unix ones.
func Read(f Filter) (Snapshot, error) {
	start := time.Now()
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)

	// The IPv4 sockets go first into a slice with room for the whole
	// table, so that the rest can be appended without copying it again.
	tcp4 := make([]Socket, 0, sc.n4+sc.nRest)
	rest := make([]Socket, 0, sc.nRest)
	var err4, errRest error
	var wg sync.WaitGroup
	wg.Go(func() { confirmCached(procRoot) })
	if f.All || len(f.Ports) > 0 {
		wg.Go(func() { tcp4, err4 = readTCP(procRoot+"/net/tcp", unix.AF_INET, f, sc.buf4, tcp4) })
		rest, errRest = readTCP(procRoot+"/net/tcp6", unix.AF_INET6, f, sc.buf6, rest)
	}
	if errRest == nil && (f.All || len(f.Paths) > 0) {
		var us []Socket
		us, errRest = readUnix(f, sc.buf6)
		rest = append(rest, us...)
	}
	wg.Wait()
	if err := cmp.Or(err4, errRest); err != nil {
		return Snapshot{}, err
	}
	sc.n4, sc.nRest = len(tcp4), len(rest)
	out := append(tcp4, rest...)
	switch {
	case len(out) == 0:
		out = nil
	case cap(out) > 2*len(out)+64:
		// The last Read found many more: do not keep that room alive.
		out = slices.Clone(out)
	}

	clear(sc.owners)
	for _, s := range out {
		if s.Inode != 0 {
			sc.owners[s.Inode] = fdRef{}
		}
	}
	if err := findOwners(procRoot, sc.owners, sc.buf4); err != nil {
		return Snapshot{}, err
	}
	comms := make(map[int]string)
	for i := range out {
		pid := sc.owners[out[i].Inode].pid
		if pid == 0 || out[i].Inode == 0 {
			continue
		}
		comm, ok := comms[pid]
		if !ok {
			comm = readComm(procRoot + "/" + strconv.Itoa(pid))
			comms[pid] = comm
		}
		out[i].PID, out[i].Process = pid, comm
	}
	Sort(out)
	return Snapshot{Taken: start, Sockets: out, Took: time.Since(start)}, nil
}

// readTCP appends to out the TCP sockets of family (AF_INET or AF_INET6)
// that f selects. It asks the kernel over netlink and, where that fails,
// reads the /proc/net table name instead.
func readTCP(name string, family uint8, f Filter, buf []byte, out []Socket) ([]Socket, error) {
	if !noNetlink {
		if all, err := diagTCP(family, f, buf, out); err == nil {
			return all, nil
		}
	}
	return procTCP(name, family, f, buf, out)
}

// diagTCP appends to out the TCP sockets of family that f selects, from
// a sock_diag dump. With a port filter the kernel itself leaves out the
// other sockets, so it formats and sends only the ones f selects.
func diagTCP(family uint8, f Filter, buf []byte, out []Socket) ([]Socket, error) {
	c, err := openDiag(buf)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	n := len(out)
	names := make(addrNames)
	keep := func(r *diagTCPRow) {
		if !selects(f, &r.tcpRow) {
			return
		}
		s := tcpSocket(r.tcpRow, names)
		if r.state == tcpListen {
			applyListen(&s, r.listen, true)
		}
		out = append(out, s)
	}
	var ports []int
	if !f.All && len(f.Ports) <= maxFilterPorts {
		ports = f.Ports
	}
	err = c.tcp(family, ports, keep)
	if err != nil && len(ports) > 0 {
		// An older kernel without the bytecode's equality tests
		// (INET_DIAG_BC_S_EQ) refuses the filter: filter here.
		out = out[:n]
		err = c.tcp(family, nil, keep)
	}
	return out, err
}

// maxFilterPorts is the most ports diagTCP asks the kernel to filter on;
// with more, it filters the sockets itself. The program grows by 24
// bytes a port, and the kernel's check of it takes time that grows with
// the square of its length; 64 ports make a 1,532-byte program.
const maxFilterPorts = 64

// selects reports whether f selects the TCP socket r.
func selects(f Filter, r *tcpRow) bool {
	return f.All || slices.Contains(f.Ports, int(r.local.Port())) ||
		slices.Contains(f.Ports, int(r.remote.Port()))
}

// procTCP appends to out the sockets of the /proc/net/tcp or tcp6 table
// name that f selects. family is AF_INET or AF_INET6 to match.
func procTCP(name string, family uint8, f Filter, buf []byte, out []Socket) ([]Socket, error) {
	n := len(out)
	names := make(addrNames)
	listening := false
	err := readTable(name, func(fl *os.File) error {
		return scanTCP(fl, buf, func(r tcpRow) {
			if selects(f, &r) {
				out = append(out, tcpSocket(r, names))
				listening = listening || r.state == tcpListen
			}
		})
	})
	if family == unix.AF_INET6 && errors.Is(err, fs.ErrNotExist) {
		return out[:n], nil // a kernel without IPv6
	}
	if err != nil || !listening {
		return out, err
	}
	listen := listenExtras(family, buf)
	for i := n; i < len(out); i++ {
		if out[i].State == "LISTEN" {
			x, ok := listen[out[i].Inode]
			applyListen(&out[i], x, ok)
		}
	}
	return out, nil
}

// readUnix returns the Unix sockets that f selects. It asks the kernel
// over netlink and, where that fails, reads /proc/net/unix instead, which
// knows no peers or queues, and in which a socket name holding a newline
// looks like two rows.
func readUnix(f Filter, buf []byte) ([]Socket, error) {
	if !noNetlink {
		if c, err := openDiag(buf); err == nil {
			us, err := c.unixSockets(nil)
			c.Close()
			if err == nil {
				return matchUnix(us, f), nil
			}
		}
	}
	var us []Socket
	err := readTable(procRoot+"/net/unix", func(fl *os.File) error {
		return scanUnix(fl, buf, func(r unixRow) { us = append(us, unixSocket(r)) })
	})
	if err != nil {
		return nil, err
	}
	return matchUnix(us, f), nil
}

// readTable opens the file name and hands it to scan.
func readTable(name string, scan func(*os.File) error) error {
	fl, err := os.Open(name)
	if err != nil {
		return err
	}
	defer fl.Close()
	if err := scan(fl); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// addrNames remembers the text of the addresses one table read has
// met: a table of thousands of loopback sockets holds a few addresses,
// and each is written out once.
type addrNames map[netip.Addr]string

func (m addrNames) name(a netip.Addr) string {
	s, ok := m[a]
	if !ok {
		s = a.String()
		m[a] = s
	}
	return s
}

// tcpSocket turns a TCP row, from /proc/net/tcp or netlink, into a
// Socket, taking the text of its addresses from names.
func tcpSocket(r tcpRow, names addrNames) Socket {
	s := Socket{
		Kind:       TCP,
		Family:     "IPv4",
		LocalAddr:  names.name(r.local.Addr()),
		LocalPort:  int(r.local.Port()),
		RemoteAddr: names.name(r.remote.Addr()),
		RemotePort: int(r.remote.Port()),
		State:      tcpStateName(r.state),
		RecvQ:      int(r.recvQ),
		SendQ:      int(r.sendQ),
		Inode:      r.inode,
	}
	if r.local.Addr().Is6() {
		s.Family = "IPv6"
		s.V4Mapped = r.local.Addr().Is4In6() || r.remote.Addr().Is4In6()
	}
	if r.state == tcpListen {
		// The kernel counts the accept queue in rx_queue and leaves
		// tx_queue 0; the remote side of a listener is all zeros.
		s.SendQ = 0
		s.RemoteAddr, s.RemotePort = "", 0
	}
	return s
}

// applyListen adds what netlink knows about a listening socket, x if ok:
// its backlog and, for an IPv6 socket on [::], whether it is dual-stack.
// Without netlink, a [::] listener is taken to be dual-stack when the
// system default (net.ipv6.bindv6only) says so, and DualStackGuess is set.
func applyListen(s *Socket, x listenExtra, ok bool) {
	unspec6 := s.Family == "IPv6" && s.LocalAddr == "::"
	if ok {
		s.SendQ = int(x.backlog)
	}
	if !unspec6 {
		return
	}
	if ok && x.knownV6O {
		s.DualStack = !x.v6Only
		return
	}
	s.DualStack = !bindV6OnlyDefault()
	s.DualStackGuess = true
}

// bindV6OnlyDefault reports the system default for IPV6_V6ONLY.
func bindV6OnlyDefault() bool {
	b, err := os.ReadFile(procRoot + "/sys/net/ipv6/bindv6only")
	return err == nil && len(b) > 0 && b[0] == '1'
}

// unixSocket turns a parsed /proc/net/unix row into a Socket.
func unixSocket(r unixRow) Socket {
	return Socket{
		Kind:   Unix,
		Family: "unix",
		Path:   r.path,
		Type:   unixTypeName(r.typ),
		State:  unixStateName(r.flags, r.state),
		Inode:  r.inode,
	}
}

// noNetlink makes Read behave as on a system without sock_diag; tests
// set it to check what the table shows then.
var noNetlink bool

// listenExtras asks netlink about every listening TCP socket of family;
// it returns an empty map if netlink is not available.
func listenExtras(family uint8, buf []byte) map[uint64]listenExtra {
	m := make(map[uint64]listenExtra)
	if noNetlink {
		return m
	}
	c, err := openDiag(buf)
	if err != nil {
		return m
	}
	defer c.Close()
	if c.listeners(family, m) != nil {
		clear(m)
	}
	return m
}

// matchUnix returns the sockets of us that f selects: those bound to one
// of f.Paths, and those whose peer is.
func matchUnix(us []Socket, f Filter) []Socket {
	if f.All {
		return us
	}
	matched := make(map[uint64]bool)
	for _, s := range us {
		if s.Path != "" && pathMatches(s.Path, f.Paths) {
			matched[s.Inode] = true
		}
	}
	var out []Socket
	for _, s := range us {
		if matched[s.Inode] || s.PeerInode != 0 && matched[s.PeerInode] {
			out = append(out, s)
		}
	}
	return out
}

// pathMatches reports whether path names one of paths. Paths are
// compared after filepath.Clean, so "/tmp//x.sock" matches "/tmp/x.sock";
// abstract names ("@name") are compared as they are.
func pathMatches(path string, paths []string) bool {
	for _, p := range paths {
		if p == path || p != "" && p[0] != '@' && filepath.Clean(p) == path {
			return true
		}
	}
	return false
}
