package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
)

// fixtures are the recorded captures in testdata, made by record.sh.
var fixtures = []string{"keepalive", "halfclose", "unread", "refused", "zerowindow", "windowfull", "lossy"}

// tsharkFields are the columns of a NAME.tshark file after the frame
// number, in order, and the flags each stands for. tshark marks a fast
// or spurious retransmission as a retransmission too.
var tsharkFields = []struct {
	field string
	flags Flags
}{
	{"tcp.analysis.retransmission", Retransmission | FastRetransmission | SpuriousRetransmission},
	{"tcp.analysis.fast_retransmission", FastRetransmission},
	{"tcp.analysis.spurious_retransmission", SpuriousRetransmission},
	{"tcp.analysis.out_of_order", OutOfOrder},
	{"tcp.analysis.lost_segment", LostSegment},
	{"tcp.analysis.ack_lost_segment", AckedUnseen},
	{"tcp.analysis.duplicate_ack_num", DupAck},
	{"tcp.analysis.keep_alive", KeepAlive},
	{"tcp.analysis.keep_alive_ack", KeepAliveAck},
	{"tcp.analysis.zero_window", ZeroWindow},
	{"tcp.analysis.zero_window_probe", ZeroWindowProbe},
	{"tcp.analysis.zero_window_probe_ack", ZeroWindowProbeAck},
	{"tcp.analysis.window_update", WindowUpdate},
	{"tcp.analysis.window_full", WindowFull},
}

// packets returns the packets of testdata/NAME.pcap, copied.
func packets(t testing.TB, name string) []capture.Packet {
	t.Helper()
	src, err := capture.OpenFile("testdata/" + name + ".pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ps []capture.Packet
	var p capture.Packet
	for {
		err := src.Next(&p)
		if errors.Is(err, io.EOF) {
			return ps
		}
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p.Copy())
	}
}

// ours writes the analysis of ps in the format of a NAME.tshark file.
func ours(ps []capture.Packet) string {
	a := New(Config{})
	var b strings.Builder
	for i := range ps {
		r := a.Analyze(&ps[i])
		b.WriteString(strconv.FormatUint(ps[i].Index, 10))
		for _, f := range tsharkFields {
			b.WriteByte(',')
			switch {
			case r.Flags&f.flags == 0:
			case f.flags == DupAck:
				b.WriteString(strconv.Itoa(r.DupAck))
			default:
				b.WriteByte('1')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// differences lists the frames whose lines differ, with both lines.
func differences(got, want string) []string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var out []string
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			out = append(out, fmt.Sprintf("ours %q, tshark %q", gl, wl))
		}
	}
	return out
}

func TestAgreesWithTshark(t *testing.T) {
	for _, name := range fixtures {
		t.Run("every frame of "+name+" has the flags tshark gives it", func(t *testing.T) {
			want, err := os.ReadFile("testdata/" + name + ".tshark")
			if err != nil {
				t.Fatal(err)
			}
			got := ours(packets(t, name))
			if d := differences(got, string(want)); len(d) > 0 {
				t.Errorf("%d frames differ from tshark's analysis:\n%s", len(d), strings.Join(d, "\n"))
			}
		})
	}
}

// TestRecordedTsharkOutput runs tshark, where it is installed, on each
// fixture and checks that the recorded analysis is still what it says.
func TestRecordedTsharkOutput(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed: the recorded analysis stands")
	}
	args := []string{"-T", "fields", "-E", "separator=,", "-e", "frame.number"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f.field)
	}
	for _, name := range fixtures {
		t.Run("tshark still reads "+name+" as recorded", func(t *testing.T) {
			cmd := exec.Command("tshark", append([]string{"-r", "testdata/" + name + ".pcap"}, args...)...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			want, err := os.ReadFile("testdata/" + name + ".tshark")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("tshark's analysis differs from the recording:\n%s",
					strings.Join(differences(string(out), string(want)), "\n"))
			}
		})
	}
}

// results analyses the packets of a fixture.
func results(t testing.TB, name string) []Result {
	t.Helper()
	ps := packets(t, name)
	a := New(Config{})
	rs := make([]Result, len(ps))
	for i := range ps {
		rs[i] = a.Analyze(&ps[i])
	}
	return rs
}

