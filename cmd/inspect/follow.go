package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
	"github.com/socketlab/socketlab/inspect/visible"
)

// runFollow prints one TCP connection's conversation, both ways, as
// "tshark -q -z follow,tcp,ascii,N" does, from a pcap file (-r) or live.
// The connection is chosen by its index (0 for the first connection the
// capture shows, as tshark's tcp.stream counts them), by one of its ends
// (ADDR:PORT) or by both (ADDR:PORT,ADDR:PORT). Live, it prints when
// the connection has closed, or on Ctrl-C.
func runFollow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect follow", flag.ContinueOnError)
	fs.SetOutput(stderr)
	iface := fs.String("i", capture.Host.Loopback, "capture on interface `IFACE`")
	ports := &portList{ports: []int{3008}}
	fs.Var(ports, "port", "TCP `port`s to capture (repeatable, or a list like 3008,3009)")
	read := fs.String("r", "", "read packets from pcap or pcapng `FILE` instead of capturing")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: inspect follow [-i lo] [-port N] [-r FILE] CONNECTION\n\n"+
			"Prints one TCP connection's conversation both ways, as tshark's\n"+
			"'-z follow,tcp,ascii' does, with the bytes the capture missed marked.\n"+
			"CONNECTION is an index (0 for the first connection seen), one end\n"+
			"(127.0.0.1:50412) or both ends (127.0.0.1:50412,127.0.0.1:3008).\n"+
			"Live, it prints once the connection has closed, or on Ctrl-C.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{errors.New("follow: name one connection")}
	}
	sel, err := parseConnection(fs.Arg(0))
	if err != nil {
		return usageError{err}
	}

	src, err := openPackets(*read, *iface, ports, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	defer close(closeOnCancel(ctx, src))

	if *read == "" {
		fmt.Fprintf(stderr, "inspect: following connection %s on %s (TCP port %s) until it closes; "+
			"Ctrl-C prints what was captured\n", visible.Quote(fs.Arg(0)), visible.String(src.Name()), ports)
	}
	f := newFollower(sel)
	var p capture.Packet
	for {
		err = src.Next(&p)
		if err != nil {
			break
		}
		f.add(&p)
		if *read == "" && f.done() {
			break
		}
	}
	// Ctrl-C ends a live capture, or a long file, with what was read.
	if err == io.EOF || ctx.Err() != nil {
		err = nil
	}
	if err != nil {
		return err
	}
	if f.index < 0 {
		return fmt.Errorf("follow: no TCP connection %s in the capture", visible.Quote(fs.Arg(0)))
	}
	f.tracker.FlushAll()
	out := bufio.NewWriter(stdout)
	f.print(out)
	return out.Flush()
}

// connection names the connection to follow: by index, or by one end
// (b invalid) or both.
type connection struct {
	index int // -1 when chosen by address
	a, b  netip.AddrPort
}

// parseConnection reads an index, ADDR:PORT or ADDR:PORT,ADDR:PORT.
func parseConnection(s string) (connection, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return connection{}, errors.New("follow: a connection index is 0 or more")
		}
		return connection{index: n}, nil
	}
	first, second, both := strings.Cut(s, ",")
	c := connection{index: -1}
	var err error
	if c.a, err = netip.ParseAddrPort(first); err != nil {
		return connection{}, fmt.Errorf("follow: %s is neither an index nor ADDR:PORT", visible.Quote(first))
	}
	if both {
		if c.b, err = netip.ParseAddrPort(second); err != nil {
			return connection{}, fmt.Errorf("follow: %s is not ADDR:PORT", visible.Quote(second))
		}
	}
	c.a = netip.AddrPortFrom(c.a.Addr().Unmap(), c.a.Port())
	c.b = netip.AddrPortFrom(c.b.Addr().Unmap(), c.b.Port())
	return c, nil
}

// follower numbers the connections of a capture as tshark's tcp.stream
// does and reassembles the chosen one.
type follower struct {
	want    connection
	seen    map[[2]netip.AddrPort]seenConn // connections numbered so far
	count   int                            // connections numbered
	index   int                            // the chosen connection's number, -1 until seen
	key     [2]netip.AddrPort              // its ends, in order
	node0   netip.AddrPort                 // the sender of its first packet
	over    bool                           // its ports were used again: it is over
	tracker *stream.Tracker
}

// seenConn is a numbered connection: its number and its SYN's sequence
// number, to tell a repeated SYN from a new connection on the same ports.
type seenConn struct {
	index int
	isn   uint32
	syn   bool
}

