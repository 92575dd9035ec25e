package filter

import (
	"bytes"
	"math/rand"
	"os/exec"
	"slices"
	"testing"
)

// randomExpr joins primitives of the corpus with and, or, not and
// parentheses, as deep as depth.
func randomExpr(rng *rand.Rand, depth int) string {
	prims := []string{
		"tcp", "udp", "icmp", "ip6", "port 3008", "tcp src port 3008", "dst port 4020",
		"host 127.0.0.2", "portrange 3000-4020", "len > 100",
		"tcp[tcpflags] & tcp-syn != 0", "tcp[13] & 1 = 1", "ip[8] = 64", "less 80",
		"ip6[6] = 44", "icmp6", "host ::1", "3009", "127.0.0.1",
	}
	if depth == 0 || rng.Intn(3) == 0 {
		return prims[rng.Intn(len(prims))]
	}
	switch rng.Intn(5) {
	case 0:
		return "not " + randomExpr(rng, depth-1)
	case 1:
		return "(" + randomExpr(rng, depth-1) + ")"
	case 2:
		return randomExpr(rng, depth-1) + " or " + randomExpr(rng, depth-1)
	default:
		return randomExpr(rng, depth-1) + " and " + randomExpr(rng, depth-1)
	}
}

// TestRandomExpressionsLikeTcpdump checks random combinations: Parse
// refuses those tcpdump refuses (a bare address or port with no
// qualifiers before it), and the rest keep the frames tcpdump's
// programs keep, which checks how and, or, not and a bare address or
// port bind.
func TestRandomExpressionsLikeTcpdump(t *testing.T) {
	needTcpdump(t)
	frames := readFrames(t, "testdata/mixed.pcap")
	rng := rand.New(rand.NewSource(7))
	n := 60
	if testing.Short() {
		n = 10
	}
	var exprs []string
	for len(exprs) < n {
		e := randomExpr(rng, 4)
		if !slices.Contains(exprs, e) {
			exprs = append(exprs, e)
		}
	}
	for _, expr := range exprs {
		e, err := Parse(expr)
		out, tcpdumpErr := exec.Command("tcpdump", "-d", "-y", "EN10MB", "--", expr).CombinedOutput()
		if bytes.Contains(out, []byte("rejects all packets")) {
			tcpdumpErr = nil // it parsed; its optimiser found it always false
		}
		if (err != nil) != (tcpdumpErr != nil) {
			t.Errorf("%q: Parse: %v; tcpdump: %v", expr, err, tcpdumpErr)
		}
		if err != nil || tcpdumpErr != nil {
			continue
		}
		ref := tcpdumpProgram(t, expr, "EN10MB")
		m := NewMatcher(e)
		for i, f := range frames {
			k, _ := ref.Run(f)
			if got := m.Match(LinkEthernet, f); got != (k > 0) {
				t.Errorf("%q: frame %d kept = %v, tcpdump's program: %v", expr, i+1, got, k > 0)
				break
			}
		}
	}
}
