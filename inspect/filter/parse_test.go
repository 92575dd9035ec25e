package filter

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestRejectedLikeTcpdump checks that expressions tcpdump refuses are
// refused, with the place of the mistake.
func TestRejectedLikeTcpdump(t *testing.T) {
	_, haveTcpdump := exec.LookPath("tcpdump")
	tests := []struct {
		expr string
		pos  int // where the error points
	}{
		{"tcp port", 8},
		{"port 70000", 5},
		{"host", 4},
		{"tcp[13", 6},
		{"len >", 5},
		{"and", 0},
		{"tcp and", 7},
		{"portrange 5-", 11},
		{"net 10.1.2.3/8", 4},
		{"tcp host 127.0.0.1", 9},
		{"ip6 host 127.0.0.1", 9},
		{"ip host ::1", 8},
		{"(tcp", 4},
		{"tcp)", 3},
		{"1 +", 3},
		{"ip[0:3] = 1", 5},
		{"ip port 3008", 8},
		{"tcp 3008", 4},
		{"ip 10.0.0.1", 3},
		{"tcp[13] & 2 !=", 14},
		{"len / 0 > 1", 4},
		{"host 127.0.0.1 or", 17},
		{"tcp # port", 4},
		{"port 3008 3009", 10},
		{"src", 3},
		{"not", 3},
		{"ip proto", 8},
		{"127.0.0.1", 0},
		{"not 3008", 4},
		{"tcp or 3009", 7},
		{"len > 5 or 3009", 11},
		{"(port 1) or 2", 12},
		{"port 1 or (tcp or 3)", 18},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Parse(tt.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, want a *SyntaxError", tt.expr, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("error at byte %d, want %d: %v", se.Pos, tt.pos, err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 3 || strings.Index(lines[2], "^") != strings.Index(lines[1], tt.expr)+tt.pos {
				t.Errorf("the caret is not under byte %d:\n%s", tt.pos, err)
			}
			if haveTcpdump == nil {
				if out, err := exec.Command("tcpdump", "-d", "--", tt.expr).CombinedOutput(); err == nil {
					t.Errorf("tcpdump takes %q:\n%s", tt.expr, out)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Run("an empty expression keeps every packet", func(t *testing.T) {
		for _, s := range []string{"", "  \t"} {
			e, err := Parse(s)
			if err != nil || !e.Empty() {
				t.Errorf("Parse(%q) = %v, %v; want an empty expression", s, e, err)
			}
			if !NewMatcher(e).Match(LinkEthernet, nil) {
				t.Errorf("the empty expression %q drops a frame", s)
			}
		}
	})
	t.Run("control characters are escaped in the error", func(t *testing.T) {
		_, err := Parse("tcp \x1b[2J port")
		if err == nil || strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("error %q", err)
		}
	})
	t.Run("too long an expression is refused", func(t *testing.T) {
		if _, err := Parse(strings.Repeat("tcp or ", 1000) + "tcp"); err == nil {
			t.Error("no error")
		}
	})
	t.Run("too deep a nesting is refused", func(t *testing.T) {
		if _, err := Parse(strings.Repeat("(", 100) + "tcp" + strings.Repeat(")", 100)); err == nil {
			t.Error("no error for parentheses")
		}
		if _, err := Parse(strings.Repeat("not ", 100) + "tcp"); err == nil {
			t.Error("no error for not")
		}
		if _, err := Parse("len = " + strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)); err == nil {
			t.Error("no error for arithmetic")
		}
	})
	t.Run("a program too long for the kernel is refused", func(t *testing.T) {
		e, err := Parse(strings.Repeat("host ::1 or ", 300) + "tcp")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Compile(LinkEthernet, 100); err == nil {
			t.Error("no error")
		}
	})
	t.Run("an unknown link type is refused", func(t *testing.T) {
		e, _ := Parse("tcp")
		if _, err := e.Compile(147, 100); err == nil {
			t.Error("Compile: no error")
		}
		m := NewMatcher(e)
		if m.Match(147, make([]byte, 60)) || m.Err() == nil {
			t.Error("Match kept the frame or gave no error")
		}
	})
}

// TestFarJumps checks that programs longer than a conditional jump
// reaches still keep what tcpdump keeps.
func TestFarJumps(t *testing.T) {
	needTcpdump(t)
	var hosts []string
	for i := range 40 {
		hosts = append(hosts, "host 10.0.0."+strings.Repeat("1", 1+i%2)+"/"+"32")
	}
	expr := "(" + strings.Join(hosts, " or ") + " or tcp port 3008) and tcp[tcpflags] & tcp-syn != 0"
	expr = strings.ReplaceAll(expr, "/32", "")
	e, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := e.Compile(LinkEthernet, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 300 {
		t.Fatalf("the program has %d instructions: too few to need far jumps", len(prog))
	}
	frames := readFrames(t, "testdata/mixed.pcap")
	ref := tcpdumpProgram(t, expr, "EN10MB")
	m := NewMatcher(e)
	kept := 0
	for i, f := range frames {
		n, _ := ref.Run(f)
		if got := m.Match(LinkEthernet, f); got != (n > 0) {
			t.Errorf("frame %d: kept = %v, tcpdump's program: %v", i, got, n > 0)
		}
		if n > 0 {
			kept++
		}
	}
	if kept == 0 {
		t.Error("the expression keeps nothing: the test proves little")
	}
}

func TestTCPPortsAndAnd(t *testing.T) {
	needTcpdump(t)
	frames := readFrames(t, "testdata/mixed.pcap")
	user, err := Parse("tcp[tcpflags] & tcp-fin != 0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    *Expr
		want string
	}{
		{"no ports is no expression", TCPPorts(nil), ""},
		{"ports are tcp port or tcp port", TCPPorts([]int{3008, 4020}), "tcp port 3008 or tcp port 4020"},
		{"And of ports and an expression keeps both", And(TCPPorts([]int{3008, 4020}), user),
			"(tcp port 3008 or tcp port 4020) and (tcp[tcpflags] & tcp-fin != 0)"},
		{"And with nil is the other", And(nil, user), "tcp[tcpflags] & tcp-fin != 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.e.String() != tt.want {
				t.Fatalf("String() = %q, want %q", tt.e.String(), tt.want)
			}
			if tt.want == "" {
				return
			}
			ref := tcpdumpProgram(t, tt.want, "EN10MB")
			m := NewMatcher(tt.e)
			for i, f := range frames {
				n, _ := ref.Run(f)
				if got := m.Match(LinkEthernet, f); got != (n > 0) {
					t.Errorf("frame %d: kept = %v, tcpdump's program: %v", i, got, n > 0)
				}
			}
		})
	}
}

