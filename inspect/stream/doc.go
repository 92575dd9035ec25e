// Package stream rebuilds the conversations of TCP connections from
// captured segments, as Wireshark's "Follow TCP stream" does.
//
// A Tracker takes capture.Packets in capture order and keeps, for each
// connection, the bytes each side sent, in sequence order, as a list of
// chunks. Segments that arrive after a hole wait for it to be filled;
// a hole that stays is given up and shown in place as a Chunk with Gap
// set, never dropped silently: when the other side acknowledges bytes
// past it (they reached the peer but not the capture, as Wireshark
// decides), when it has waited Config.GiveUp by the capture's clock or
// by the wall clock, when too much waits behind it, and at FlushAll.
// Bytes the other side acknowledged that no captured segment carried
// are marked the same way once given up, so a lost tail shows too.
// Retransmitted bytes are shown once; an empty segment (an ACK, a
// keepalive one below the next byte) never starts a direction, so the
// data after it shows whatever the first segment captured was.
//
// Memory is bounded: each conversation keeps at most Config.MaxBytes
// (the oldest bytes are dropped and counted), each direction holds at
// most Config.MaxPending bytes waiting for a hole, and the Tracker keeps
// at most Config.MaxConversations (the least recently active is
// forgotten). The UI reads plain snapshots with Conversation and
// Conversations.
//
// The side that sent the SYN is the client. When the SYN was not
// captured, the side whose port is one of Config.Ports is the server.
package stream
