package sockets

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Columns are the headings of the cells Rows returns.
var Columns = []string{"KIND", "FAMILY", "LOCAL", "REMOTE", "STATE", "RECV-Q", "SEND-Q", "INODE", "PROCESS"}

// Rows returns one row of cells per socket of ss, in order, under
// Columns. A Unix socket's REMOTE cell names its peer: the peer's path,
// "(unnamed)", or "inode N" if the peer is not in ss; "*" when it has
// none or the peer is not known.
//
// Paths and process names are in the cells as the kernel gives them:
// chosen by whoever made the socket, they may hold newlines, terminal
// escapes or bytes that are not UTF-8. Show a cell through package
// visible, as WriteTable does.
func Rows(ss []Socket) [][]string {
	byInode := make(map[uint64]*Socket, len(ss))
	for i := range ss {
		if ss[i].Kind == Unix && ss[i].Inode != 0 {
			byInode[ss[i].Inode] = &ss[i]
		}
	}
	rows := make([][]string, len(ss))
	for i, s := range ss {
		var remote string
		if s.Kind == Unix {
			remote = "*"
			if p, ok := byInode[s.PeerInode]; ok {
				remote = unixName(p.Path)
			} else if s.PeerInode != 0 {
				remote = "inode " + strconv.FormatUint(s.PeerInode, 10)
			}
		} else {
			remote = HostPort(s.RemoteAddr, s.RemotePort)
		}
		rows[i] = []string{
			KindName(s),
			FamilyName(s),
			LocalName(s),
			remote,
			s.State,
			strconv.Itoa(s.RecvQ),
			strconv.Itoa(s.SendQ),
			strconv.FormatUint(s.Inode, 10),
			ProcessName(s),
		}
	}
	return rows
}

