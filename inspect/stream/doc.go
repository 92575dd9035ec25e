// Package stream rebuilds the conversations of TCP connections from
// captured segments, as Wireshark's "Follow TCP stream" does, with
// github.com/google/gopacket/reassembly.
//
// A Tracker takes capture.Packets in capture order and keeps, for each
// connection, the bytes each side sent, in order, as a list of chunks
// that alternate direction. Memory is bounded: each conversation keeps
// at most Config.MaxBytes (the oldest bytes are dropped and counted) and
// the Tracker keeps at most Config.MaxConversations (the least recently
// active is forgotten). The UI reads plain snapshots with Conversation
// and Conversations.
//
// The side that sent the SYN is the client. When the SYN was not
// captured, the side whose port is one of Config.Ports is the server.
package stream
