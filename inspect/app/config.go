package app

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/filter"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/ui"
	"github.com/socketlab/socketlab/inspect/visible"
)

// Config says what the UI watches and how it looks. The TUI's flags fill
// one; other commands (the demo) build one. Zero fields take the flags'
// defaults (lo, ui.DefaultRingSize, the default theme).
type Config struct {
	Ports []int    // TCP ports to watch: socket table and capture filter
	Paths []string // Unix socket paths whose sockets the table shows
	All   bool     // every TCP and Unix socket, every TCP packet
	Iface string   // the interface to capture on; "" is capture.Host.Loopback
	File  string   // a pcap file to show instead of capturing
	Ring  int      // packets kept, listed and saved; 0 is ui.DefaultRingSize

	// Filter is a tcpdump expression the capture applies too, live in
	// the kernel, to a file in user space: it keeps the TCP segments of
	// Ports (of every port with All or FilterAlone) that Filter keeps.
	// With FilterAlone, Ports still choose the sockets shown and tell
	// client from server.
	Filter      *filter.Expr
	FilterAlone bool

	Contrast bool // the high-contrast theme, for projectors
	Compare  bool // open on the compare view (TCP beside IPC)

	// Taps are relays whose traffic the Packets, Bytes and Stream panes
	// show beside the captured packets.
	Taps []Tap
}

// Tap is one tap relay the UI shows. With Events nil, Run starts the
// relay itself (tap.Listen on Listen, forwarding to To) and stops it,
// removing its socket file, when it ends. With Events set, someone else
// runs the relay: Run only reads Events until the channel is closed or
// the UI ends, and Listen and To only name the relay (and its socket
// file is added to the socket table's paths).
type Tap struct {
	Listen, To string
	Events     <-chan tap.Event
}

func (c Config) withDefaults() Config {
	if c.Iface == "" {
		c.Iface = capture.Host.Loopback
	}
	if c.Ring <= 0 {
		c.Ring = ui.DefaultRingSize
	}
	return c
}

// TapExample returns a -tap value for a server listening on path: a
// relay beside it, "DIR/tap.sock=path".
func TapExample(path string) string {
	return filepath.Join(filepath.Dir(path), "tap.sock") + "=" + path
}

// tapName names a tap in the panes: where clients connect and where the
// relay forwards them.
func tapName(t Tap) string { return t.Listen + " → " + t.To }

// socketFilter selects the sockets of the ports, the paths and the taps'
// listening sockets.
func socketFilter(cfg Config) sockets.Filter {
	f := sockets.Filter{Ports: slices.Clone(cfg.Ports), Paths: slices.Clone(cfg.Paths), All: cfg.All}
	for _, t := range cfg.Taps {
		for _, s := range []string{t.Listen, t.To} {
			a, err := tap.ParseAddr(s)
			if err != nil {
				continue
			}
			if a.Network == "unix" && !slices.Contains(f.Paths, a.Address) {
				f.Paths = append(f.Paths, a.Address)
			}
			if a.Network == "tcp" {
				if _, port, err := net.SplitHostPort(a.Address); err == nil {
					if n, err := strconv.Atoi(port); err == nil && n > 0 && !slices.Contains(f.Ports, n) {
						f.Ports = append(f.Ports, n)
					}
				}
			}
		}
	}
	return f
}

// filterText describes what the UI watches, for the status bar.
func filterText(cfg Config) string {
	if !cfg.Filter.Empty() {
		// The expression as typed, after what else selects packets.
		expr := cfg.Filter.String()
		if cfg.All || cfg.FilterAlone {
			return expr
		}
		cfg.Filter = nil
		return filterText(cfg) + " and " + expr
	}
	if cfg.All {
		return "all sockets, all TCP"
	}
	ps := make([]string, len(cfg.Ports))
	for i, p := range cfg.Ports {
		ps[i] = strconv.Itoa(p)
	}
	f := "tcp port " + strings.Join(ps, ",")
	if len(cfg.Paths) > 0 {
		f += " + unix " + strings.Join(cfg.Paths, ",")
	}
	return f
}

// socketsHint says what to run when no socket matches.
func socketsHint(cfg Config) string {
	if cfg.All {
		return "no TCP or Unix socket found"
	}
	var where []string
	for _, p := range cfg.Ports {
		where = append(where, ":"+strconv.Itoa(p))
	}
	on := strings.Join(where, ", ")
	if len(cfg.Paths) > 0 {
		on += " or " + strings.Join(cfg.Paths, ", ")
	}
	return "no server on " + on +
		" — try `go run ./labs/05-broadcast server` (TCP) or " +
		"`go run ./labs/07-ipc server` (Unix)"
}

// tapHint returns the -tap value that the UI suggests for watching a
// Unix socket: the first tap shown that listens on a socket path, else
// one beside the first path watched, else "" (the UI then writes a
// placeholder).
func tapHint(cfg Config) string {
	for _, t := range cfg.Taps {
		if a, err := tap.ParseAddr(t.Listen); err == nil && a.Network == "unix" {
			return t.Listen + "=" + t.To
		}
	}
	if len(cfg.Paths) > 0 {
		return TapExample(cfg.Paths[0])
	}
	return ""
}

// packetsHint says how to make packets appear.
func packetsHint(cfg Config) string {
	if cfg.File != "" {
		return "no TCP packets in " + cfg.File + " match"
	}
	port := 3008
	if len(cfg.Ports) > 0 {
		port = cfg.Ports[0]
	}
	hint := fmt.Sprintf("no packets yet — connect a client: nc 127.0.0.1 %d", port)
	for _, t := range cfg.Taps {
		if a, err := tap.ParseAddr(t.Listen); err == nil && a.Network == "unix" {
			hint += "; through the tap: nc -U " + a.Address
			break
		}
	}
	return hint
}

// startTaps listens for every tap that has no Events of its own. The
// returned slice has one entry per tap, nil for those run elsewhere. On
// error it closes what it opened.
func startTaps(taps []Tap) ([]*tap.Relay, error) {
	relays := make([]*tap.Relay, len(taps))
	for i, t := range taps {
		if t.Events != nil {
			continue
		}
		r, err := tap.Listen(tap.Config{Listen: t.Listen, To: t.To})
		if err != nil {
			for _, o := range relays[:i] {
				if o != nil {
					o.Close()
				}
			}
			return nil, fmt.Errorf("-tap %s=%s: %w", visible.String(t.Listen), visible.String(t.To), err)
		}
		relays[i] = r
	}
	return relays, nil
}
