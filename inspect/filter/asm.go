package filter

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// maxInstructions is the longest program compiled: the Linux kernel
// accepts 4096 instructions, and a live capture may put a few before
// the program (to drop the second copy of each frame on lo).
const maxInstructions = 4096 - 16

// label names a place in a program; next means the instruction after.
type label int

const next label = 0

// inst is one instruction of a program being built, or the place of a
// label. Jumps name labels; layout turns them into BPF's relative skips.
type inst struct {
	ins   bpf.Instruction
	jt    label // a conditional jump's targets
	jf    label
	cond  bool
	to    label // an unconditional jump's target
	jump  bool
	place label // this entry marks a label, not an instruction
}

// asm collects a program whose jumps name labels.
type asm struct {
	code   []inst
	labels int
}

func (a *asm) newLabel() label {
	a.labels++
	return label(a.labels)
}

func (a *asm) mark(l label)         { a.code = append(a.code, inst{place: l}) }
func (a *asm) op(i bpf.Instruction) { a.code = append(a.code, inst{ins: i}) }
func (a *asm) goTo(l label)         { a.code = append(a.code, inst{to: l, jump: true}) }
func (a *asm) jif(c bpf.JumpTest, v uint32, t, f label) {
	a.code = append(a.code, inst{ins: bpf.JumpIf{Cond: c, Val: v}, jt: t, jf: f, cond: true})
}
func (a *asm) jifX(c bpf.JumpTest, t, f label) {
	a.code = append(a.code, inst{ins: bpf.JumpIfX{Cond: c}, jt: t, jf: f, cond: true})
}

// layout resolves the labels. A conditional jump reaches at most 255
// instructions ahead; a farther target is reached through an
// unconditional jump placed right after it.
func (a *asm) layout() ([]bpf.Instruction, error) {
	for {
		pos, where, n := a.positions()
		if n > maxInstructions {
			return nil, fmt.Errorf("filter: the program needs %d instructions, more than the %d a socket takes; shorten the expression",
				n, maxInstructions)
		}
		far := false
		var out []inst
		for k, in := range a.code {
			if !in.cond || (a.fits(pos[k], in.jt, where) && a.fits(pos[k], in.jf, where)) {
				out = append(out, in)
				continue
			}
			far = true
			after := a.newLabel()
			var tramp []inst
			redirect := func(to label) label {
				if to == next {
					return after
				}
				if a.fits(pos[k], to, where) {
					return to
				}
				l := a.newLabel()
				tramp = append(tramp, inst{place: l}, inst{to: to, jump: true})
				return l
			}
			in.jt, in.jf = redirect(in.jt), redirect(in.jf)
			out = append(out, in)
			out = append(out, tramp...)
			out = append(out, inst{place: after})
		}
		a.code = out
		if !far {
			break
		}
	}
	pos, where, _ := a.positions()
	var prog []bpf.Instruction
	for k, in := range a.code {
		skip := func(l label) uint8 {
			if l == next {
				return 0
			}
			return uint8(where[l] - pos[k] - 1)
		}
		switch {
		case in.place != 0:
			continue
		case in.jump:
			prog = append(prog, bpf.Jump{Skip: uint32(where[in.to] - pos[k] - 1)})
		case in.cond:
			switch i := in.ins.(type) {
			case bpf.JumpIf:
				i.SkipTrue, i.SkipFalse = skip(in.jt), skip(in.jf)
				prog = append(prog, i)
			case bpf.JumpIfX:
				i.SkipTrue, i.SkipFalse = skip(in.jt), skip(in.jf)
				prog = append(prog, i)
			}
		default:
			prog = append(prog, in.ins)
		}
	}
	return prog, nil
}

// positions returns the instruction index of each entry of the code (a
// label's is that of the instruction after it), of each label, and the
// number of instructions.
func (a *asm) positions() ([]int, map[label]int, int) {
	pos := make([]int, len(a.code))
	where := make(map[label]int)
	n := 0
	for k, in := range a.code {
		pos[k] = n
		if in.place != 0 {
			where[in.place] = n
			continue
		}
		n++
	}
	return pos, where, n
}

// fits reports whether a conditional jump at from reaches l.
func (a *asm) fits(from int, l label, where map[label]int) bool {
	if l == next {
		return true
	}
	d := where[l] - from - 1
	return d >= 0 && d <= 255
}