func newFollower(want connection) *follower {
	return &follower{
		want:    want,
		seen:    make(map[[2]netip.AddrPort]seenConn),
		index:   -1,
		tracker: stream.New(stream.Config{Segments: true}),
	}
}

// add numbers p's connection and hands p to the reassembly when it
// belongs to the chosen one.
func (f *follower) add(p *capture.Packet) {
	if p.Malformed != "" || !p.Src.Addr().IsValid() || f.over {
		return
	}
	src := netip.AddrPortFrom(p.Src.Addr().Unmap(), p.Src.Port())
	dst := netip.AddrPortFrom(p.Dst.Addr().Unmap(), p.Dst.Port())
	k := [2]netip.AddrPort{src, dst}
	if src.Compare(dst) > 0 {
		k = [2]netip.AddrPort{dst, src}
	}
	syn := p.Flags&(capture.SYN|capture.ACK) == capture.SYN
	if f.index >= 0 {
		if k != f.key {
			return
		}
		if s := f.seen[k]; syn && !(s.syn && s.isn == p.RawSeq) {
			f.over = true // a new connection on the same ports
			return
		}
		f.tracker.Add(p)
		return
	}
	s, ok := f.seen[k]
	if !ok || syn && !(s.syn && s.isn == p.RawSeq) {
		s = seenConn{index: f.count, isn: p.RawSeq, syn: syn}
		f.count++
		// Only connections up to the chosen index need numbers kept.
		if f.want.index < 0 || s.index <= f.want.index {
			f.seen[k] = s
		}
		if f.chosen(s.index, src, dst) {
			f.index, f.key, f.node0 = s.index, k, src
			f.seen = map[[2]netip.AddrPort]seenConn{k: s}
			f.tracker.Add(p)
		}
	}
}

// chosen reports whether the connection numbered i, whose first packet
// went from src to dst, is the one to follow.
func (f *follower) chosen(i int, src, dst netip.AddrPort) bool {
	w := f.want
	switch {
	case w.index >= 0:
		return i == w.index
	case !w.b.IsValid():
		return src == w.a || dst == w.a
	}
	return src == w.a && dst == w.b || src == w.b && dst == w.a
}

// done reports whether the chosen connection has ended.
func (f *follower) done() bool {
	if f.index < 0 {
		return false
	}
	if f.over {
		return true
	}
	cs := f.tracker.Conversations()
	return len(cs) > 0 && cs[0].Closed
}

// filter is the Filter line of the output, in Wireshark's display
// filter language as tshark writes it: the stream's index, or, for a
// connection chosen by both ends, the ends in the order given.
func (f *follower) filter() string {
	a, b := f.want.a, f.want.b
	if f.want.index >= 0 || !b.IsValid() {
		return fmt.Sprintf("tcp.stream eq %d", f.index)
	}
	ip := "ip"
	if a.Addr().Is6() {
		ip = "ipv6"
	}
	one := func(src, dst netip.AddrPort) string {
		return fmt.Sprintf("((%s.src eq %s and tcp.srcport eq %d) and (%s.dst eq %s and tcp.dstport eq %d))",
			ip, src.Addr(), src.Port(), ip, dst.Addr(), dst.Port())
	}
	return one(a, b) + " or " + one(b, a)
}

// rule is the line that frames tshark's follow output.
const rule = "==================================================================="

// print writes the conversation as tshark's ascii follow does: each
// segment's length, then its bytes, then a line break; the second node's
// lengths indented by a tab; a hole as "[N bytes missing in capture
// file]." in place. Bytes are shown with visible.Lines: line breaks and
// tabs as they are, every other control character as its escape.
func (f *follower) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s\nFollow: tcp,ascii\nFilter: %s\n", rule, f.filter())
	node1 := f.key[0]
	if node1 == f.node0 {
		node1 = f.key[1]
	}
	fmt.Fprintf(w, "Node 0: %s\nNode 1: %s\n", f.node0, node1)
	for _, c := range f.tracker.Conversations() {
		conv, _ := f.tracker.Conversation(c.Client, c.Server)
		for _, ch := range conv.Chunks {
			from := conv.Client
			if ch.Dir == capture.ServerToClient {
				from = conv.Server
			}
			indent := ""
			if from != f.node0 {
				indent = "\t"
			}
			text := visible.Lines(string(ch.Data))
			n := len(ch.Data)
			if ch.Gap != 0 {
				text = fmt.Sprintf("[%d bytes missing in capture file].", ch.Gap)
				n = len(text)
			}
			fmt.Fprintf(w, "%s%d\n%s\n", indent, n, text)
		}
	}
	fmt.Fprintf(w, "%s\n", rule)
}
