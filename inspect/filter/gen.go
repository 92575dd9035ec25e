package filter

import (
	"errors"
	"fmt"
	"math"

	"golang.org/x/net/bpf"
)

// The EtherTypes the link layer names its payload with.
const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	etherARP  = 0x0806
	etherRARP = 0x8035
)

// IP protocol numbers.
const (
	protoICMP  = 1
	protoIGMP  = 2
	protoTCP   = 6
	protoUDP   = 17
	protoFrag6 = 44 // an IPv6 fragment header
	protoICMP6 = 58
	protoSCTP  = 132
)

// scratchSlots is how many scratch memory words classic BPF has.
const scratchSlots = 16

var errTooComplex = errors.New("the arithmetic is nested too deeply for BPF's 16 scratch words")

// gen compiles a tree into a program for one link type.
type gen struct {
	asm
	link    uint32
	nl      uint32 // where the network-layer header starts
	scratch int    // scratch words in use
}

// compile returns the program that keeps the packets root keeps (all of
// them when root is nil), snapLen bytes of each.
func compile(root node, link uint32, snapLen uint32) ([]bpf.Instruction, error) {
	g := &gen{link: link}
	switch link {
	case LinkEthernet:
		g.nl = 14
	case LinkLinuxSLL:
		g.nl = 16
	case LinkLinuxSLL2:
		g.nl = 20
	case LinkNull, LinkLoop:
		g.nl = 4
	case LinkRaw, linkRawOld, LinkIPv4, LinkIPv6:
		g.nl = 0
	default:
		return nil, fmt.Errorf("filter: link type %d is not one inspect can filter", link)
	}
	if root == nil {
		return []bpf.Instruction{bpf.RetConstant{Val: snapLen}}, nil
	}
	accept, reject := g.newLabel(), g.newLabel()
	if err := g.bool(root, accept, reject); err != nil {
		return nil, err
	}
	g.mark(accept)
	g.op(bpf.RetConstant{Val: snapLen})
	g.mark(reject)
	g.op(bpf.RetConstant{Val: 0})
	return g.layout()
}

// bool emits code that jumps to t where n holds and to f where not.
func (g *gen) bool(n node, t, f label) error {
	switch n := n.(type) {
	case andNode:
		m := g.newLabel()
		if err := g.bool(n.l, m, f); err != nil {
			return err
		}
		g.mark(m)
		return g.bool(n.r, t, f)
	case orNode:
		m := g.newLabel()
		if err := g.bool(n.l, t, m); err != nil {
			return err
		}
		g.mark(m)
		return g.bool(n.r, t, f)
	case notNode:
		return g.bool(n.x, f, t)
	case protoNode:
		g.proto(n, t, f)
		return nil
	case hostNode:
		g.host(n, t, f)
		return nil
	case portNode:
		g.port(n, t, f)
		return nil
	case relNode:
		return g.relation(n, t, f)
	}
	return fmt.Errorf("filter: cannot compile %T", n)
}

// linkProto jumps to t when the link layer carries the EtherType et.
func (g *gen) linkProto(et uint32, t, f label) {
	switch g.link {
	case LinkEthernet:
		g.op(bpf.LoadAbsolute{Off: 12, Size: 2})
		g.jif(bpf.JumpEqual, et, t, f)
	case LinkLinuxSLL:
		g.op(bpf.LoadAbsolute{Off: 14, Size: 2})
		g.jif(bpf.JumpEqual, et, t, f)
	case LinkLinuxSLL2:
		g.op(bpf.LoadAbsolute{Off: 0, Size: 2})
		g.jif(bpf.JumpEqual, et, t, f)
	case LinkRaw, linkRawOld:
		// Bare IP: the version nibble says which.
		version := map[uint32]uint32{etherIPv4: 0x40, etherIPv6: 0x60}[et]
		if version == 0 {
			g.goTo(f)
			return
		}
		g.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		g.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
		g.jif(bpf.JumpEqual, version, t, f)
	case LinkIPv4, LinkIPv6:
		if et == etherIPv4 && g.link == LinkIPv4 || et == etherIPv6 && g.link == LinkIPv6 {
			g.goTo(t)
		} else {
			g.goTo(f)
		}
	case LinkNull, LinkLoop:
		// A 4-byte address family: in the byte order of the machine
		// that captured (NULL) or in network order (LOOP). IPv6 has a
		// different number on Linux, the BSDs and macOS.
		var families []uint32
		switch et {
		case etherIPv4:
			families = []uint32{2}
		case etherIPv6:
			families = []uint32{10, 24, 28, 30}
		default:
			g.goTo(f)
			return
		}
		var values []uint32
		for _, v := range families {
			values = append(values, v)
			if g.link == LinkNull {
				values = append(values, v<<24)
			}
		}
		g.op(bpf.LoadAbsolute{Off: 0, Size: 4})
		for i, v := range values {
			miss := next
			if i == len(values)-1 {
				miss = f
			}
			g.jif(bpf.JumpEqual, v, t, miss)
		}
	}
}

