package filter

import "net/netip"

// node is a boolean part of an expression: andNode, orNode, notNode,
// protoNode, hostNode, portNode or relNode.
type node interface{ isNode() }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

// protoNode keeps packets of one protocol: "ip", "tcp", … With num set
// it is "ip proto N" ("ip"), "ip6 proto N" ("ip6") or "proto N" ("").
type protoNode struct {
	proto  string
	num    uint8
	hasNum bool
}

// hostNode keeps packets whose source or destination address (dir) is
// in pfx: "host" is a prefix of the full length, "net" a shorter one.
// proto is "ip", "ip6", "arp", "rarp" or "" (the address's family and,
// for IPv4, ARP and RARP too, as tcpdump does).
type hostNode struct {
	proto string
	dir   string // "src", "dst", "src or dst", "src and dst"
	pfx   netip.Prefix
}

// portNode keeps TCP, UDP or SCTP packets (proto "tcp", "udp", "sctp",
// or "" for any of them) whose source or destination port (dir) is in
// lo..hi.
type portNode struct {
	proto  string
	dir    string
	lo, hi uint16
}

// relNode compares two arithmetic expressions: op is one of
// > >= < <= = !=.
type relNode struct {
	op   string
	l, r arith
}

func (andNode) isNode()   {}
func (orNode) isNode()    {}
func (notNode) isNode()   {}
func (protoNode) isNode() {}
func (hostNode) isNode()  {}
func (portNode) isNode()  {}
func (relNode) isNode()   {}

// arith is an arithmetic part of a relation: numArith, lenArith,
// loadArith, binArith or negArith.
type arith interface{ isArith() }

type numArith struct{ v uint32 }
type lenArith struct{}

// loadArith reads size bytes at off from the start of a protocol's
// header ("ether" is the link-layer header).
type loadArith struct {
	proto string
	off   arith
	size  int
}

type binArith struct {
	op   string
	l, r arith
}

type negArith struct{ x arith }

func (numArith) isArith()  {}
func (lenArith) isArith()  {}
func (loadArith) isArith() {}
func (binArith) isArith()  {}
func (negArith) isArith()  {}
