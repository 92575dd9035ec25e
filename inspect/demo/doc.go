// Package demo runs socketlab's classroom demo in-process: the lab 09
// chat room with a TCP door and a Unix socket door, a tap relay in front
// of the Unix door, and scripted clients that talk through all three,
// slowly enough for a person to watch.
//
// Start starts everything on a free port on 127.0.0.1 and in a short
// temporary folder, and returns a Demo that says where to look: Port and
// Path for the inspector's filter (or Filter), TapPath, the tap's events
// (TapEvents) and a log of what every scripted client said and heard
// (Lines, Transcript). Stop, or cancelling Start's context, takes it all
// down and leaves no goroutine and no socket file behind.
//
// The conversation teaches the difference between the doors:
//
//   - Ada comes in over TCP: capture on lo sees her handshake, her
//     segments and her teardown.
//   - Linus comes in over the Unix socket: the socket table shows him,
//     but his bytes never become packets.
//   - Grace comes in over the Unix socket too, but through the tap, which
//     reports every byte she sends and receives.
//
// Each joins, says where they came in, and Linus leaves. Then, unless
// Config.Once is set, a visitor drops in through the next door every few
// steps, is welcomed and leaves, so that new sockets, handshakes and
// teardowns keep appearing for as long as the demo runs.
//
// Every step waits for the room to deliver its effect to everyone before
// the next begins, so transcripts come out the same on every run. Lines
// from others (say, a student who joined with nc) are kept in the
// transcripts and otherwise ignored.
//
// Package demo publishes plain values and knows nothing of the terminal
// UI: `inspect demo` hands TapEvents to the UI as a tap source and Filter
// to its socket table, or prints Lines and TapEvents as a plain log.
package demo
