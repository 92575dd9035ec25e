// Package filter compiles tcpdump's filter language (pcap-filter) to
// classic BPF in pure Go, without libpcap or cgo.
//
// Parse reads an expression such as
//
//	tcp port 3008 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0
//
// and Expr.Compile turns it into the program for one link type
// (Ethernet, which Linux gives lo, BSD loopback, raw IP, Linux cooked
// captures), which keeps the same frames as the program tcpdump builds
// for the same expression. The kernel runs the assembled program on a
// packet socket (SO_ATTACH_FILTER); a Matcher runs it in user space on
// the frames of a file or of the terminal UI, with x/net/bpf's VM.
//
// The language: protocols (ip, ip6, tcp, udp, icmp, icmp6, arp, sctp,
// igmp, ip proto N), addresses (host, src host, dst host, net with
// /len or mask), ports (port, src port, dst port, portrange A-B, with
// an optional tcp, udp or sctp), lengths (len, greater N, less N),
// header fields (tcp[13], ip[2:2], udp[4:2], icmp[icmptype], with the
// named constants tcpflags, tcp-syn, …) in arithmetic (+ - * / % & | ^
// << >>) and comparisons (= == != < <= > >=), joined by and (&&) and or
// (||), which bind equally from the left, negated by not (!), grouped
// in parentheses. A bare address or port repeats the qualifiers before
// it: "port 3008 or 3009". As in tcpdump, tcp[…], udp[…] and icmp[…]
// read IPv4 packets only. Host and service names are not looked up.
//
// As in tcpdump, a bare address or port needs qualifiers before it,
// and a protocol alone, a comparison or the end of a parenthesised
// group in between leaves none: "tcp or 3008" is an error.
//
// A malformed expression gets a *SyntaxError that shows the expression
// with a caret under the mistake.
//
// Frames cut short (a capture with a small snap length) are where the
// two may differ. Match, like the kernel, stops at a read past the end
// and drops the frame, where libpcap's optimiser may have reordered the
// tests so that another part of an "or" decides first; MatchWire reads
// the bytes that were not kept as zeros, so that len sees the length on
// the wire. On whole frames the two keep the same packets.
package filter
