package capture

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// printOptionSets are the tcpdump options the Printer is compared with
// tcpdump on, with the PrintOptions and dump each stands for.
var printOptionSets = []struct {
	args []string
	opt  PrintOptions
	dump string // "", "x", "X", "xx" or "XX"
}{
	{nil, PrintOptions{}, ""},
	{[]string{"-S"}, PrintOptions{Absolute: true}, ""},
	{[]string{"-e"}, PrintOptions{Link: true}, ""},
	{[]string{"-v"}, PrintOptions{Verbose: true}, ""},
	{[]string{"-t"}, PrintOptions{Time: TimeNone}, ""},
	{[]string{"-tt"}, PrintOptions{Time: TimeUnix}, ""},
	{[]string{"-ttt"}, PrintOptions{Time: TimeDelta}, ""},
	{[]string{"-tttt"}, PrintOptions{Time: TimeOfDate}, ""},
	{[]string{"-e", "-v"}, PrintOptions{Link: true, Verbose: true}, ""},
	{[]string{"-S", "-v"}, PrintOptions{Absolute: true, Verbose: true}, ""},
	{[]string{"-x"}, PrintOptions{}, "x"},
	{[]string{"-X"}, PrintOptions{}, "X"},
	{[]string{"-v", "-X"}, PrintOptions{Verbose: true}, "X"},
	{[]string{"-xx"}, PrintOptions{}, "xx"},
	{[]string{"-XX"}, PrintOptions{}, "XX"},
}

// printAll writes every packet of ps as a Printer with opt does, each
// followed by its dump, in UTC.
func printAll(ps []Packet, opt PrintOptions, dump string) []string {
	pr := NewPrinter(opt)
	var out []byte
	for i := range ps {
		p := ps[i]
		p.Time = p.Time.UTC()
		out = pr.AppendLine(out, &p)
		out = append(out, '\n')
		switch dump {
		case "x":
			out = AppendHexOnly(out, p.IP())
		case "X":
			out = AppendHex(out, p.IP())
		case "xx":
			out = AppendHexOnly(out, p.Frame)
		case "XX":
			out = AppendHex(out, p.Frame)
		}
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// tcpdumpLines runs tcpdump on file with args, in UTC. Without -v, the
// TCP options it prints are taken out: inspect shows them with -v only.
func tcpdumpLines(t testing.TB, file string, args []string) []string {
	t.Helper()
	cmd := exec.Command("tcpdump", append([]string{"-nn", "-r", file}, args...)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s %v: %v", file, args, err)
	}
	text := strings.TrimSuffix(string(out), "\n")
	verbose := false
	for _, a := range args {
		verbose = verbose || a == "-v"
	}
	if !verbose {
		text = regexp.MustCompile(`, options \[[^]]*\]`).ReplaceAllString(text, "")
	}
	return strings.Split(text, "\n")
}

func comparePrinted(t *testing.T, got, want []string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d:\n got  %q\n want %q (tcpdump)", i+1, g, w)
			return
		}
	}
}

func TestPrinterMatchesTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed: its lines cannot be compared")
	}
	files := []string{"testdata/links/lo-nanos.pcap", "testdata/links/any-sll2.pcap",
		"testdata/links/any-sll.pcap", "testdata/echo4.pcap", "testdata/echo6.pcap", "testdata/reset4.pcap"}
	for _, file := range files {
		ps := mustReadFile(t, file)
		for _, set := range printOptionSets {
			name := filepath.Base(file) + " with " + strings.Join(append([]string{"tcpdump"}, set.args...), " ")
			t.Run(name+" prints the same lines", func(t *testing.T) {
				comparePrinted(t, printAll(ps, set.opt, set.dump), tcpdumpLines(t, file, set.args))
			})
		}
	}
	for _, c := range []struct {
		name string
		link LinkType
		conv func([]byte) []byte
	}{
		{"raw IP", LinkRaw, func(b []byte) []byte { return b[14:] }},
		{"NULL/loopback", LinkNull, func(b []byte) []byte {
			return append(binary.NativeEndian.AppendUint32(nil, 2), b[14:]...)
		}},
		{"OpenBSD loopback", LinkLoop, func(b []byte) []byte {
			return append(binary.BigEndian.AppendUint32(nil, 2), b[14:]...)
		}},
	} {
		path := rewrite(t, "testdata/echo4.pcap", c.link, c.conv)
		ps := mustReadFile(t, path)
		for _, set := range printOptionSets[:4] {
			name := c.name + " frames with " + strings.Join(append([]string{"tcpdump"}, set.args...), " ")
			t.Run(name+" print the same lines", func(t *testing.T) {
				comparePrinted(t, printAll(ps, set.opt, set.dump), tcpdumpLines(t, path, set.args))
			})
		}
	}
	t.Run("every combination of flags, with URG's pointer, prints as tcpdump prints it", func(t *testing.T) {
		path := flagCorpus(t)
		ps := mustReadFile(t, path)
		for _, set := range printOptionSets[:4] {
			comparePrinted(t, printAll(ps, set.opt, set.dump), tcpdumpLines(t, path, set.args))
		}
	})
}