// ipProto jumps to t for IPv4 packets of protocol p.
func (g *gen) ipProto(p uint32, t, f label) {
	m := g.newLabel()
	g.linkProto(etherIPv4, m, f)
	g.mark(m)
	g.op(bpf.LoadAbsolute{Off: g.nl + 9, Size: 1})
	g.jif(bpf.JumpEqual, p, t, f)
}

// ip6Proto jumps to t for IPv6 packets whose next header is p, or a
// fragment header followed by p, as tcpdump does.
func (g *gen) ip6Proto(p uint32, t, f label) {
	m, frag, after := g.newLabel(), g.newLabel(), g.newLabel()
	g.linkProto(etherIPv6, m, f)
	g.mark(m)
	g.op(bpf.LoadAbsolute{Off: g.nl + 6, Size: 1})
	g.jif(bpf.JumpEqual, p, t, frag)
	g.mark(frag)
	g.jif(bpf.JumpEqual, protoFrag6, after, f)
	g.mark(after)
	g.op(bpf.LoadAbsolute{Off: g.nl + 40, Size: 1})
	g.jif(bpf.JumpEqual, p, t, f)
}

// either jumps to t when a or b does.
func (g *gen) either(a, b func(t, f label), t, f label) {
	m := g.newLabel()
	a(t, m)
	g.mark(m)
	b(t, f)
}

func (g *gen) proto(n protoNode, t, f label) {
	ip := func(p uint32) func(t, f label) { return func(t, f label) { g.ipProto(p, t, f) } }
	ip6 := func(p uint32) func(t, f label) { return func(t, f label) { g.ip6Proto(p, t, f) } }
	if n.hasNum {
		p := uint32(n.num)
		switch n.proto {
		case "ip":
			g.ipProto(p, t, f)
		case "ip6":
			g.ip6Proto(p, t, f)
		default:
			g.either(ip(p), ip6(p), t, f)
		}
		return
	}
	switch n.proto {
	case "ip":
		g.linkProto(etherIPv4, t, f)
	case "ip6":
		g.linkProto(etherIPv6, t, f)
	case "arp":
		g.linkProto(etherARP, t, f)
	case "rarp":
		g.linkProto(etherRARP, t, f)
	case "tcp":
		g.either(ip(protoTCP), ip6(protoTCP), t, f)
	case "udp":
		g.either(ip(protoUDP), ip6(protoUDP), t, f)
	case "sctp":
		g.either(ip(protoSCTP), ip6(protoSCTP), t, f)
	case "icmp":
		g.ipProto(protoICMP, t, f)
	case "igmp":
		g.ipProto(protoIGMP, t, f)
	case "icmp6":
		g.ip6Proto(protoICMP6, t, f)
	default:
		g.goTo(f)
	}
}