// WriteTable writes ss to w as an aligned text table under Columns, the
// form inspect sockets prints. Each cell is shown literally
// (visible.String), and columns are as wide as their widest cell in
// terminal cells, so that wide characters keep them aligned.
func WriteTable(w io.Writer, ss []Socket) error {
	rows := Rows(ss)
	table := make([][]string, 0, len(rows)+1)
	table = append(table, Columns)
	widths := make([]int, len(Columns))
	for _, r := range rows {
		for i, c := range r {
			r[i] = visible.String(c)
		}
		table = append(table, r)
	}
	for _, r := range table {
		for i, c := range r {
			widths[i] = max(widths[i], uniseg.StringWidth(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range table {
		for i, c := range r {
			bw.WriteString(c)
			if i < len(r)-1 {
				bw.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(c)+2))
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// NATSPort is the port a NATS server listens on for its clients unless
// told otherwise. Lab 10's servers meet on a NATS bus there, and the
// table names such sockets by it (see Bus).
const NATSPort = 4222

// Bus tells what part a TCP socket plays on a NATS bus, judged by its
// port alone: "bus" for a socket on NATSPort (NATS's listener, or its end
// of a connection), "to bus" for a program's connection to NATSPort, and
// "" for any other socket. A program other than NATS could use the port;
// the table says what the port suggests, as ss's service names do.
func Bus(s Socket) string {
	switch {
	case s.Kind != TCP:
		return ""
	case s.LocalPort == NATSPort:
		return "bus"
	case s.RemotePort == NATSPort:
		return "to bus"
	}
	return ""
}

// KindName returns "tcp", "unix/" followed by the socket type, or for a
// socket of a NATS bus "tcp/nats" (see Bus).
func KindName(s Socket) string {
	if s.Kind == Unix && s.Type != "" {
		return "unix/" + s.Type
	}
	if Bus(s) != "" {
		return "tcp/nats"
	}
	return string(s.Kind)
}

// FamilyName returns s.Family, or for an IPv6 socket "dual-stack" when it
// also takes IPv4 ("dual-stack?" when that is a guess) and "v4-mapped"
// when it carries an IPv4 connection.
func FamilyName(s Socket) string {
	switch {
	case s.DualStack && s.DualStackGuess:
		return "dual-stack?"
	case s.DualStack:
		return "dual-stack"
	case s.V4Mapped:
		return "v4-mapped"
	}
	return s.Family
}

// LocalName returns the local end of s: address:port for TCP, the path
// or "(unnamed)" for Unix.
func LocalName(s Socket) string {
	if s.Kind == Unix {
		return unixName(s.Path)
	}
	return HostPort(s.LocalAddr, s.LocalPort)
}

// HostPort joins an address and port as ss does: "127.0.0.1:3008",
// "[::1]:3008", "[::ffff:127.0.0.1]:3008"; "*" for no address at all.
func HostPort(addr string, port int) string {
	if addr == "" && port == 0 {
		return "*"
	}
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return addr + ":" + strconv.Itoa(port)
}

// ProcessName returns "PID/command", or "-" when the owner is unknown.
func ProcessName(s Socket) string {
	switch {
	case s.PID == 0:
		return "-"
	case s.Process == "":
		return strconv.Itoa(s.PID)
	}
	return strconv.Itoa(s.PID) + "/" + s.Process
}

func unixName(path string) string {
	if path == "" {
		return "(unnamed)"
	}
	return path
}

// Explain returns a sentence that says in plain words what s is, for a
// learner reading the table. Like Rows, it holds the path as it is.
func Explain(s Socket) string {
	var b strings.Builder
	switch {
	case s.Kind == Unix:
		b.WriteString(explainUnix(s))
	case Bus(s) == "bus" && s.State == "LISTEN":
		b.WriteString("the message bus (NATS, by its port " +
			strconv.Itoa(NATSPort) + ") waiting for servers to join; ")
		b.WriteString(explainTCP(s))
	case Bus(s) == "bus":
		b.WriteString("the bus's end of a server's connection to NATS " +
			"(port " + strconv.Itoa(NATSPort) + "); ")
		b.WriteString(explainTCP(s))
	case Bus(s) == "to bus":
		b.WriteString("a server's connection to the message bus (NATS " +
			"on port " + strconv.Itoa(NATSPort) + "): its clients' lines " +
			"leave here and other servers' arrive; ")
		b.WriteString(explainTCP(s))
	default:
		b.WriteString(explainTCP(s))
	}
	switch {
	case s.State == "LISTEN" && s.RecvQ > 0:
		fmt.Fprintf(&b, "; %d connection(s) wait for Accept", s.RecvQ)
	case s.State != "LISTEN" && s.RecvQ > 0:
		fmt.Fprintf(&b, "; %d byte(s) arrived that the program has not read yet", s.RecvQ)
	}
	if s.State != "LISTEN" && s.SendQ > 0 {
		fmt.Fprintf(&b, "; %d byte(s) sent but not yet acknowledged or read by the peer", s.SendQ)
	}
	if s.Inode != 0 && s.PID == 0 {
		b.WriteString("; its process is not visible here (another user's, " +
			"seen only by root, or in another container)")
	}
	return b.String()
}

func explainTCP(s Socket) string {
	switch s.State {
	case "LISTEN":
		return explainListen(s)
	case "ESTABLISHED":
		queued := ""
		if s.Inode == 0 {
			queued = "; it waits in the listener's accept queue: " +
				"the program has not called Accept yet"
		}
		if s.V4Mapped {
			return "an IPv4 connection on an IPv6 socket: the kernel writes " +
				"the IPv4 address as " + s.RemoteAddr + " (v4-mapped); " +
				"Go's RemoteAddr prints it as plain IPv4" + queued
		}
		return "connected: bytes can flow both ways" + queued
	case "SYN_SENT":
		return "connecting: sent SYN, waiting for the SYN-ACK"
	case "SYN_RECV":
		return "half-open: got a SYN, answered SYN-ACK, waiting for the " +
			"final ACK; no program has accepted it yet"
	case "FIN_WAIT1":
		return "this side closed and sent FIN; waiting for its ACK"
	case "FIN_WAIT2":
		return "this side closed; waiting for the other side to close too"
	case "CLOSE_WAIT":
		return "the other side closed (sent FIN) but this program has not " +
			"closed its end yet; reads return EOF"
	case "LAST_ACK":
		return "closed after the other side did; waiting for the last ACK"
	case "CLOSING":
		return "both sides closed at once; waiting for the ACK of our FIN"
	case "TIME_WAIT":
		return "closed; this side closed first, so the kernel keeps the " +
			"address pair for a minute so that late segments are not taken " +
			"for a new connection; no process owns it any more"
	case "CLOSE":
		return "closed"
	}
	return "state " + s.State
}

func explainListen(s Socket) string {
	a, err := netip.ParseAddr(s.LocalAddr)
	switch {
	case err != nil:
		return "listening on " + s.LocalAddr
	case s.Family == "IPv6" && a.IsUnspecified() && s.DualStackGuess:
		return "listening on every IPv6 address, and IPv4 too unless the " +
			"program set IPV6_V6ONLY (dual-stack [::]; the kernel's answer " +
			"was not available, so this follows the system default)"
	case s.Family == "IPv6" && a.IsUnspecified() && s.DualStack:
		return "listening on every IPv6 and IPv4 address (dual-stack [::]); " +
			"IPv4 clients show up as ::ffff:a.b.c.d"
	case s.Family == "IPv6" && a.IsUnspecified():
		return "listening on every IPv6 address only (IPV6_V6ONLY is set): " +
			"IPv4 clients cannot connect here"
	case a.IsUnspecified():
		return "listening on every IPv4 address (0.0.0.0), not on IPv6"
	case a.IsLoopback():
		return "listening on " + s.LocalAddr + " only: reachable from this " +
			"machine, not from the network"
	}
	return "listening on " + s.LocalAddr + " only"
}

func explainUnix(s Socket) string {
	where := "the socket file " + s.Path
	if strings.HasPrefix(s.Path, "@") {
		where = "the abstract name " + s.Path + " (no file on disk)"
	}
	switch {
	case s.State == "LISTEN":
		return "listening on " + where
	case s.Inode == 0 && s.Path != "":
		return "a connection to " + where + " that waits in the " +
			"listener's accept queue: the program has not called Accept yet"
	case s.Path == "" && s.Type == "dgram" && s.State != "ESTABLISHED":
		return "unnamed datagram socket: it has no path, so nobody can send to it"
	case s.Path == "":
		return "unnamed client end of a Unix socket: it has no path; " +
			"the server sees it as @"
	case s.State == "ESTABLISHED" && s.Type != "dgram":
		return "server end of a connection accepted on " + where +
			" (it shows the listener's path)"
	case s.State == "ESTABLISHED":
		return "datagram socket bound to " + where + ", connected to one peer"
	}
	return strings.ToLower(s.State) + " " + s.Type + " socket bound to " + where
}
