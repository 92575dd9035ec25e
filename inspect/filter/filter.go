package filter

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Link types, as pcap and pcapng files number them, that Compile knows.
const (
	LinkNull      = 0   // BSD loopback: a 4-byte address family
	LinkEthernet  = 1   // Ethernet, and lo on Linux
	LinkRaw       = 101 // bare IPv4 or IPv6
	LinkLoop      = 108 // OpenBSD loopback: the family in network order
	LinkLinuxSLL  = 113 // Linux cooked capture, tcpdump -i any before 4.99
	LinkIPv4      = 228 // bare IPv4
	LinkIPv6      = 229 // bare IPv6
	LinkLinuxSLL2 = 276 // Linux cooked capture v2, tcpdump -i any

	linkRawOld = 12 // DLT_RAW as some systems number it
)

// Expr is a parsed filter expression. The zero value and nil keep every
// packet. An Expr is immutable and safe to share between goroutines.
type Expr struct {
	text string
	root node
}

// Parse parses a pcap-filter expression as tcpdump takes it: for
// example "tcp port 3008 and not host 127.0.0.2", "portrange
// 3000-3010", "tcp[tcpflags] & tcp-syn != 0" or "len > 100". Words
// are joined by and (&&) and or (||), which bind equally from the
// left, and negated by not (!). An empty or blank expression keeps
// every packet. Host names and service names are not looked up.
//
// A malformed expression returns a *SyntaxError.
func Parse(text string) (*Expr, error) {
	root, err := parse(text)
	if err != nil {
		return nil, err
	}
	return &Expr{text: strings.TrimSpace(text), root: root}, nil
}

// String returns the expression as it was given, without the blanks
// around it.
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	return e.text
}

// Empty reports whether e keeps every packet because it is empty.
func (e *Expr) Empty() bool { return e == nil || e.root == nil }

// And returns an expression that keeps what both a and b keep. Either
// may be nil or empty.
func And(a, b *Expr) *Expr {
	switch {
	case a.Empty():
		return b
	case b.Empty():
		return a
	}
	return &Expr{text: "(" + a.text + ") and (" + b.text + ")", root: andNode{a.root, b.root}}
}

// TCPPorts returns the expression "tcp port P or tcp port Q …", or nil
// for no ports.
func TCPPorts(ports []int) *Expr {
	var e *Expr
	var text []string
	for _, p := range ports {
		if p < 0 || p > 65535 {
			continue
		}
		n := portNode{proto: "tcp", dir: "src or dst", lo: uint16(p), hi: uint16(p)}
		text = append(text, "tcp port "+strconv.Itoa(p))
		if e == nil {
			e = &Expr{root: n}
		} else {
			e.root = orNode{e.root, n}
		}
	}
	if e != nil {
		e.text = strings.Join(text, " or ")
	}
	return e
}

// Compile returns the classic BPF program that keeps the frames of link
// type link (a pcap LINKTYPE_ number) that e keeps, and snapLen bytes
// of each. The program reads the frames as the kernel's socket filter
// and x/net/bpf's VM do, and keeps the same frames as the one tcpdump
// compiles for the same expression.
func (e *Expr) Compile(link uint32, snapLen uint32) ([]bpf.Instruction, error) {
	var root node
	if e != nil {
		root = e.root
	}
	return compile(root, link, snapLen)
}

// Assemble is Compile followed by bpf.Assemble: the program as the
// kernel takes it (SO_ATTACH_FILTER).
func (e *Expr) Assemble(link uint32, snapLen uint32) ([]bpf.RawInstruction, error) {
	prog, err := e.Compile(link, snapLen)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("filter: assembling %q: %w", e.String(), err)
	}
	return raw, nil
}

// SyntaxError is an expression that cannot be parsed. Its Error shows
// the expression with a caret under the place where reading stopped.
type SyntaxError struct {
	Expr string // the expression
	Pos  int    // the byte offset where the error is
	Msg  string // what is wrong
}

func (e *SyntaxError) Error() string {
	col := e.column()
	return fmt.Sprintf("%s\n  %s\n  %s^", e.Short(), visible.String(e.Expr), strings.Repeat(" ", col-1))
}

// Short returns the error on one line, without the expression: what is
// wrong and at which column (1 for the first character).
func (e *SyntaxError) Short() string {
	return fmt.Sprintf("filter: %s at column %d", visible.String(e.Msg), e.column())
}

// column returns where Pos falls in the expression as Error shows it.
func (e *SyntaxError) column() int {
	return len([]rune(visible.String(e.Expr[:max(0, min(e.Pos, len(e.Expr)))]))) + 1
}