// host compiles host and net: the address fields are compared under
// the prefix's mask.
func (g *gen) host(n hostNode, t, f label) {
	a := n.pfx.Addr()
	if a.Is6() {
		g.hostIn(etherIPv6, 8, 24, n, t, f)
		return
	}
	switch n.proto {
	case "ip":
		g.hostIn(etherIPv4, 12, 16, n, t, f)
	case "arp":
		g.hostIn(etherARP, 14, 24, n, t, f)
	case "rarp":
		g.hostIn(etherRARP, 14, 24, n, t, f)
	default:
		// An IPv4 address without a protocol is looked for in IP, ARP
		// and RARP, as tcpdump does.
		m1, m2 := g.newLabel(), g.newLabel()
		g.hostIn(etherIPv4, 12, 16, n, t, m1)
		g.mark(m1)
		g.hostIn(etherARP, 14, 24, n, t, m2)
		g.mark(m2)
		g.hostIn(etherRARP, 14, 24, n, t, f)
	}
}

// hostIn compares the addresses at src and dst (from the network
// header) of packets with EtherType et.
func (g *gen) hostIn(et, src, dst uint32, n hostNode, t, f label) {
	m := g.newLabel()
	g.linkProto(et, m, f)
	g.mark(m)
	g.directions(n.dir, func(off uint32, t, f label) { g.addr(off, n, t, f) },
		g.nl+src, g.nl+dst, t, f)
}

// directions combines a test at the source and one at the destination
// as dir says.
func (g *gen) directions(dir string, test func(off uint32, t, f label), src, dst uint32, t, f label) {
	m := g.newLabel()
	switch dir {
	case "src":
		test(src, t, f)
	case "dst":
		test(dst, t, f)
	case "src and dst":
		test(src, m, f)
		g.mark(m)
		test(dst, t, f)
	default:
		test(src, t, m)
		g.mark(m)
		test(dst, t, f)
	}
}

// addr compares the address at off with n's prefix, a word at a time.
func (g *gen) addr(off uint32, n hostNode, t, f label) {
	b := n.pfx.Addr().AsSlice()
	bits := n.pfx.Bits()
	var words []int
	for w := 0; w*32 < bits; w++ {
		words = append(words, w)
	}
	if len(words) == 0 {
		g.goTo(t)
		return
	}
	for i, w := range words {
		val := uint32(b[4*w])<<24 | uint32(b[4*w+1])<<16 | uint32(b[4*w+2])<<8 | uint32(b[4*w+3])
		mask := uint32(math.MaxUint32)
		if rest := bits - 32*w; rest < 32 {
			mask <<= 32 - rest
		}
		g.op(bpf.LoadAbsolute{Off: off + uint32(4*w), Size: 4})
		if mask != math.MaxUint32 {
			g.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
		}
		hit := next
		if i == len(words)-1 {
			hit = t
		}
		g.jif(bpf.JumpEqual, val&mask, hit, f)
	}
}

// port compiles port and portrange.
func (g *gen) port(n portNode, t, f label) {
	protos := []uint32{protoSCTP, protoTCP, protoUDP}
	switch n.proto {
	case "tcp":
		protos = []uint32{protoTCP}
	case "udp":
		protos = []uint32{protoUDP}
	case "sctp":
		protos = []uint32{protoSCTP}
	}
	v6 := func(t, f label) {
		m, ok := g.newLabel(), g.newLabel()
		g.linkProto(etherIPv6, m, f)
		g.mark(m)
		g.op(bpf.LoadAbsolute{Off: g.nl + 6, Size: 1})
		g.oneOf(protos, ok, f)
		g.mark(ok)
		g.directions(n.dir, func(off uint32, t, f label) {
			g.op(bpf.LoadAbsolute{Off: off, Size: 2})
			g.inRange(n.lo, n.hi, t, f)
		}, g.nl+40, g.nl+42, t, f)
	}
	v4 := func(t, f label) {
		m, ok, whole := g.newLabel(), g.newLabel(), g.newLabel()
		g.linkProto(etherIPv4, m, f)
		g.mark(m)
		g.op(bpf.LoadAbsolute{Off: g.nl + 9, Size: 1})
		g.oneOf(protos, ok, f)
		g.mark(ok)
		g.notFragment(whole, f)
		g.mark(whole)
		g.directions(n.dir, func(off uint32, t, f label) {
			g.op(bpf.LoadMemShift{Off: g.nl})
			g.op(bpf.LoadIndirect{Off: off, Size: 2})
			g.inRange(n.lo, n.hi, t, f)
		}, g.nl, g.nl+2, t, f)
	}
	g.either(v6, v4, t, f)
}

