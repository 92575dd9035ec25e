package ui

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
)

// compareLine is one line of the compare view before wrapping.
type compareLine struct {
	text  string
	color tcell.Color
}

// compareSide is one column of the compare view, as plain values: the
// sections a class reads across, from the same model as the panes.
type compareSide struct {
	title  string
	addr   []compareLine // addresses: address, family and port, or path
	kernel []compareLine // what the socket table shows
	wire   []compareLine // packets on lo, or why there are none
	said   []compareLine // the conversation, oldest first
}

// noPackets says why an IPC connection has no packets.
const noPackets = "0 packets: AF_UNIX bytes are copied between socket buffers " +
	"inside the kernel and never reach lo, so capture cannot see them"

// compareSections are the headings of the rows the view lines up.
var compareSections = []string{"ADDRESSES", "WHAT THE KERNEL SHOWS", "ON THE WIRE (lo)", "WHAT WAS SAID"}

// comparison returns the TCP and the IPC side of the compare view: the
// selected packet's connection and the most recent of the other kind.
func (m *Model) comparison() (tcpSide, ipcSide compareSide) {
	var tcpKey, tapKey connKey
	var haveTCP, haveTap bool
	if r := m.selectedRow(); r != nil && r.p.Malformed == "" {
		if r.tap != nil {
			tapKey, haveTap = r.key, true
		} else {
			tcpKey, haveTCP = r.key, true
		}
	}
	for i := m.n - 1; i >= 0 && (!haveTCP || !haveTap); i-- {
		r := &m.ring[(m.start+i)%len(m.ring)]
		switch {
		case r.p.Malformed != "":
		case r.tap != nil && !haveTap:
			tapKey, haveTap = r.key, true
		case r.tap == nil && !haveTCP:
			tcpKey, haveTCP = r.key, true
		}
	}
	return m.compareTCP(tcpKey, haveTCP), m.compareTap(tapKey, haveTap)
}

func (m *Model) compareTCP(k connKey, ok bool) compareSide {
	th := m.opt.Theme
	if !ok {
		hint := m.opt.PacketsHint
		if hint == "" {
			hint = "connect a TCP client, for example nc 127.0.0.1 3008"
		}
		return compareSide{title: "TCP: no connection captured yet",
			addr: []compareLine{{hint, th.Dim}}}
	}
	client, server := m.clientServer(k)
	s := compareSide{title: "TCP over lo: " + addrString(client) + " ⇄ " + addrString(server)}
	s.addr = []compareLine{
		{"client " + addrString(client) + "  " + family(client) + ", port " +
			fmt.Sprint(client.Port()) + " picked by the kernel (ephemeral)", th.Client},
		{"server " + addrString(server) + "  " + family(server) + ", port " +
			fmt.Sprint(server.Port()) + " the server listens on", th.Server},
	}
	for _, so := range m.sockets.Sockets {
		if so.Kind != sockets.TCP {
			continue
		}
		local, err1 := parseAddrPort(so.LocalAddr, so.LocalPort)
		remote, err2 := parseAddrPort(so.RemoteAddr, so.RemotePort)
		if err1 != nil || err2 != nil {
			continue
		}
		switch {
		case local == client && remote == server:
			s.kernel = append(s.kernel, kernelLines("client end", so, th.Client)...)
		case local == server && remote == client:
			s.kernel = append(s.kernel, kernelLines("server end", so, th.Server)...)
		case so.State == "LISTEN" && so.LocalPort == int(server.Port()):
			s.kernel = append(s.kernel, kernelLines("listener", so, th.Listen)...)
		}
	}
	if len(s.kernel) == 0 {
		s.kernel = []compareLine{{"not in the socket table (closed, or not read yet)", th.Dim}}
	}
	var packets, hs, data, teardown, bytes int
	for i := 0; i < m.n; i++ {
		r := &m.ring[(m.start+i)%len(m.ring)]
		if r.tap != nil || r.key != k {
			continue
		}
		packets++
		bytes += r.p.Len
		switch {
		case r.step == stepHandshake:
			hs++
		case r.step == stepTeardown:
			teardown++
		}
		if r.p.Len > 0 {
			data++
		}
	}
	s.wire = []compareLine{{fmt.Sprintf("%s captured on lo, %s of data in %s",
		plural(packets, "packet"), plural(bytes, "byte"), plural(data, "segment")), th.Text}}
	if hs >= 3 {
		s.wire = append(s.wire, compareLine{"handshake seen: SYN, SYN-ACK, ACK", th.Handshake})
	} else {
		s.wire = append(s.wire, compareLine{fmt.Sprintf("handshake: %d of 3 steps seen", hs), th.Handshake})
	}
	if teardown > 0 {
		s.wire = append(s.wire, compareLine{fmt.Sprintf("teardown: %s (FIN, ACK)", plural(teardown, "packet")), th.Teardown})
	}
	var conv *streamBuf
	if m.opt.Conversations != nil {
		conv = m.conversation(k)
	} else {
		conv = m.streams[k]
	}
	s.said = saidLines(th, conv)
	return s
}

