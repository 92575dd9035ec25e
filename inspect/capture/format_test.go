package capture

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAppendLine(t *testing.T) {
	at := time.Date(2026, 11, 25, 15, 4, 5, 123456789, time.UTC)
	cli := netip.MustParseAddrPort("127.0.0.1:50412")
	srv := netip.MustParseAddrPort("127.0.0.1:3008")
	six := netip.MustParseAddrPort("[::1]:3008")
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"a SYN shows its sequence number and no ack",
			Packet{Time: at, Src: cli, Dst: srv, Flags: SYN, Window: 65495},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: Flags [S], seq 0, win 65495, length 0"},
		{"a SYN-ACK shows seq and ack",
			Packet{Time: at, Src: srv, Dst: cli, Flags: SYN | ACK, Ack: 1, Window: 65483},
			"15:04:05.123456 127.0.0.1.3008 > 127.0.0.1.50412: Flags [S.], seq 0, ack 1, win 65483, length 0"},
		{"a pure ACK shows only the ack",
			Packet{Time: at, Src: cli, Dst: srv, Flags: ACK, Seq: 1, Ack: 1, Window: 64},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: Flags [.], ack 1, win 64, length 0"},
		{"data shows the range of sequence numbers it carries",
			Packet{Time: at, Src: cli, Dst: srv, Flags: PSH | ACK, Seq: 1, Ack: 1, Window: 64, Len: 6},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: Flags [P.], seq 1:7, ack 1, win 64, length 6"},
		{"a FIN shows its sequence number",
			Packet{Time: at, Src: cli, Dst: srv, Flags: FIN | ACK, Seq: 7, Ack: 7, Window: 64},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: Flags [F.], seq 7, ack 7, win 64, length 0"},
		{"a bare RST has no ack",
			Packet{Time: at, Src: srv, Dst: cli, Flags: RST, Seq: 1},
			"15:04:05.123456 127.0.0.1.3008 > 127.0.0.1.50412: Flags [R], seq 1, win 0, length 0"},
		{"an RST with ACK shows both",
			Packet{Time: at, Src: cli, Dst: srv, Flags: RST | ACK, Seq: 7, Ack: 7, Window: 64},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: Flags [R.], seq 7, ack 7, win 64, length 0"},
		{"IPv6 addresses are joined to the port by a dot",
			Packet{Time: at, Src: six, Dst: netip.MustParseAddrPort("[::1]:40000"), Flags: ACK, Ack: 5, Window: 9},
			"15:04:05.123456 ::1.3008 > ::1.40000: Flags [.], ack 5, win 9, length 0"},
		{"a malformed frame says why",
			Packet{Time: at, WireLen: 20, Malformed: "Ethernet packet too small"},
			"15:04:05.123456 malformed frame of 20 bytes: Ethernet packet too small"},
		{"a malformed segment keeps its addresses",
			Packet{Time: at, Src: cli, Dst: srv, WireLen: 40, Malformed: "TCP: too short"},
			"15:04:05.123456 127.0.0.1.50412 > 127.0.0.1.3008: malformed frame of 40 bytes: TCP: too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(&tt.p); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFlagsString(t *testing.T) {
	tests := []struct {
		f    Flags
		want string
	}{
		{SYN, "[S]"}, {SYN | ACK, "[S.]"}, {ACK, "[.]"}, {PSH | ACK, "[P.]"},
		{FIN | ACK, "[F.]"}, {RST, "[R]"}, {RST | ACK, "[R.]"}, {FIN | PSH | ACK, "[FP.]"},
		{SYN | ECE | CWR, "[SEW]"}, {0, "[none]"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("Flags(%#x) = %s, want %s", uint8(tt.f), got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"the client's SYN", Packet{Flags: SYN}, "SYN: client asks to open"},
		{"the server's SYN-ACK", Packet{Flags: SYN | ACK, Ack: 1}, "SYN-ACK: server agrees"},
		{"the client's ACK that ends the handshake", Packet{Flags: ACK, Seq: 1, Ack: 1}, "ACK: handshake done"},
		{"a later ACK has no note", Packet{Flags: ACK, Seq: 1, Ack: 7}, ""},
		{"data has no note", Packet{Flags: PSH | ACK, Seq: 1, Ack: 1, Len: 6}, ""},
		{"a FIN", Packet{Flags: FIN | ACK, Seq: 7, Ack: 7}, "FIN: no more data from this side"},
		{"an RST", Packet{Flags: RST}, "RST: connection reset"},
		{"an RST-ACK", Packet{Flags: RST | ACK}, "RST: connection reset"},
		{"a malformed frame", Packet{Malformed: "too short"}, "malformed: too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(&tt.p); got != tt.want {
				t.Errorf("Describe = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendHex(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"nothing prints nothing", "", ""},
		{"a short line is padded so the text lines up",
			"hello\n",
			"\t0x0000:  6865 6c6c 6f0a                           hello.\n"},
		{"an odd length ends mid-group",
			"abc",
			"\t0x0000:  6162 63                                  abc\n"},
		{"sixteen bytes fill one row",
			"0123456789abcdef",
			"\t0x0000:  3031 3233 3435 3637 3839 6162 6364 6566  0123456789abcdef\n"},
		{"the second row starts at 0x0010 and bytes outside ASCII print as dots, spaces too",
			"0123456789abcdef\x00\xff~ ",
			"\t0x0000:  3031 3233 3435 3637 3839 6162 6364 6566  0123456789abcdef\n" +
				"\t0x0010:  00ff 7e20                                ..~.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hex([]byte(tt.in)); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestLinesMatchTcpdump compares the lines for a recording with what
// tcpdump prints for it, apart from what inspect leaves out on purpose:
// the "IP"/"IP6" word, TCP options and the SYNs' absolute numbers.
func TestLinesMatchTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	for _, file := range []string{"testdata/echo4.pcap", "testdata/echo6.pcap", "testdata/reset4.pcap"} {
		cmd := exec.Command("tcpdump", "-nn", "-r", file)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tcpdump -r %s: %v", file, err)
		}
		ipWord := regexp.MustCompile(` IP6? `)
		options := regexp.MustCompile(`, options \[[^]]*\]`)
		syn := regexp.MustCompile(`(Flags \[S\.?\], seq )\d+`)
		synAck := regexp.MustCompile(`(Flags \[S\.\], seq \d+, ack )\d+`)
		var want []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			l = ipWord.ReplaceAllString(l, " ")
			l = options.ReplaceAllString(l, "")
			l = synAck.ReplaceAllString(l, "${1}1")
			l = syn.ReplaceAllString(l, "${1}0")
			want = append(want, l)
		}
		ps := mustReadFile(t, file)
		if len(ps) != len(want) {
			t.Fatalf("%s: %d packets, tcpdump shows %d", file, len(ps), len(want))
		}
		for i := range ps {
			ps[i].Time = ps[i].Time.UTC()
			if got := Line(&ps[i]); got != want[i] {
				t.Errorf("%s packet %d:\n got  %s\n want %s", file, i+1, got, want[i])
			}
		}
	}
}

func TestPermissionHelp(t *testing.T) {
	built := "/home/ada/socketlab/bin/inspect"
	goRun := "/tmp/go-build1234567890/b001/exe/inspect"
	t.Run("a built binary is given the capability where it is", func(t *testing.T) {
		help := permissionHelp(built)
		for _, want := range []string{"    chmod 0700 " + built + "\n",
			"    sudo setcap cap_net_raw+ep " + built + "\n"} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
		for _, want := range []string{"every interface", "with sudo", "go build"} {
			if !strings.Contains(permissionWords(help), want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
		want := "chmod 0700 " + built + " && sudo setcap cap_net_raw+ep " + built
		if got := setcapCommand(built); got != want {
			t.Errorf("setcapCommand = %q, want %q", got, want)
		}
		if got := runCommand(built); got != built {
			t.Errorf("runCommand = %q, want %q", got, built)
		}
	})
	t.Run("a binary go run built is replaced by bin/inspect", func(t *testing.T) {
		help := permissionHelp(goRun)
		if strings.Contains(help, goRun) {
			t.Errorf("help gives the capability to go run's binary:\n%s", help)
		}
		build := "    go build -o bin/inspect ./cmd/inspect\n" +
			"    chmod 0700 bin/inspect\n" +
			"    sudo setcap cap_net_raw+ep bin/inspect\n"
		if !strings.Contains(help, build) {
			t.Errorf("help lacks the commands\n%s\nin:\n%s", build, help)
		}
		for _, want := range []string{"every interface", "with sudo", "`go run`"} {
			if !strings.Contains(permissionWords(help), want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
		want := "go build -o bin/inspect ./cmd/inspect && " +
			"chmod 0700 bin/inspect && sudo setcap cap_net_raw+ep bin/inspect"
		if got := setcapCommand(goRun); got != want {
			t.Errorf("setcapCommand = %q, want %q", got, want)
		}
		if got := runCommand(goRun); got != "go run ./cmd/inspect" {
			t.Errorf("runCommand = %q, want go run ./cmd/inspect", got)
		}
	})
	t.Run("a path with a space is quoted for the shell", func(t *testing.T) {
		exe := "/home/ada/my labs/bin/inspect"
		if got, want := runCommand(exe), "'"+exe+"'"; got != want {
			t.Errorf("runCommand = %q, want %q", got, want)
		}
		if help := permissionHelp(exe); !strings.Contains(help, "chmod 0700 '"+exe+"'\n") {
			t.Errorf("help does not quote the path:\n%s", help)
		}
	})
	t.Run("no line of prose is wider than 72 columns", func(t *testing.T) {
		for _, exe := range []string{built, goRun} {
			for line := range strings.Lines(permissionHelp(exe)) {
				line = strings.TrimSuffix(line, "\n")
				if !strings.HasPrefix(line, "    ") && len(line) > 72 {
					t.Errorf("a line of %d columns: %q", len(line), line)
				}
			}
		}
	})
	err := error(&PermissionError{Interface: "lo", Err: os.ErrPermission})
	if !errors.Is(err, ErrPermission) || !errors.Is(err, os.ErrPermission) {
		t.Errorf("%v does not match ErrPermission and os.ErrPermission", err)
	}
}

// permissionWords returns the words of help, one space between each, so
// that a phrase can be found wherever the lines break.
func permissionWords(help string) string {
	return strings.Join(strings.Fields(help), " ")
}
