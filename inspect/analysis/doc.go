// Package analysis explains captured TCP segments in plain words, the
// way a teacher would: the handshake, data, keepalives, retransmissions,
// duplicate ACKs, full windows, the teardown of each direction and the
// likely cause of a reset.
//
// An Analyzer takes capture.Packets in capture order and returns, for
// each, a Result: the segment's direction, the flags of Wireshark's TCP
// analysis that apply to it (tcp.analysis.retransmission,
// tcp.analysis.keep_alive, …, defined by the same rules, so that the
// two agree on every segment of a capture) and a note in plain words.
// It knows nothing of terminals; the terminal UI and the command line
// both use it.
//
// Memory is bounded: an Analyzer keeps the state of at most
// Config.MaxConns connections and forgets the least recently active
// ones first.
package analysis