func (m *Model) compareTap(k connKey, ok bool) compareSide {
	th := m.opt.Theme
	if !ok {
		hint := m.opt.TapHint
		if hint == "" {
			hint = "TAP.sock=SERVER.sock"
		}
		listen, _, _ := strings.Cut(hint, "=")
		return compareSide{title: "IPC: no tap connection yet",
			addr: []compareLine{
				{"a Unix socket's bytes need a tap relay:", th.Dim},
				{"  inspect -tap " + hint, th.Text},
				{"then point the client at the tap:", th.Dim},
				{"  nc -U " + listen, th.Text}},
			wire: []compareLine{{noPackets, th.Reset}}}
	}
	var info *tapInfo
	var events, chunks, c2s, s2c int
	for i := 0; i < m.n; i++ {
		r := &m.ring[(m.start+i)%len(m.ring)]
		if r.tap == nil || r.key != k {
			continue
		}
		info = r.tap
		events++
		if r.tap.kind == tap.Data {
			chunks++
			if r.dir == capture.ClientToServer {
				c2s += r.p.Len
			} else {
				s2c += r.p.Len
			}
		}
	}
	s := compareSide{title: "IPC (Unix socket) via tap: " + tapClientLabel(info) + " ⇄ " + info.server}
	clientWhy := "unnamed: a client that never binds has no name; every one looks the same"
	if info.client != "@" && info.client != "" {
		clientWhy = "the relay's client"
	}
	s.addr = []compareLine{
		{"client " + tapClientLabel(info) + "  " + clientWhy, th.Client},
		{"server " + info.server + "  a path in the file system: no address, no port", th.Server},
		{"tap    " + info.name, th.Tap},
	}
	// The socket table knows the server's path; the unnamed client ends
	// are found through the peer inode of the sockets on that path.
	peers := map[uint64]bool{}
	for _, so := range m.sockets.Sockets {
		if so.Kind == sockets.Unix && so.Path == info.server && so.PeerInode != 0 {
			peers[so.PeerInode] = true
		}
	}
	const most = 6 // lines: three sockets
	for _, so := range m.sockets.Sockets {
		if so.Kind != sockets.Unix || len(s.kernel) >= most {
			continue
		}
		switch {
		case so.Path == info.server && so.State == "LISTEN":
			s.kernel = append(s.kernel, kernelLines("listener", so, th.Listen)...)
		case so.Path == info.server:
			s.kernel = append(s.kernel, kernelLines("server end", so, th.Server)...)
		case so.Path == "" && peers[so.Inode]:
			s.kernel = append(s.kernel, kernelLines("client end", so, th.Client)...)
		}
	}
	if len(s.kernel) == 0 {
		s.kernel = []compareLine{{"no socket on " + info.server + " in the table (closed, or not read yet)", th.Dim}}
	}
	s.wire = []compareLine{
		{noPackets, th.Reset},
		{fmt.Sprintf("the tap relayed %s c>s and %s s>c in %s (%s)", plural(c2s, "byte"),
			plural(s2c, "byte"), plural(chunks, "chunk"), plural(events, "event")), th.Tap},
	}
	s.said = saidLines(th, m.streams[k])
	return s
}

// kernelLines describes a socket table row in two lines: its state and
// identity, then its owner.
func kernelLines(role string, s sockets.Socket, c tcell.Color) []compareLine {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %s", role, s.State)
	if s.Kind == sockets.Unix && s.Path == "" {
		b.WriteString(" @ (unnamed)")
	}
	fmt.Fprintf(&b, " inode %d", s.Inode)
	if s.PeerInode != 0 {
		fmt.Fprintf(&b, " peer %d", s.PeerInode)
	}
	owner := "           queues " + fmt.Sprintf("%d/%d", s.RecvQ, s.SendQ)
	switch {
	case s.PID != 0:
		owner += fmt.Sprintf(", pid %d %s", s.PID, s.Process)
	case s.Inode == 0:
		owner += ", no process: the kernel keeps it"
	}
	return []compareLine{{b.String(), c}, {owner, c}}
}

func family(ap netip.AddrPort) string {
	if ap.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// saidLines turns a conversation into lines marked and coloured by
// direction.
func saidLines(th Theme, s *streamBuf) []compareLine {
	if s == nil || len(s.chunks) == 0 {
		return []compareLine{{"nothing yet", th.Dim}}
	}
	var out []compareLine
	for _, c := range s.chunks {
		if c.gap > 0 {
			out = append(out, compareLine{"… " + plural(c.gap, "byte") + " not seen …", th.Dim})
			continue
		}
		color, mark := th.Client, "→ "
		if c.dir == capture.ServerToClient {
			color, mark = th.Server, "← "
		}
		for _, line := range dataLines(c.data) {
			out = append(out, compareLine{mark + line, color})
		}
	}
	return out
}
