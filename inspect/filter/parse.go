package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits that keep a hostile expression from costing much.
const (
	maxExprLen = 4096 // bytes of expression text
	maxDepth   = 64   // nesting of parentheses, not and brackets
)

// protocols are the words that name a protocol, alone or as a qualifier.
var protocols = map[string]bool{
	"ether": true, "link": true, "ip": true, "ip6": true, "arp": true,
	"rarp": true, "tcp": true, "udp": true, "icmp": true, "icmp6": true,
	"sctp": true, "igmp": true,
}

// keywords are the words that cannot stand for an address or a port.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "host": true, "net": true,
	"port": true, "portrange": true, "src": true, "dst": true,
	"proto": true, "len": true, "greater": true, "less": true,
	"mask": true, "gateway": true, "broadcast": true, "multicast": true,
	"vlan": true, "mpls": true,
}

// constants are the names tcpdump gives to header fields and values.
var constants = map[string]uint32{
	"tcpflags": 13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04,
	"tcp-push": 0x08, "tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40,
	"tcp-cwr":  0x80,
	"icmptype": 0, "icmpcode": 1, "icmp-echoreply": 0, "icmp-unreach": 3,
	"icmp-sourcequench": 4, "icmp-redirect": 5, "icmp-echo": 8,
	"icmp-routeradvert": 9, "icmp-routersolicit": 10, "icmp-timxceed": 11,
	"icmp-paramprob": 12, "icmp-tstamp": 13, "icmp-tstampreply": 14,
	"icmp-ireq": 15, "icmp-ireqreply": 16, "icmp-maskreq": 17,
	"icmp-maskreply": 18,
	"icmp6type":      0, "icmp6code": 1, "icmp6-destinationunreach": 1,
	"icmp6-packettoobig": 2, "icmp6-timeexceeded": 3,
	"icmp6-parameterproblem": 4, "icmp6-echo": 128, "icmp6-echoreply": 129,
	"icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136,
}

// protoNumbers are the protocols "ip proto \NAME" may name.
var protoNumbers = map[string]uint8{
	"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "icmp6": 58, "sctp": 132,
}

// quals are the qualifiers before an address or a port: tcp src port.
type quals struct {
	proto, dir, typ string
}

type parser struct {
	expr  string
	toks  []token
	i     int
	depth int
	last  *quals // the qualifiers a bare address or port takes; nil: none
	far   error  // the error found furthest into the expression

	// noRelop is the last error of a comparison without its operator.
	noRelop error
}

// parse turns expr into a tree; an empty expression gives nil.
func parse(expr string) (node, error) {
	if len(expr) > maxExprLen {
		return nil, &SyntaxError{Expr: expr[:maxExprLen], Pos: maxExprLen,
			Msg: fmt.Sprintf("expression longer than %d bytes", maxExprLen)}
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{expr: expr, toks: toks}
	if p.peek().kind == tEOF {
		return nil, nil
	}
	n, err := p.expression()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "expected and, or or the end, found %s", describe(t))
	}
	return n, nil
}