// oneOf jumps to t when A is one of vals.
func (g *gen) oneOf(vals []uint32, t, f label) {
	for i, v := range vals {
		miss := next
		if i == len(vals)-1 {
			miss = f
		}
		g.jif(bpf.JumpEqual, v, t, miss)
	}
}

// inRange jumps to t when lo <= A <= hi.
func (g *gen) inRange(lo, hi uint16, t, f label) {
	if lo == hi {
		g.jif(bpf.JumpEqual, uint32(lo), t, f)
		return
	}
	g.jif(bpf.JumpGreaterOrEqual, uint32(lo), next, f)
	g.jif(bpf.JumpGreaterThan, uint32(hi), f, t)
}

// notFragment jumps to t unless the IPv4 packet is a later fragment,
// whose transport header is elsewhere.
func (g *gen) notFragment(t, f label) {
	g.op(bpf.LoadAbsolute{Off: g.nl + 6, Size: 2})
	g.jif(bpf.JumpBitsSet, 0x1fff, f, t)
}

// conditions compares two numbers.
var conditions = map[string]bpf.JumpTest{
	">": bpf.JumpGreaterThan, ">=": bpf.JumpGreaterOrEqual,
	"<": bpf.JumpLessThan, "<=": bpf.JumpLessOrEqual,
	"=": bpf.JumpEqual, "!=": bpf.JumpNotEqual,
}

// relation compiles a comparison. Every header a load reads must be
// there first: tcp[13] keeps only unfragmented IPv4 TCP, as in tcpdump.
func (g *gen) relation(n relNode, t, f label) error {
	seen := map[string]bool{}
	for _, p := range loads(n.l, loads(n.r, nil)) {
		if seen[p] {
			continue
		}
		seen[p] = true
		m := g.newLabel()
		g.headerThere(p, m, f)
		g.mark(m)
	}
	if err := g.arith(n.l); err != nil {
		return err
	}
	if c, ok := n.r.(numArith); ok {
		g.jif(conditions[n.op], c.v, t, f)
		return nil
	}
	if err := g.rightInX(n.r); err != nil {
		return err
	}
	g.jifX(conditions[n.op], t, f)
	return nil
}

// loads appends the protocols whose headers a reads.
func loads(a arith, ps []string) []string {
	switch a := a.(type) {
	case loadArith:
		return loads(a.off, append(ps, a.proto))
	case binArith:
		return loads(a.r, loads(a.l, ps))
	case negArith:
		return loads(a.x, ps)
	}
	return ps
}

// transport are the protocols whose header follows the IPv4 header.
var transport = map[string]uint32{
	"tcp": protoTCP, "udp": protoUDP, "sctp": protoSCTP,
	"icmp": protoICMP, "igmp": protoIGMP,
}

// headerThere jumps to t when the packet has proto's header.
func (g *gen) headerThere(proto string, t, f label) {
	switch proto {
	case "ether":
		g.goTo(t)
	case "ip":
		g.linkProto(etherIPv4, t, f)
	case "ip6":
		g.linkProto(etherIPv6, t, f)
	case "arp":
		g.linkProto(etherARP, t, f)
	case "rarp":
		g.linkProto(etherRARP, t, f)
	case "icmp6":
		m := g.newLabel()
		g.linkProto(etherIPv6, m, f)
		g.mark(m)
		g.op(bpf.LoadAbsolute{Off: g.nl + 6, Size: 1})
		g.jif(bpf.JumpEqual, protoICMP6, t, f)
	default:
		m := g.newLabel()
		g.ipProto(transport[proto], m, f)
		g.mark(m)
		g.notFragment(t, f)
	}
}

