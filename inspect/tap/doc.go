// Package tap relays a stream socket and reports every byte that crosses
// it.
//
// Packet capture on lo never sees the bytes of a Unix domain socket:
// AF_UNIX traffic is copied from one socket buffer to another inside the
// kernel and never becomes a packet. A relay makes those bytes visible
// anyway. It listens on one address, and for every connection it accepts
// there it dials the real server and copies bytes both ways, reporting
// each chunk as it passes. The bytes a tap reports come from the relay,
// not from the wire.
//
// A Relay is started with Listen (or New, on a listener of your own) and
// run with Serve. It publishes plain Event values on the channel returned
// by Events; it never blocks on a slow reader. When the channel is full,
// events are dropped and counted: each delivered Event says how many were
// lost just before it, and Stats reports the total.
//
// The relay is byte-exact in both directions. A half-close on one side
// (a FIN on TCP, shutdown of writing on a Unix socket) becomes a
// CloseWrite on the other. When one side resets or fails,
// the other side is closed too, with a TCP reset where the other side is
// TCP. Each connection uses two fixed buffers, so memory stays bounded
// however much traffic passes.
//
// Addresses are written as a socket path or host:port; see ParseAddr for
// the rule that tells them apart. When a relay listens on a path,
// ListenSocket applies socketlab's rules for socket files, those of lab
// 09's chat.ListenUnix: the file gets mode 0600 unless told otherwise
// and is never more open than that, a stale file left by a dead server
// is replaced under a lock, a live server's path or a file that is not a
// socket is never touched, and the file is removed when the listener
// closes, if it is still the relay's own.
//
// When the real server is a socket file, the relay checks who runs it on
// every dial, as the labs' clients do: on the labs' default path
// (chat.DefaultPath) a server of another user is refused, and the
// connection ends with an Error event that names that user.
package tap
