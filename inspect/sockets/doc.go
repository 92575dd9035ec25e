// Package sockets reads the machine's TCP and Unix socket tables and
// turns them into plain snapshots that the inspector's views print.
//
// Read asks the kernel for its TCP and Unix sockets over netlink
// (sock_diag, the service ss uses), keeps the sockets a Filter selects,
// and finds the process that owns each one by following the
// socket:[INODE] links under /proc/PID/fd. With a port filter the kernel
// itself picks the TCP sockets, so it sends only those. Netlink also
// gives what /proc leaves out: which Unix socket is connected to which,
// the queues of Unix sockets, the backlog limit of listeners, and
// whether an IPv6 socket bound to [::] also accepts IPv4. It gives a
// Unix socket's name as bytes, too: /proc/net/unix writes names as they
// are, one socket a line, so a name holding a newline would end its row
// early and could forge another row. When netlink is not available Read
// parses /proc/net/tcp, /proc/net/tcp6 and /proc/net/unix instead and
// the table still lists every socket; those facts are then zero, or
// guessed where Socket has a field that says so (DualStackGuess).
//
// That is Linux. On macOS and FreeBSD Read runs lsof and reads its
// field output (-F): TCP and Unix sockets of the processes this user may
// see, with their owners; a connected Unix socket there is named by the
// kernel address of its peer rather than by a path, and a listening
// Unix socket is not told from an unconnected one (UNCONNECTED). On
// Windows Read asks the IP Helper API (GetExtendedTcpTable) for the TCP
// sockets and their owning pids; Windows lists no AF_UNIX sockets. The
// parsers of those formats are plain Go, tested on every system against
// fixtures of the documented layouts. What follows is Linux's table.
//
// What the table can and cannot know:
//
//   - A process's sockets are attributed to it only when this program
//     may read its /proc/PID/fd: other users' processes show no pid
//     unless it runs as root, like ss -p, and processes of another pid
//     namespace (container) show none at all.
//   - A TCP socket in TIME_WAIT or still in the handshake (SYN_RECV) is
//     owned by the kernel, not a process: it has inode 0 and no pid.
//   - A connection not yet accepted has inode 0 and no process, on TCP
//     and on Unix; the client end of such a Unix connection has no known
//     peer until the server calls Accept.
//   - For a listening TCP socket RecvQ is the number of connections
//     waiting in the accept queue; /proc does not show the backlog
//     limit that ss prints as Send-Q; netlink does, and Read puts it
//     in SendQ (0 without netlink).
//   - The client end of a Unix stream connection usually has no path:
//     connect gives it an unnamed address. The server side of the same
//     connection (the socket Accept returns) carries the listener's
//     path. Only the kernel's peer information, from netlink, links the
//     unnamed end to its server; without it an unnamed end matches a
//     path filter only under Filter.All.
//
// Reading the owners costs one readlink per open file on the machine,
// the largest part of a Read with thousands of sockets. Read therefore
// remembers where it found each socket it returned and checks just that
// file the next time (one stat); a socket whose owner it could not see
// is looked for again after ten seconds.
//
// The formatting helpers (Columns, Rows, WriteTable, Explain and the
// cell functions) are plain Go, so the terminal UI and the inspect
// sockets command print the same text. Their paths and process names
// are as the kernel gives them and may hold any byte: WriteTable shows
// them through package visible, and a UI must do the same (the terminal
// UI uses visible.Tview).
//
// All functions may be called from any goroutine.
package sockets