func (g *gen) push() (int, error) {
	if g.scratch >= scratchSlots {
		return 0, errTooComplex
	}
	g.scratch++
	return g.scratch - 1, nil
}

var aluOps = map[string]bpf.ALUOp{
	"+": bpf.ALUOpAdd, "-": bpf.ALUOpSub, "*": bpf.ALUOpMul,
	"/": bpf.ALUOpDiv, "%": bpf.ALUOpMod, "&": bpf.ALUOpAnd,
	"|": bpf.ALUOpOr, "^": bpf.ALUOpXor, "<<": bpf.ALUOpShiftLeft,
	">>": bpf.ALUOpShiftRight,
}

// rightInX computes r into X with the left operand, already in A, kept
// in A: A is saved in a scratch cell while r is computed.
func (g *gen) rightInX(r arith) error {
	s, err := g.push()
	if err != nil {
		return err
	}
	g.op(bpf.StoreScratch{Src: bpf.RegA, N: s})
	if err := g.arith(r); err != nil {
		return err
	}
	g.op(bpf.TAX{})
	g.op(bpf.LoadScratch{Dst: bpf.RegA, N: s})
	g.scratch--
	return nil
}

// arith emits code that leaves a's value in A.
func (g *gen) arith(a arith) error {
	switch a := a.(type) {
	case numArith:
		g.op(bpf.LoadConstant{Dst: bpf.RegA, Val: a.v})
	case lenArith:
		g.op(bpf.LoadExtension{Num: bpf.ExtLen})
	case negArith:
		if err := g.arith(a.x); err != nil {
			return err
		}
		// A = 0 - A: x/net/bpf's VM does not run NegateA.
		g.op(bpf.TAX{})
		g.op(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
		g.op(bpf.ALUOpX{Op: bpf.ALUOpSub})
	case binArith:
		if err := g.arith(a.l); err != nil {
			return err
		}
		if c, ok := a.r.(numArith); ok {
			g.op(bpf.ALUOpConstant{Op: aluOps[a.op], Val: c.v})
			return nil
		}
		if err := g.rightInX(a.r); err != nil {
			return err
		}
		g.op(bpf.ALUOpX{Op: aluOps[a.op]})
	case loadArith:
		return g.load(a)
	default:
		return fmt.Errorf("filter: cannot compile %T", a)
	}
	return nil
}

// load reads a header field into A.
func (g *gen) load(a loadArith) error {
	var base uint32
	switch a.proto {
	case "ether":
		base = 0
	case "icmp6":
		base = g.nl + 40
	default:
		base = g.nl
	}
	_, variable := transport[a.proto]
	c, constant := a.off.(numArith)
	switch {
	case constant && c.v > math.MaxUint32-base:
		return fmt.Errorf("filter: offset %d is too large", c.v)
	case constant && !variable:
		g.op(bpf.LoadAbsolute{Off: base + c.v, Size: a.size})
	case constant:
		g.op(bpf.LoadMemShift{Off: g.nl})
		g.op(bpf.LoadIndirect{Off: base + c.v, Size: a.size})
	case !variable:
		if err := g.arith(a.off); err != nil {
			return err
		}
		g.op(bpf.TAX{})
		g.op(bpf.LoadIndirect{Off: base, Size: a.size})
	default:
		// The offset is computed: add the IPv4 header's length to it.
		if err := g.arith(a.off); err != nil {
			return err
		}
		s, err := g.push()
		if err != nil {
			return err
		}
		g.op(bpf.StoreScratch{Src: bpf.RegA, N: s})
		g.op(bpf.LoadMemShift{Off: g.nl})
		g.op(bpf.LoadScratch{Dst: bpf.RegA, N: s})
		g.scratch--
		g.op(bpf.ALUOpX{Op: bpf.ALUOpAdd})
		g.op(bpf.TAX{})
		g.op(bpf.LoadIndirect{Off: base, Size: a.size})
	}
	return nil
}
