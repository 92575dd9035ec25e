package filter

import "golang.org/x/net/bpf"

// Matcher runs an expression on frames in user space with x/net/bpf's
// virtual machine, the program compiled once per link type. A Matcher
// is used by one goroutine at a time.
type Matcher struct {
	expr  *Expr
	progs []linkProgram // one per link type met, the last used first
	err   error
	pad   []byte // MatchWire's copy of a frame cut short
}

// linkProgram is the expression compiled for one link type, or why it
// could not be.
type linkProgram struct {
	link uint32
	vm   *bpf.VM
	err  error
}

// maxLinks bounds the programs a Matcher keeps: a pcapng file names a
// link type per interface, and a hostile one may name many.
const maxLinks = 8

// maxWire is the longest frame MatchWire rebuilds: the snap length of
// a capture on lo.
const maxWire = 262144

// NewMatcher returns a Matcher for e; nil keeps every frame.
func NewMatcher(e *Expr) *Matcher {
	return &Matcher{expr: e}
}

// Expr returns the expression m runs.
func (m *Matcher) Expr() *Expr { return m.expr }

// Match reports whether the frame, of link type link, is kept. A frame
// too short for a field the expression reads is not kept, as in the
// kernel; a frame of a link type the expression cannot be compiled for
// is not kept either, and Err says why. Matching does not allocate
// while the link type stays the same.
func (m *Matcher) Match(link uint32, frame []byte) bool {
	if m.expr.Empty() {
		return true
	}
	p := m.program(link)
	m.err = p.err
	if p.vm == nil {
		return false
	}
	n, err := p.vm.Run(frame)
	return err == nil && n > 0
}

// program returns the program for link, compiling it the first time,
// and moves it to the front.
func (m *Matcher) program(link uint32) linkProgram {
	for i, p := range m.progs {
		if p.link == link {
			copy(m.progs[1:i+1], m.progs[:i])
			m.progs[0] = p
			return p
		}
	}
	p := linkProgram{link: link}
	prog, err := m.expr.Compile(link, 1)
	if err == nil {
		p.vm, err = bpf.NewVM(prog)
	}
	p.err = err
	if len(m.progs) < maxLinks {
		m.progs = append(m.progs, linkProgram{})
	}
	copy(m.progs[1:], m.progs[:len(m.progs)-1])
	m.progs[0] = p
	return p
}

// MatchWire is Match for a frame that was wireLen bytes long on the
// wire but of which only frame was kept, as the terminal UI keeps the
// start of each frame: len and greater/less see wireLen (up to 256
// KiB), as tcpdump's len does, and the bytes that were not kept read
// as zeros.
func (m *Matcher) MatchWire(link uint32, frame []byte, wireLen int) bool {
	if wireLen <= len(frame) || m.expr.Empty() {
		return m.Match(link, frame)
	}
	wireLen = min(wireLen, maxWire)
	if cap(m.pad) < wireLen {
		m.pad = make([]byte, wireLen)
	}
	b := m.pad[:wireLen]
	n := copy(b, frame)
	clear(b[n:])
	return m.Match(link, b)
}

// Err returns why the last link type could not be filtered, or nil.
func (m *Matcher) Err() error { return m.err }