func (p *parser) peek() token        { return p.toks[p.i] }
func (p *parser) peekAt(k int) token { return p.toks[min(p.i+k, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) is(texts ...string) bool {
	t := p.peek()
	for _, s := range texts {
		if t.kind != tEOF && t.text == s {
			return true
		}
	}
	return false
}

// errAt returns a syntax error at t, or the one found further into the
// expression while trying another reading of it, which says more.
func (p *parser) errAt(t token, format string, args ...any) error {
	err := &SyntaxError{Expr: p.expr, Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
	if f, ok := p.far.(*SyntaxError); ok && f.Pos > err.Pos {
		return f
	}
	return err
}

func describe(t token) string {
	if t.kind == tEOF {
		return "the end"
	}
	return strconv.Quote(t.text)
}

// expression reads units joined by and or or, which bind equally and
// from the left, as in tcpdump: "a or b and c" is "(a or b) and c".
func (p *parser) expression() (node, error) {
	n, err := p.unit()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.is("and", "&&"):
			p.next()
			r, err := p.unit()
			if err != nil {
				return nil, err
			}
			n = andNode{n, r}
		case p.is("or", "||"):
			p.next()
			r, err := p.unit()
			if err != nil {
				return nil, err
			}
			n = orNode{n, r}
		default:
			return n, nil
		}
	}
}

// unit reads a negation, a parenthesised expression, a comparison or
// a primitive such as "tcp port 3008".
func (p *parser) unit() (node, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errAt(p.peek(), "expression nested deeper than %d", maxDepth)
	}
	defer func() { p.depth-- }()
	if p.is("not", "!") {
		p.next()
		x, err := p.unit()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	if p.startsArith() {
		// "(tcp[13] & 3) != 0" and "(tcp or udp)" both start with "(":
		// try a comparison first, then the other readings.
		start, last := p.i, p.last
		n, err := p.relation()
		if err == nil {
			p.last = nil // as in tcpdump, "len > 1 or 3008" is an error
			return n, nil
		}
		// A lone number or word that no comparison follows is an
		// address or a port ("port 1 or 2"); an error further into a
		// longer comparison says more than one about the primitive.
		lone := p.noRelop == err && err.(*SyntaxError).Pos == p.toks[start+1].pos
		if f, ok := p.far.(*SyntaxError); !lone && (!ok || err.(*SyntaxError).Pos > f.Pos) {
			p.far = err
		}
		p.i, p.last = start, last
	}
	if p.is("(") {
		p.next()
		// As in tcpdump, the qualifiers after the group are those
		// before it: "port 1 or (tcp) or 2" is "… or port 2".
		before := p.last
		n, err := p.expression()
		if err != nil {
			return nil, err
		}
		if !p.is(")") {
			return nil, p.errAt(p.peek(), "expected \")\", found %s", describe(p.peek()))
		}
		p.next()
		p.last = before
		return n, nil
	}
	return p.primitive()
}

// startsArith reports whether the next token may start a comparison.
func (p *parser) startsArith() bool {
	t := p.peek()
	switch {
	case t.kind == tOp:
		return t.text == "(" || t.text == "-"
	case t.kind != tWord:
		return false
	case t.text == "len":
		return true
	case protocols[t.text]:
		return p.peekAt(1).text == "["
	}
	_, isConst := constants[t.text]
	return isConst || isDigit(t.text[0])
}

// primitive reads [proto] [dir] [type] ID, a protocol alone, proto N,
// greater N or less N.
func (p *parser) primitive() (node, error) {
	var q quals
	start := p.peek()
	switch {
	case p.is("greater", "less"):
		op := map[string]string{"greater": ">=", "less": "<="}[p.next().text]
		v, err := p.number()
		if err != nil {
			return nil, err
		}
		p.last = nil
		return relNode{op, lenArith{}, numArith{v}}, nil
	case p.peek().kind == tWord && protocols[p.peek().text]:
		q.proto = p.next().text
	}
	if p.is("proto") {
		p.next()
		return p.protoNumber(q.proto, start)
	}
	if p.is("src", "dst") {
		q.dir = p.next().text
		if (p.is("or") || p.is("and")) && (p.peekAt(1).text == "src" || p.peekAt(1).text == "dst") &&
			p.peekAt(1).text != q.dir {
			q.dir = "src " + p.next().text + " dst"
			p.next()
		}
	}
	if p.is("host", "net", "port", "portrange") {
		q.typ = p.next().text
	} else if p.is("gateway", "broadcast", "multicast", "vlan", "mpls") {
		t := p.peek()
		return nil, p.errAt(t, "%q is not supported by inspect's filters", t.text)
	}
	if q == (quals{}) {
		// A bare address or port takes the qualifiers before it:
		// "port 3008 or 3009" is "port 3008 or port 3009". As in
		// tcpdump, there must be some, and a protocol alone or a
		// comparison in between leaves none.
		if t := p.peek(); p.last == nil && t.kind == tWord && !keywords[t.text] {
			return nil, p.errAt(t, "%q needs host, net or port before it, such as host %s or port %s",
				t.text, t.text, t.text)
		}
		if p.last != nil {
			q = *p.last
		}
		if q.typ == "proto" {
			return p.protoNumber(q.proto, start)
		}
	} else if q.dir == "" && q.typ == "" {
		if q.proto == "ether" || q.proto == "link" {
			return nil, p.errAt(start, "%q needs [offset], host or proto", q.proto)
		}
		p.last = nil
		return protoNode{proto: q.proto}, nil
	}
	if q.typ == "" {
		q.typ = "host"
	}
	if q.dir == "" {
		q.dir = "src or dst"
	}
	p.last = &q
	id := p.peek()
	if id.kind != tWord || keywords[id.text] || protocols[id.text] {
		typed := strings.TrimSpace(p.expr[start.pos:id.pos])
		if typed == "" {
			return nil, p.errAt(id, "expected a primitive such as tcp, host 127.0.0.1, "+
				"port 3008 or tcp[13] & 2 != 0, found %s", describe(id))
		}
		return nil, p.errAt(id, "expected %s after %q, found %s", idName(q.typ), typed, describe(id))
	}
	p.next()
	switch q.typ {
	case "port", "portrange":
		return p.port(q, id)
	}
	return p.host(q, id)
}

func idName(typ string) string {
	switch typ {
	case "port":
		return "a port number"
	case "portrange":
		return "a port range like 3000-3010"
	case "net":
		return "a network like 10.0.0.0/8"
	}
	return "an IP address"
}

// protoNumber reads the number after "proto": ip proto 6, proto \tcp.
func (p *parser) protoNumber(family string, start token) (node, error) {
	switch family {
	case "", "ip", "ip6":
	default:
		return nil, p.errAt(start, "%q cannot qualify proto; use ip proto or ip6 proto", family)
	}
	if p.is(`\`) {
		p.next()
	}
	t := p.peek()
	p.last = &quals{proto: family, typ: "proto"}
	if n, ok := protoNumbers[t.text]; ok && t.kind == tWord {
		p.next()
		return protoNode{proto: family, num: n, hasNum: true}, nil
	}
	v, err := p.number()
	if err != nil {
		return nil, err
	}
	if v > 255 {
		return nil, p.errAt(t, "protocol number %d is more than 255", v)
	}
	return protoNode{proto: family, num: uint8(v), hasNum: true}, nil
}

// port reads a port number or a range for q.
func (p *parser) port(q quals, id token) (node, error) {
	switch q.proto {
	case "", "tcp", "udp", "sctp":
	default:
		return nil, p.errAt(id, "%q cannot qualify %s; use tcp, udp or sctp", q.proto, q.typ)
	}
	lo, hi := id.text, id.text
	if q.typ == "portrange" {
		if a, b, ok := strings.Cut(id.text, "-"); ok {
			lo, hi = a, b
		}
	}
	a, err := parsePort(lo)
	if err != nil {
		return nil, p.errAt(id, "%v", err)
	}
	b, err := parsePort(hi)
	if err != nil {
		return nil, p.errAt(id, "%v", err)
	}
	if a > b {
		a, b = b, a
	}
	return portNode{proto: q.proto, dir: q.dir, lo: a, hi: b}, nil
}

func parsePort(s string) (uint16, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v > 65535 {
		return 0, fmt.Errorf("%q is not a port number (0-65535; names are not looked up)", s)
	}
	return uint16(v), nil
}

// host reads an address or a network for q.
func (p *parser) host(q quals, id token) (node, error) {
	switch q.proto {
	case "", "ip", "ip6", "arp", "rarp":
	case "ether", "link":
		return nil, p.errAt(id, "Ethernet addresses are not supported by inspect's filters")
	default:
		return nil, p.errAt(id, "%q cannot qualify %s", q.proto, q.typ)
	}
	var pfx netip.Prefix
	if q.typ == "host" {
		a, err := netip.ParseAddr(id.text)
		if v, nerr := strconv.ParseUint(id.text, 10, 32); nerr == nil {
			// tcpdump reads a number as the IPv4 address it encodes.
			a, err = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
		}
		if err != nil || a.Zone() != "" {
			return nil, p.errAt(id, "%q is not an IP address (names are not looked up)", id.text)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	} else {
		var err error
		if pfx, err = p.network(id); err != nil {
			return nil, err
		}
	}
	a := pfx.Addr()
	switch {
	case a.Is4() && q.proto == "ip6":
		return nil, p.errAt(id, "%s is an IPv4 address; ip6 needs an IPv6 one", id.text)
	case a.Is6() && q.proto != "" && q.proto != "ip6":
		return nil, p.errAt(id, "%s is an IPv6 address; %s needs an IPv4 one", id.text, q.proto)
	}
	return hostNode{proto: q.proto, dir: q.dir, pfx: pfx}, nil
}

// network reads "10.0.0.0/8", "10.0.0.0 mask 255.0.0.0", "10.1" (the
// first two bytes: /16) or "fd00::/8".
func (p *parser) network(id token) (netip.Prefix, error) {
	a, err := netip.ParseAddr(id.text)
	bits := -1
	if err != nil || a.Zone() != "" {
		// tcpdump reads 1 to 3 numbers as the leading bytes of a /8,
		// /16 or /24.
		parts := strings.Split(id.text, ".")
		var b [4]byte
		for i, s := range parts {
			v, err := strconv.ParseUint(s, 10, 8)
			if err != nil || len(parts) > 3 || s == "" {
				return netip.Prefix{}, p.errAt(id, "%q is not a network like 10.0.0.0/8", id.text)
			}
			b[i] = byte(v)
		}
		a, bits = netip.AddrFrom4(b), 8*len(parts)
	}
	switch {
	case p.is("/"):
		p.next()
		t := p.peek()
		v, err := p.number()
		if err != nil {
			return netip.Prefix{}, err
		}
		if int(v) > a.BitLen() {
			return netip.Prefix{}, p.errAt(t, "mask length %d is more than %d", v, a.BitLen())
		}
		bits = int(v)
	case p.is("mask"):
		p.next()
		t := p.next()
		m, err := netip.ParseAddr(t.text)
		if t.kind != tWord || err != nil || !m.Is4() || !a.Is4() {
			return netip.Prefix{}, p.errAt(t, "expected an IPv4 mask like 255.255.0.0 after \"mask\", found %s", describe(t))
		}
		v := m.As4()
		n := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
		ones := 0
		for n&(1<<31) != 0 {
			n, ones = n<<1, ones+1
		}
		if n != 0 {
			return netip.Prefix{}, p.errAt(t, "mask %s is not contiguous", t.text)
		}
		bits = ones
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	pfx := netip.PrefixFrom(a, bits)
	if pfx.Masked() != pfx {
		return netip.Prefix{}, p.errAt(id, "non-network bits set in %s/%d", a, bits)
	}
	return pfx, nil
}

// relation reads a comparison: arith relop arith.
func (p *parser) relation() (node, error) {
	l, err := p.arith(0)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op := t.text
	switch {
	case t.kind == tOp && op == "==":
		op = "="
	case t.kind == tOp && (op == ">" || op == "<" || op == ">=" || op == "<=" || op == "=" || op == "!="):
	default:
		p.noRelop = p.errAt(t, "expected a comparison (>, <, =, !=, >=, <=), found %s", describe(t))
		return nil, p.noRelop
	}
	p.next()
	r, err := p.arith(0)
	if err != nil {
		return nil, err
	}
	return relNode{op, l, r}, nil
}

// binary operators by precedence, loosest first, as in tcpdump.
var precedence = map[string]int{
	"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5,
	"*": 6, "/": 6, "%": 6,
}

// arith reads an arithmetic expression whose operators bind tighter
// than level.
func (p *parser) arith(level int) (arith, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		prec, ok := precedence[t.text]
		if t.kind != tOp || !ok || prec <= level {
			return l, nil
		}
		p.next()
		r, err := p.arith(prec)
		if err != nil {
			return nil, err
		}
		if c, ok := r.(numArith); ok && c.v == 0 && (t.text == "/" || t.text == "%") {
			return nil, p.errAt(t, "division by zero")
		}
		l = binArith{t.text, l, r}
	}
}

// operand reads a number, a named constant, len, a load such as
// tcp[13] or ip[2:2], a negation or a parenthesised expression.
func (p *parser) operand() (arith, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errAt(p.peek(), "expression nested deeper than %d", maxDepth)
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch {
	case t.text == "-" && t.kind == tOp:
		p.next()
		x, err := p.operand()
		if err != nil {
			return nil, err
		}
		return negArith{x}, nil
	case t.text == "(" && t.kind == tOp:
		p.next()
		x, err := p.arith(0)
		if err != nil {
			return nil, err
		}
		if !p.is(")") {
			return nil, p.errAt(p.peek(), "expected \")\", found %s", describe(p.peek()))
		}
		p.next()
		return x, nil
	case t.kind != tWord:
		return nil, p.errAt(t, "expected a number, len or a header field like tcp[13], found %s", describe(t))
	case t.text == "len":
		p.next()
		return lenArith{}, nil
	case protocols[t.text] && p.peekAt(1).text == "[":
		return p.load()
	}
	if v, ok := constants[t.text]; ok {
		p.next()
		return numArith{v}, nil
	}
	v, err := p.number()
	if err != nil {
		return nil, err
	}
	return numArith{v}, nil
}

// load reads proto[offset] or proto[offset:size].
func (p *parser) load() (arith, error) {
	proto := p.next().text
	p.next() // [
	off, err := p.arith(0)
	if err != nil {
		return nil, err
	}
	size := 1
	if p.is(":") {
		p.next()
		t := p.peek()
		v, err := p.number()
		if err != nil {
			return nil, err
		}
		if v != 1 && v != 2 && v != 4 {
			return nil, p.errAt(t, "a field is 1, 2 or 4 bytes long, not %d", v)
		}
		size = int(v)
	}
	if !p.is("]") {
		return nil, p.errAt(p.peek(), "expected \"]\", found %s", describe(p.peek()))
	}
	p.next()
	if proto == "link" {
		proto = "ether"
	}
	return loadArith{proto, off, size}, nil
}

// number reads a decimal, hexadecimal (0x) or octal (leading 0) number
// of at most 32 bits.
func (p *parser) number() (uint32, error) {
	t := p.peek()
	if t.kind != tWord || !isDigit(t.text[0]) {
		return 0, p.errAt(t, "expected a number, found %s", describe(t))
	}
	s, base := t.text, 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, p.errAt(t, "%q is not a 32-bit number", t.text)
	}
	p.next()
	return uint32(v), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