// flagCorpus writes a pcap holding a SYN with options and a segment of
// data from echo4.pcap, each with all 256 combinations of flags and an
// urgent pointer, and returns its path.
func flagCorpus(t testing.TB) string {
	t.Helper()
	ps := mustReadFile(t, "testdata/echo4.pcap")
	path := filepath.Join(t.TempDir(), "flags.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Packet{ps[0], ps[3]} {
		for flags := range 256 {
			c := p.Copy()
			c.Frame[c.tcpOff+13] = byte(flags)
			c.Frame[c.tcpOff+19] = byte(flags) // the urgent pointer
			c.Time = c.Time.Add(time.Duration(flags) * time.Microsecond)
			if err := w.WritePacket(&c); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPrinterNumbers(t *testing.T) {
	ps := mustReadFile(t, "testdata/links/lo-nanos.pcap")
	line := func(pr *Printer, p *Packet) string { return string(pr.AppendLine(nil, p)) }
	t.Run("a SYN and its SYN-ACK show the numbers on the wire, later packets count from them", func(t *testing.T) {
		pr := NewPrinter(PrintOptions{Time: TimeNone})
		for i, want := range []string{
			"IP 127.0.0.1.51976 > 127.0.0.1.39108: Flags [S], seq 3804923597, win 65495, length 0",
			"IP 127.0.0.1.39108 > 127.0.0.1.51976: Flags [S.], seq 2637827773, ack 3804923598, win 65483, length 0",
			"IP 127.0.0.1.51976 > 127.0.0.1.39108: Flags [.], ack 1, win 64, length 0",
			"IP 127.0.0.1.51976 > 127.0.0.1.39108: Flags [P.], seq 1:7, ack 1, win 64, length 6",
		} {
			if got := line(pr, &ps[i]); got != want {
				t.Errorf("packet %d:\n got  %s\n want %s", i+1, got, want)
			}
		}
	})
	t.Run("a capture that starts inside a connection shows its first packet as on the wire", func(t *testing.T) {
		pr := NewPrinter(PrintOptions{Time: TimeNone})
		if got, want := line(pr, &ps[3]), "seq 3804923598:3804923604, ack 2637827774"; !strings.Contains(got, want) {
			t.Errorf("got %s, want %q", got, want)
		}
		// Its sequence number is the one that counts as 0: the 6
		// bytes it carried are acknowledged as 6.
		if got, want := line(pr, &ps[4]), "ack 6,"; !strings.Contains(got, want) {
			t.Errorf("the answer: got %s, want %q", got, want)
		}
	})
	t.Run("-S shows every number as on the wire", func(t *testing.T) {
		pr := NewPrinter(PrintOptions{Absolute: true})
		if got, want := line(pr, &ps[3]), "seq 3804923598:3804923604, ack 2637827774"; !strings.Contains(got, want) {
			t.Errorf("got %s, want %q", got, want)
		}
	})
	t.Run("-ttt counts from the packet before", func(t *testing.T) {
		pr := NewPrinter(PrintOptions{Time: TimeDelta})
		first, second := line(pr, &ps[0]), line(pr, &ps[1])
		if !strings.HasPrefix(first, " 00:00:00.000000 ") || !strings.HasPrefix(second, " 00:00:00.000015 ") {
			t.Errorf("got\n%s\n%s", first, second)
		}
	})
}

func TestHexOffsetsDoNotWrap(t *testing.T) {
	b := make([]byte, 256<<10) // a GSO frame of 256 KiB
	lines := strings.Split(strings.TrimSuffix(Hex(b), "\n"), "\n")
	if len(lines) != len(b)/16 {
		t.Fatalf("%d rows, want %d", len(lines), len(b)/16)
	}
	for i, want := range map[int]string{0: "\t0x0000: ", 0xfff: "\t0xfff0: ", 0x1000: "\t0x10000: ", 0x3fff: "\t0x3fff0: "} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("row %d starts %q, want %q", i, lines[i][:12], want)
		}
	}
}

func TestHexOnly(t *testing.T) {
	got := string(AppendHexOnly(nil, []byte("0123456789abcdefxyz")))
	want := "\t0x0000:  3031 3233 3435 3637 3839 6162 6364 6566\n\t0x0010:  7879 7a\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPrinterDoesNotAllocate(t *testing.T) {
	ps := mustReadFile(t, "testdata/links/lo-nanos.pcap")
	pr := NewPrinter(PrintOptions{Verbose: true, Link: true})
	dst := make([]byte, 0, 1024)
	for i := range ps { // the connections are remembered
		pr.AppendLine(dst[:0], &ps[i])
	}
	allocs := testing.AllocsPerRun(100, func() {
		for i := range ps {
			dst = pr.AppendLine(dst[:0], &ps[i])
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations for %d lines, want 0", allocs, len(ps))
	}
}

func BenchmarkPrinter(b *testing.B) {
	ps := mustReadFile(b, "testdata/links/lo-nanos.pcap")
	for _, bc := range []struct {
		name string
		opt  PrintOptions
	}{{"default", PrintOptions{}}, {"verbose", PrintOptions{Verbose: true, Link: true}}} {
		b.Run(bc.name, func(b *testing.B) {
			pr := NewPrinter(bc.opt)
			dst := make([]byte, 0, 1024)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i := range ps {
					dst = pr.AppendLine(dst[:0], &ps[i])
					n++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/line")
		})
	}
}
