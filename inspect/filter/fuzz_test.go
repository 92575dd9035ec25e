package filter

import (
	"testing"
)

// FuzzParse checks that no expression makes Parse or Compile panic, and
// that whatever compiles runs in the VM and in the kernel's limits.
func FuzzParse(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	for _, s := range []string{"tcp port", "(((", "tcp[", "1 +", "net ::/", "portrange 1-", "\\", "ip[0:"} {
		f.Add(s)
	}
	frame := make([]byte, 80)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse(%q) error %T, want *SyntaxError", s, err)
			}
			_ = err.Error()
			return
		}
		for _, link := range []uint32{LinkEthernet, LinkRaw, LinkNull, LinkLinuxSLL2} {
			raw, err := e.Assemble(link, 100)
			if err != nil {
				continue
			}
			if len(raw) > maxInstructions {
				t.Fatalf("%q compiles to %d instructions", s, len(raw))
			}
			m := NewMatcher(e)
			m.Match(link, frame)
			if m.Err() != nil {
				t.Fatalf("%q: %v", s, m.Err())
			}
		}
	})
}
