// Package chat is the chat room of lab 08-dual, as a package that other
// programs can import: the lab's server, the inspector's demo and the load
// tool all run this one copy.
//
// A Room is one conversation. It knows nothing about networks: it serves
// any net.Listener, so the same room can take clients from a TCP listener
// and a Unix socket listener at once (its "doors"). After Accept a client
// is just a net.Conn.
//
// The protocol is the one of labs 05 to 08. A client sends UTF-8 lines
// ending in "\n" ("\r\n" is accepted). Every other client receives
// "User N: text\n". A newcomer is told "Welcome to the chat, you are
// User N!"; the others see "User N joined! (door)" and "User N left!".
// A line that is too long or not UTF-8 earns the sender one line starting
// with "error: "; empty lines are ignored.
//
// The room is built to hold thousands of clients:
//
//   - Each client has one reading goroutine and one writing goroutine.
//     Readers never write to the network; they queue messages.
//   - Each client's outbound queue is bounded in messages and bytes. A
//     client that falls so far behind that its queue is full is cut off,
//     so a reader that stalls never stalls the room.
//   - A broadcast message is built once; every queue holds the same bytes.
//   - A writer takes its whole queue at once and writes it with one
//     writev system call (net.Buffers), so writes coalesce under load.
//   - No lock is held across a network write, and the member list is a
//     copy-on-write snapshot, so a broadcast to 10,000 clients holds no
//     lock at all.
//   - Read buffers start small and grow only for long lines, so an idle
//     client costs little memory.
package chat
