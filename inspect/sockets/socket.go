package sockets

import "time"

// Kind is the transport of a socket: "tcp" or "unix".
type Kind string

// The kinds of socket the table lists.
const (
	TCP  Kind = "tcp"
	Unix Kind = "unix"
)

// Socket is one row of the socket table: a plain value, safe to copy and
// to hand to another goroutine.
//
// For a TCP socket, Family is "IPv4" or "IPv6" and the Local and Remote
// fields hold addresses and ports; DualStack is true for an IPv6 socket
// bound to the unspecified address [::] that also accepts IPv4, and
// V4Mapped is true when an IPv6 socket's local or remote address is an
// IPv4 address in ::ffff:a.b.c.d form (the kernel's view, kept as it is
// in LocalAddr and RemoteAddr; Go prints it as plain IPv4). A listening
// socket has no remote address or port, and its SendQ is its backlog
// limit when the kernel reports it (as ss shows), else 0; its RecvQ is
// the number of connections waiting to be accepted. Sockets the kernel
// keeps after a process let go (TIME_WAIT, SYN_RECV) have Inode 0 and
// no PID.
//
// For a Unix socket, Family is "unix", Path is the bound path (empty for
// the unnamed end a client gets from connect; "@name" for the abstract
// namespace), and Inode and PeerInode identify the two ends of a
// connected pair when the kernel reports them. PeerInode and the queue
// lengths of Unix sockets come from netlink sock_diag; they are 0 where
// it is not available.
type Socket struct {
	Kind       Kind   `json:"kind"`
	Family     string `json:"family"`
	LocalAddr  string `json:"local_address,omitempty"`
	LocalPort  int    `json:"local_port,omitempty"`
	RemoteAddr string `json:"remote_address,omitempty"`
	RemotePort int    `json:"remote_port,omitempty"`
	Path       string `json:"path,omitempty"`
	Type       string `json:"type,omitempty"` // unix: "stream", "dgram" or "seqpacket"
	State      string `json:"state"`          // "LISTEN", "ESTABLISHED", "TIME_WAIT", …
	RecvQ      int    `json:"recv_q"`
	SendQ      int    `json:"send_q"`
	Inode      uint64 `json:"inode"`
	PeerInode  uint64 `json:"peer_inode,omitempty"`
	DualStack  bool   `json:"dual_stack,omitempty"`
	// DualStackGuess is true when DualStack comes from the system
	// default (net.ipv6.bindv6only) because the kernel's answer for this
	// socket was not available (no netlink sock_diag): a program may
	// have set IPV6_V6ONLY, as Go does for "tcp6" listeners.
	DualStackGuess bool   `json:"dual_stack_guess,omitempty"`
	V4Mapped       bool   `json:"v4_mapped,omitempty"`
	PID            int    `json:"pid,omitempty"`     // 0 when unknown or hidden
	Process        string `json:"process,omitempty"` // the command name of PID
}

// Filter selects the sockets a table shows. The zero Filter selects
// nothing; All selects every TCP and Unix socket on the machine.
// Otherwise a TCP socket matches when its local or remote port is one of
// Ports, and a Unix socket matches when its path is one of Paths or it is
// the peer of a socket that does.
type Filter struct {
	Ports []int
	Paths []string
	All   bool
}

// Snapshot is the socket table at one moment.
type Snapshot struct {
	Taken   time.Time
	Sockets []Socket
	// Took is how long reading the table took.
	Took time.Duration
	// Problem, when not empty, says why the table could not be read
	// (Read's error, for a view that keeps polling); Sockets is empty.
	Problem string
}