func TestNotes(t *testing.T) {
	// Each case names a frame of a fixture, what its note must say and
	// what it must not: the facts a teacher relies on, not the wording.
	cases := []struct {
		name    string
		fixture string
		frame   int
		step    Step
		has     []string
		hasNot  []string
	}{
		{"a keepalive is named as one, not as an acknowledgement of nothing", "keepalive", 8, Other,
			[]string{"keepalive", "client"}, []string{"up to 0"}},
		{"the answer to a keepalive is named as one", "keepalive", 9, Other,
			[]string{"keepalive", "server"}, nil},
		{"data after keepalives is data again", "keepalive", 12, Data, []string{"13 bytes"}, nil},
		{"the client's FIN leaves the other direction open", "halfclose", 6, Teardown,
			[]string{"FIN", "server may still send"}, nil},
		{"the server's data after the client's FIN says which way is open", "halfclose", 7, Data,
			[]string{"43 bytes", "server→client is still open"}, nil},
		{"the client's ACK of that data is not an ACK of a FIN", "halfclose", 8, Other,
			[]string{"up to 44", "server→client is still open"}, []string{"acknowledges the FIN"}},
		{"the ACK of the last FIN closes the connection", "halfclose", 14, Teardown,
			[]string{"closed"}, nil},
		{"a reset after unread data names that cause", "unread", 6, Reset,
			[]string{"RST", "before reading", "reset by peer"}, nil},
		{"a reset that answers a SYN is a refused connection", "refused", 2, Reset,
			[]string{"RST", "nothing listens on port 39104", "connection refused"}, nil},
		{"a full receive buffer is a zero window", "zerowindow", 15, Trouble,
			[]string{"window 0", "client must wait"}, nil},
		{"a probe of a zero window is not called a keepalive", "zerowindow", 16, Trouble,
			[]string{"window probe"}, []string{"keepalive:"}},
		{"the window opening again is a window update", "zerowindow", 19, Other,
			[]string{"window update"}, nil},
		{"a retransmission says the bytes are sent again", "zerowindow", 10, Trouble,
			[]string{"again", "retransmission"}, nil},
		{"data that reaches the end of the receiver's window says so", "windowfull", 29, Data,
			[]string{"window full", "client must wait"}, nil},
		{"a duplicate ACK is counted", "lossy", 74, Trouble,
			[]string{"duplicate ACK #1"}, nil},
		{"an out-of-order segment is named", "lossy", 75, Trouble,
			[]string{"out of order"}, nil},
		{"an ACK of bytes never captured says so", "lossy", 67, Trouble,
			[]string{"capture did not see"}, nil},
		{"a segment after a hole says how much the capture missed", "lossy", 72, Trouble,
			[]string{"missed 136 bytes"}, nil},
	}
	all := map[string][]Result{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, ok := all[c.fixture]
			if !ok {
				rs = results(t, c.fixture)
				all[c.fixture] = rs
			}
			r := rs[c.frame-1]
			for _, s := range c.has {
				if !strings.Contains(r.Note, s) {
					t.Errorf("frame %d: note %q lacks %q", c.frame, r.Note, s)
				}
			}
			for _, s := range c.hasNot {
				if strings.Contains(r.Note, s) {
					t.Errorf("frame %d: note %q says %q", c.frame, r.Note, s)
				}
			}
			if r.Step != c.step {
				t.Errorf("frame %d: step %d, want %d", c.frame, r.Step, c.step)
			}
		})
	}
}

func TestDirections(t *testing.T) {
	ps := packets(t, "halfclose")
	t.Run("the sender of the SYN is the client", func(t *testing.T) {
		a := New(Config{})
		for i := range ps {
			r := a.Analyze(&ps[i])
			want := capture.ServerToClient
			if ps[i].Src.Port() != 39102 {
				want = capture.ClientToServer
			}
			if r.Dir != want {
				t.Errorf("frame %d: %v, want %v", i+1, r.Dir, want)
			}
		}
	})
	t.Run("without the SYN the end on a server port is the server", func(t *testing.T) {
		a := New(Config{Ports: []int{39102}})
		for i := 6; i < len(ps); i++ {
			p := ps[i]
			p.Dir = capture.DirUnknown
			r := a.Analyze(&p)
			if (r.Dir == capture.ServerToClient) != (p.Src.Port() == 39102) {
				t.Errorf("frame %d: %v", i+1, r.Dir)
			}
		}
	})
}

func TestConnections(t *testing.T) {
	syn := func(port uint16, seq uint32) capture.Packet {
		return capture.Packet{
			Src:    netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port),
			Dst:    netip.MustParseAddrPort("127.0.0.1:3008"),
			Flags:  capture.SYN,
			RawSeq: seq, Window: 100,
		}
	}
	t.Run("a repeated SYN is a retransmission on the same connection", func(t *testing.T) {
		a := New(Config{})
		p := syn(40000, 1000)
		a.Analyze(&p)
		r := a.Analyze(&p)
		if r.Flags&Retransmission == 0 || r.Step != Trouble {
			t.Errorf("second SYN: flags %q, step %d", r.Flags, r.Step)
		}
	})
	t.Run("a SYN with a new sequence number starts a new connection", func(t *testing.T) {
		a := New(Config{})
		p, q := syn(40000, 1000), syn(40000, 5000)
		a.Analyze(&p)
		r := a.Analyze(&q)
		if r.Flags != 0 || r.Step != Handshake {
			t.Errorf("new SYN: flags %q, step %d", r.Flags, r.Step)
		}
	})
	t.Run("connections kept stay within the limit", func(t *testing.T) {
		a := New(Config{MaxConns: 100})
		for port := uint16(1000); port < 3000; port++ {
			p := syn(port, 1)
			a.Analyze(&p)
			if len(a.conns) > 100 {
				t.Fatalf("%d connections kept, limit 100", len(a.conns))
			}
		}
	})
	t.Run("a malformed packet gets a note and no findings", func(t *testing.T) {
		a := New(Config{})
		r := a.Analyze(&capture.Packet{Malformed: "IPv4 header cut short"})
		if r.Flags != 0 || r.Step != Reset || !strings.Contains(r.Note, "IPv4 header cut short") {
			t.Errorf("%+v", r)
		}
	})
}

func TestFlagsString(t *testing.T) {
	if got := (KeepAlive | ZeroWindow | WindowFull).String(); got != "keep_alive zero_window window_full" {
		t.Errorf("got %q", got)
	}
	if got := Flags(0).String(); got != "" {
		t.Errorf("no flags: got %q", got)
	}
}
