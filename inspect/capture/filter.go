package capture

import (
	"fmt"

	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/socketlab/socketlab/inspect/filter"
)

// kernelFilter returns the program a live capture attaches to its
// socket: the port filter alone when cfg has no expression, else the
// TCP segments of cfg.Ports (of any port when there are none) that the
// expression keeps, as tcpdump would compile "(tcp port P or …) and
// (EXPR)".
func kernelFilter(link uint32, cfg Config) ([]bpf.RawInstruction, error) {
	if cfg.Filter.Empty() {
		return portFilter(layers.LinkType(link), cfg.Ports, cfg.SnapLen)
	}
	ports := filter.TCPPorts(cfg.Ports)
	if ports == nil {
		ports = tcpOnly
	}
	return filter.And(ports, cfg.Filter).Assemble(link, uint32(cfg.SnapLen))
}

// tcpOnly keeps the TCP segments, the only frames a Source delivers.
var tcpOnly, _ = filter.Parse("tcp")

// SetFilter makes a file source deliver only the frames e keeps, run in
// user space with x/net/bpf's VM; nil delivers every frame again. A
// live source applies its Config.Filter in the kernel instead, and
// SetFilter does nothing on it. Call it from the goroutine that calls
// Next.
func (s *Source) SetFilter(e *filter.Expr) {
	if s.file == nil {
		return
	}
	s.match = nil
	if !e.Empty() {
		s.match = filter.NewMatcher(e)
	}
}

// keep reports whether the frame passes the user-space filter. A frame
// the file kept only the start of is measured by its length on the
// wire, as tcpdump's len measures it.
func (s *Source) keep(link LinkType, frame []byte, wire int) bool {
	return s.match == nil || s.match.MatchWire(uint32(link), frame, wire)
}

// portFilter returns the classic BPF program that keeps the TCP segments
// of IPv4 and IPv6 to or from any of ports, and at most snapLen bytes of
// each. For Ethernet frames it is the program `tcpdump -d 'tcp port N or
// tcp port M'` prints: IPv6 with TCP as next header, or IPv4 with TCP
// that is not a later fragment, and then the source or destination port.
// With no ports it keeps every TCP segment.
func portFilter(link layers.LinkType, ports []int, snapLen int) ([]bpf.RawInstruction, error) {
	var a asm
	switch link {
	case layers.LinkTypeEthernet:
		// The IP header starts after the 14-byte Ethernet header.
		a.op(bpf.LoadAbsolute{Off: 12, Size: 2})
		a.jeq(0x86dd, "", "ipv4")
		a.ipv6(14, ports)
		a.label("ipv4")
		a.jeq(0x800, "", "reject")
		a.ipv4(14, ports)
	case layers.LinkTypeRaw:
		// Bare IP packets (tun devices): the version nibble decides.
		a.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		a.jeq(6, "", "ipv4")
		a.ipv6(0, ports)
		a.label("ipv4")
		a.jeq(4, "", "reject")
		a.ipv4(0, ports)
	default:
		return nil, errLinkType(link)
	}
	a.label("accept")
	a.op(bpf.RetConstant{Val: uint32(snapLen)})
	a.label("reject")
	a.op(bpf.RetConstant{Val: 0})
	prog, err := a.resolve()
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("assembling the port filter: %w", err)
	}
	return raw, nil
}

// ipv6 tests an IPv6 header at off: next header TCP, then the ports.
func (a *asm) ipv6(off uint32, ports []int) {
	a.op(bpf.LoadAbsolute{Off: off + 6, Size: 1})
	a.jeq(6, "", "reject")
	if len(ports) == 0 {
		a.op(bpf.Jump{}) // patched to accept
		a.fix = append(a.fix, fixup{at: len(a.prog) - 1, t: "accept"})
		return
	}
	a.op(bpf.LoadAbsolute{Off: off + 40, Size: 2})
	a.ports(ports, "accept", "ipv6dst")
	a.label("ipv6dst")
	a.op(bpf.LoadAbsolute{Off: off + 42, Size: 2})
	if len(ports) == 1 {
		a.ports(ports, "accept", "reject")
		return
	}
	// Like libpcap's optimiser, test the first port here and share the
	// tests of the others with the IPv4 destination port below: A holds
	// the destination port either way.
	a.jeq(uint32(ports[0]), "accept", "dstrest")
}

// ipv4 tests an IPv4 header at off: protocol TCP, not a later fragment,
// then the ports, found through the header length in X.
func (a *asm) ipv4(off uint32, ports []int) {
	a.op(bpf.LoadAbsolute{Off: off + 9, Size: 1})
	a.jeq(6, "", "reject")
	a.op(bpf.LoadAbsolute{Off: off + 6, Size: 2})
	a.jset(0x1fff, "reject", "")
	if len(ports) == 0 {
		return // falls through to accept
	}
	a.op(bpf.LoadMemShift{Off: off})
	a.op(bpf.LoadIndirect{Off: off, Size: 2})
	a.ports(ports, "accept", "ipv4dst")
	a.label("ipv4dst")
	a.op(bpf.LoadIndirect{Off: off + 2, Size: 2})
	if len(ports) == 1 {
		a.ports(ports, "accept", "reject")
		return
	}
	a.jeq(uint32(ports[0]), "accept", "")
	a.label("dstrest")
	a.ports(ports[1:], "accept", "reject")
}

// ports compares A with each port: a match goes to yes; after the last
// mismatch it goes to no.
func (a *asm) ports(ports []int, yes, no string) {
	for i, p := range ports {
		miss := ""
		if i == len(ports)-1 {
			miss = no
		}
		a.jeq(uint32(p), yes, miss)
	}
}

// asm builds a BPF program whose jumps name labels; resolve turns the
// names into the relative skips BPF wants. An empty name means the next
// instruction.
type asm struct {
	prog   []bpf.Instruction
	labels map[string]int
	fix    []fixup
}

type fixup struct {
	at   int
	t, f string
}

func (a *asm) op(i bpf.Instruction) { a.prog = append(a.prog, i) }

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = make(map[string]int)
	}
	a.labels[name] = len(a.prog)
}

func (a *asm) jeq(val uint32, t, f string) {
	a.fix = append(a.fix, fixup{len(a.prog), t, f})
	a.op(bpf.JumpIf{Cond: bpf.JumpEqual, Val: val})
}

func (a *asm) jset(val uint32, t, f string) {
	a.fix = append(a.fix, fixup{len(a.prog), t, f})
	a.op(bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: val})
}

func (a *asm) resolve() ([]bpf.Instruction, error) {
	skip := func(from int, name string) (int, error) {
		if name == "" {
			return 0, nil
		}
		to, ok := a.labels[name]
		if !ok || to <= from || to-from-1 > 255 {
			return 0, fmt.Errorf("port filter: cannot jump from %d to %q", from, name)
		}
		return to - from - 1, nil
	}
	for _, f := range a.fix {
		st, err := skip(f.at, f.t)
		if err != nil {
			return nil, err
		}
		sf, err := skip(f.at, f.f)
		if err != nil {
			return nil, err
		}
		switch i := a.prog[f.at].(type) {
		case bpf.JumpIf:
			i.SkipTrue, i.SkipFalse = uint8(st), uint8(sf)
			a.prog[f.at] = i
		case bpf.Jump:
			a.prog[f.at] = bpf.Jump{Skip: uint32(st)}
		}
	}
	return a.prog, nil
}
