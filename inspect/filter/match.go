package filter

import "golang.org/x/net/bpf"

// Matcher runs an expression on frames in user space with x/net/bpf's
// virtual machine, the program compiled once per link type. A Matcher
// is used by one goroutine at a time.
type Matcher struct {
	expr *Expr
	link uint32
	vm   *bpf.VM
	err  error
	pad  []byte // MatchWire's copy of a frame cut short
}

// maxWire is the longest frame MatchWire rebuilds: the snap length of
// a capture on lo.
const maxWire = 262144

// NewMatcher returns a Matcher for e; nil keeps every frame.
func NewMatcher(e *Expr) *Matcher {
	return &Matcher{expr: e, link: ^uint32(0)}
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
	if link != m.link {
		m.link, m.vm, m.err = link, nil, nil
		prog, err := m.expr.Compile(link, 1)
		if err == nil {
			m.vm, err = bpf.NewVM(prog)
		}
		m.err = err
	}
	if m.vm == nil {
		return false
	}
	n, err := m.vm.Run(frame)
	return err == nil && n > 0
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
