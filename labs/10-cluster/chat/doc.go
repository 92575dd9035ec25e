// Package chat is the chat room of lab 10-cluster, as a package that
// other programs can import: lab 09's room, and a Bus that makes one
// room of the rooms of many servers, through NATS.
//
// A Bus is the room's Relay: it publishes the joins, lines and leaves of
// the room's own clients, and announces to them those of the other
// servers ("User 3@b: text"). It says who is here at every heartbeat, and
// takes a server silent for three heartbeats for gone. While NATS is out
// of reach the clients are told that the room is split, and when it is
// whole again. Every message from the bus is checked as a client's line
// is, and bounded: anyone who reaches NATS may publish.
//
// A Room is one conversation. It knows nothing about networks: it serves
// any net.Listener, so the same room can take clients from a TCP listener
// and a Unix socket listener at once (its "doors"). After Accept a client
// is just a net.Conn.
//
// The protocol is the one of labs 05 to 09. A client sends UTF-8 lines
// ending in "\n" ("\r\n" is accepted). Every other client receives
// "User N: text\n". A newcomer is told "Welcome to the chat, you are
// User N!"; the others see "User N joined! (door)" and "User N left!".
// A line that is too long, not UTF-8, or holds a control character that
// could command a terminal (C0 but tab, DEL, C1, or a bidi control such
// as U+202E) earns the sender one line starting with "error: " and goes
// no further; empty lines are ignored.
// A line that has begun must end within Config.LineTimeout, or the
// sender is told "error: ..." and cut off; silence between lines is
// never cut off.
//
// The room is built to hold thousands of clients:
//
//   - Each client has one reading goroutine and one writing goroutine.
//     Readers never write to the network; they add to the backlog.
//   - The backlog is one outbound queue that all clients share. A
//     broadcast is copied into it once, whatever the number of clients;
//     each writer keeps its own place in it and skips its client's own
//     lines. A joined notice at 10,000 clients is one append, not 9,999.
//   - A writer takes everything from its place to the end at once and
//     writes it with one writev system call (net.Buffers). Messages lie
//     side by side in the backlog, so a batch of thousands of short
//     notices is one or two buffers: writes coalesce under load.
//   - How far a client may fall behind is bounded in bytes. A client
//     more than QueueBytes behind the end of the backlog is cut off, so
//     a reader that stalls never stalls the room, and the backlog never
//     holds more than that (plus one chunk) for anyone.
//   - No lock is held across a network write, and a broadcast does not
//     loop over the members at all, so the room never waits for a
//     client. The member set is a map, touched only by joins, leaves
//     and the once-per-chunk check for clients that fell behind.
//   - Read buffers start small and grow only for long lines, so an idle
//     client costs little memory.
package chat