func TestMatchWire(t *testing.T) {
	frames := readFrames(t, "testdata/mixed.pcap")
	var big []byte
	for _, f := range frames {
		if len(f) > 300 {
			big = f
			break
		}
	}
	if big == nil {
		t.Fatal("no frame over 300 bytes in the recording")
	}
	e, err := Parse("len > 300 and tcp")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(e)
	t.Run("a frame cut short is measured by its length on the wire", func(t *testing.T) {
		if !m.MatchWire(LinkEthernet, big[:100], len(big)) {
			t.Error("dropped")
		}
		if m.Match(LinkEthernet, big[:100]) {
			t.Error("Match measured the cut frame as long")
		}
	})
	t.Run("a whole frame is matched as it is", func(t *testing.T) {
		if !m.MatchWire(LinkEthernet, big, len(big)) {
			t.Error("dropped")
		}
	})
}

func TestErrorsNameWhatIsMissing(t *testing.T) {
	for _, expr := range []string{"tcp and", "and", "not", "(", "tcp or )"} {
		_, err := Parse(expr)
		if err == nil || strings.Contains(err.Error(), `after ""`) {
			t.Errorf("Parse(%q): %v", expr, err)
		}
	}
}

func TestMatcherKeepsAProgramPerLinkType(t *testing.T) {
	frames := readFrames(t, "testdata/mixed.pcap")
	e, _ := Parse("tcp port 3008")
	m := NewMatcher(e)
	want := keeps(t, e, LinkEthernet, frames)
	// The same frames, every other one as raw IP: the programs of both
	// link types are kept and each frame is read with its own.
	var got [][]byte
	for i, f := range frames {
		link, frame := uint32(LinkEthernet), f
		if i%2 == 1 {
			link, frame = LinkRaw, f[14:]
		}
		if m.Match(link, frame) {
			got = append(got, f)
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("kept %d frames alternating link types, %d with one", len(got), len(want))
	}
	if len(m.progs) != 2 {
		t.Errorf("%d programs kept, want 2", len(m.progs))
	}
	for link := uint32(300); link < 320; link++ {
		m.Match(link, frames[0])
	}
	if len(m.progs) > maxLinks {
		t.Errorf("%d programs kept, more than %d", len(m.progs), maxLinks)
	}
}
