package ui

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/socketlab/socketlab/inspect/sockets"
)

// narrowing limits the Packets pane to one connection, or to every
// connection of one listening port.
type narrowing struct {
	on    bool
	conn  bool           // key is set; otherwise port (and maybe addr)
	key   connKey        // the connection
	port  uint16         // the listening port
	addr  netip.AddrPort // the listener's address, for the label
	tap   string         // when set, every connection of this tap relay
	label string
}

func (n narrowing) match(r *row) bool {
	if n.tap != "" {
		return r.tap != nil && r.tap.name == n.tap
	}
	if n.conn {
		return r.key == n.key
	}
	return r.p.Src.Port() == n.port || r.p.Dst.Port() == n.port
}

// narrowTo builds the narrowing for a socket row, or reports why that
// socket has no packets to show. tapHint is the -tap value to suggest
// for a Unix socket without a path of its own (Options.TapHint).
func narrowTo(s sockets.Socket, tapHint string) (narrowing, error) {
	if s.Kind != sockets.TCP {
		hint := tapHint
		if s.Path != "" {
			hint = filepath.Join(filepath.Dir(s.Path), "tap.sock") + "=" + s.Path
		}
		if hint == "" {
			hint = "TAP.sock=SERVER.sock"
		}
		listen, _, _ := strings.Cut(hint, "=")
		return narrowing{}, fmt.Errorf("unix sockets never reach lo, so "+
			"capture cannot show their bytes; a tap can: inspect -tap %s, "+
			"then point the client at %s", hint, listen)
	}
	local, err := parseAddrPort(s.LocalAddr, s.LocalPort)
	if err != nil {
		return narrowing{}, err
	}
	remote, err := parseAddrPort(s.RemoteAddr, s.RemotePort)
	if err != nil || s.RemotePort == 0 || remote.Addr().IsUnspecified() {
		return narrowing{on: true, port: uint16(s.LocalPort), addr: local,
			label: fmt.Sprintf("port %d", s.LocalPort)}, nil
	}
	return narrowing{on: true, conn: true, key: keyOf(local, remote)}, nil
}

// tapOfPath returns the name of a tap relay whose rows in the ring
// listen on or forward to path.
func (m *Model) tapOfPath(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	for i := m.n - 1; i >= 0; i-- {
		r := &m.ring[(m.start+i)%len(m.ring)]
		if r.tap != nil && (r.tap.server == path || strings.HasPrefix(r.tap.name, path+" → ")) {
			return r.tap.name, true
		}
	}
	return "", false
}

// narrowToRow narrows to the connection of a packet.
func narrowToRow(r *row) narrowing {
	return narrowing{on: true, conn: true, key: r.key}
}

func parseAddrPort(addr string, port int) (netip.AddrPort, error) {
	if addr == "" || addr == "*" {
		addr = "::"
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("socket address %q: %w", addr, err)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), nil
}

// SetNarrow narrows the Packets pane to the connection of socket s, or
// for a Unix socket on a tapped path, to that tap's events; the error
// says why it cannot (a Unix socket has no packets on lo).
func (m *Model) SetNarrow(s sockets.Socket) error {
	n, err := narrowTo(s, m.opt.TapHint)
	if err != nil {
		name, ok := m.tapOfPath(s.Path)
		if !ok {
			return err
		}
		n = narrowing{on: true, tap: name, label: "tap " + name}
	}
	m.setNarrowing(n)
	return nil
}

func (m *Model) setNarrowing(n narrowing) {
	switch {
	case n.conn && n.key.tap != "":
		n.label = fmt.Sprintf("tap connection #%d", n.key.conn)
	case n.conn:
		c, sv := m.clientServer(n.key)
		n.label = addrString(c) + " ⇄ " + addrString(sv)
	}
	m.narrow = n
	m.refilter()
}

// clientServer returns the client and server ends of connection k, as
// learned from its packets or guessed from the ports.
func (m *Model) clientServer(k connKey) (client, server netip.AddrPort) {
	client = unmap(guessClient(k.a, k.b, m.opt.ServerPorts))
	if c := m.conns[k]; c != nil {
		client = c.client
	}
	if client == k.b {
		return k.b, k.a
	}
	return k.a, k.b
}

// ClearNarrow shows the packets of every connection again.
func (m *Model) ClearNarrow() { m.setNarrowing(narrowing{}) }

// Narrow returns a label for the narrowing, or "" when there is none.
func (m *Model) Narrow() string { return m.narrow.label }
