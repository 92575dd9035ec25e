package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/cmd/internal/testout"
	"github.com/socketlab/socketlab/inspect/capture"
)

// packetsRecording is a real session recorded on lo: a Python echo
// server upper-cases three messages, then both sides close.
const packetsRecording = "../../inspect/capture/testdata/echo4.pcap"

// packetsRun runs "inspect packets" with args to the end.
func packetsRun(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"packets"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// packetsLines drops the time from each line, which depends on the
// machine's time zone.
func packetsLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if len(l) > 16 && l[2] == ':' {
			l = l[16:]
		}
		lines = append(lines, l)
	}
	return lines
}

func TestPacketsReadsARecording(t *testing.T) {
	out, errOut, err := packetsRun(t, "-r", packetsRecording)
	if err != nil {
		t.Fatal(err)
	}
	lines := packetsLines(out)
	want := map[int]string{
		// As tcpdump -nn prints them, without the TCP options (-v).
		0:  "IP 127.0.0.1.57200 > 127.0.0.1.39008: Flags [S], seq 478583568, win 65495, length 0",
		1:  "IP 127.0.0.1.39008 > 127.0.0.1.57200: Flags [S.], seq 252645321, ack 478583569, win 65483, length 0",
		2:  "IP 127.0.0.1.57200 > 127.0.0.1.39008: Flags [.], ack 1, win 64, length 0",
		3:  "IP 127.0.0.1.57200 > 127.0.0.1.39008: Flags [P.], seq 1:7, ack 1, win 64, length 6",
		11: "IP 127.0.0.1.57200 > 127.0.0.1.39008: Flags [F.], seq 276, ack 276, win 64, length 0",
	}
	if len(lines) != 14 {
		t.Fatalf("%d lines, want 14:\n%s", len(lines), out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, lines[i], w)
		}
	}
	if !strings.Contains(errOut, "14 packets read from") {
		t.Errorf("summary %q", errOut)
	}
}

func TestPacketsFlags(t *testing.T) {
	t.Run("-c stops after COUNT packets", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-c", "3")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(packetsLines(out)); n != 3 {
			t.Errorf("%d lines, want 3", n)
		}
	})
	t.Run("-X adds the packet from its IP header on in hex and ASCII, as tcpdump -X", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-c", "4", "-X")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "length 6\n\t0x0000:  4500 003a ") ||
			!strings.HasSuffix(out, "\t0x0030:  6760 7557 6865 6c6c 6f0a                 g`uWhello.\n") {
			t.Errorf("no hex dump of the first packet with data:\n%s", out)
		}
	})
	t.Run("-x adds the same in hex alone, as tcpdump -x", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-c", "4", "-x")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(out, "\t0x0030:  6760 7557 6865 6c6c 6f0a\n") {
			t.Errorf("no hex dump of the first packet with data:\n%s", out)
		}
	})
	t.Run("-A adds the payload as text", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-c", "4", "-A")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(out, "length 6\nhello\n") {
			t.Errorf("no text of the first payload:\n%s", out)
		}
	})
	t.Run("-S -e -v -tt print as tcpdump does with them", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-c", "1", "-S", "-e", "-v", "-tt")
		if err != nil {
			t.Fatal(err)
		}
		// TZ=UTC tcpdump -nn -S -e -v -tt -c 1 -r testdata/echo4.pcap
		want := "1795639763.550157 00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 74: " +
			"(tos 0x0, ttl 64, id 2236, offset 0, flags [DF], proto TCP (6), length 60)\n" +
			"    127.0.0.1.57200 > 127.0.0.1.39008: Flags [S], cksum 0xfe30 (incorrect -> 0x8f7c), " +
			"seq 478583568, win 65495, options [mss 65495,sackOK,TS val 3810045441 ecr 0,nop,wscale 10], length 0\n"
		if out != want {
			t.Errorf("got\n%q\nwant\n%q", out, want)
		}
	})
	t.Run("-port on a recording keeps only that port", func(t *testing.T) {
		out, _, err := packetsRun(t, "-r", packetsRecording, "-port", "9,10", "-port", "11")
		if err != nil {
			t.Fatal(err)
		}
		if out != "" {
			t.Errorf("packets of other ports printed:\n%s", out)
		}
	})
	t.Run("-w writes a file that reads back the same", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "copy.pcap")
		out, _, err := packetsRun(t, "-r", packetsRecording, "-w", path)
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := packetsRun(t, "-r", path)
		if err != nil {
			t.Fatal(err)
		}
		if again != out {
			t.Errorf("re-reading the written file prints\n%s\nwant\n%s", again, out)
		}
		packetsTcpdumpReads(t, path, 14)
	})
}

// packetsTcpdumpReads checks that tcpdump, when installed, reads the
// pcap file at path and finds n packets in it.
func packetsTcpdumpReads(t testing.TB, path string, n int) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Log("tcpdump is not installed; not checking that it reads the file")
		return
	}
	out, err := exec.Command("tcpdump", "-nn", "-r", path).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", path, err, out)
	}
	if got := strings.Count(string(out), "Flags ["); got != n {
		t.Errorf("tcpdump reads %d packets from %s, want %d:\n%s", got, path, n, out)
	}
}

func TestPacketsBadInput(t *testing.T) {
	corrupt := filepath.Join(t.TempDir(), "cut.pcap")
	data, err := os.ReadFile(packetsRecording)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(corrupt, data[:len(data)-10], 0o644)
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"a port that is not a number is a usage error", []string{"-port", "web"}, true, `"web" is not a TCP port`},
		{"a port out of range is a usage error", []string{"-port", "70000"}, true, "not a TCP port"},
		{"a negative count is a usage error", []string{"-c", "-1"}, true, "-c must be 0 or more"},
		{"a malformed expression is a usage error", []string{"tcp", "port"}, true, "tcp port"},
		{"a missing file is named", []string{"-r", "/nonexistent/x.pcap"}, false, "/nonexistent/x.pcap"},
		{"a truncated file names the file and the offset", []string{"-r", corrupt}, false, corrupt + ": at byte "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := packetsRun(t, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			var ue usageError
			if errors.As(err, &ue) != tt.usage {
				t.Errorf("usage error: %v, want %v (%v)", !tt.usage, tt.usage, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestPacketsLive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(c, c) // echo until the client closes
		c.Close()
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	path := filepath.Join(t.TempDir(), "live.pcap")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &testout.Buffer{}
	stderr := &testout.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"packets", "-port", port, "-A", "-w", path}, stdout, stderr) }()

	// Wait until the capture runs (or has failed).
	select {
	case err := <-done:
		if errors.Is(err, capture.ErrPermission) || errors.Is(err, capture.ErrUnsupported) {
			t.Skipf("live capture needs CAP_NET_RAW (run as root, as CI does): %v", err)
		}
		t.Fatalf("inspect packets ended early: %v\n%s", err, stderr.String())
	default:
	}
	stderr.WaitFor(t, "listening on lo")

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("ping-from-the-test\n"))
	io.ReadFull(c, make([]byte, 19))
	c.Close()
	<-served

	stdout.WaitFor(t, `(?s)Flags \[S\].*Flags \[S\.\].*ping-from-the-test.*Flags \[F\.\].*Flags \[F\.\].*Flags \[\.\], ack 21,`)
	cancel() // as Ctrl-C does
	if err := <-done; err != nil {
		t.Fatalf("after cancel: %v", err)
	}
	lines := 0
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(l, "Flags [") {
			lines++
		}
	}
	if want := strconv.Itoa(lines) + " packets captured, 0 dropped by kernel"; !strings.Contains(stderr.String(), want) {
		t.Errorf("summary %q, want %q", stderr.String(), want)
	}
	again, _, err := packetsRun(t, "-r", path, "-A")
	if err != nil {
		t.Fatal(err)
	}
	if again != stdout.String() {
		t.Errorf("the saved file reads back differently:\n%s\nwant\n%s", again, stdout.String())
	}
	packetsTcpdumpReads(t, path, lines)
}

// TestPacketsWithoutPrivilege runs the command in a child process that
// lacks CAP_NET_RAW and checks that it fails with the exact fix.
func TestPacketsWithoutPrivilege(t *testing.T) {
	if os.Getenv("INSPECT_PACKETS_CHILD") == "1" {
		err := run(context.Background(), []string{"packets", "-c", "1"}, os.Stdout, os.Stderr)
		os.Exit(exitCode(err, os.Stderr))
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and setpriv to drop CAP_NET_RAW for a child process")
	}
	// A copy outside go test's go-build folder, which the hint would
	// take for a binary of go run's: the hint names this binary.
	exe := filepath.Join(t.TempDir(), "inspect")
	demoCopy(t, os.Args[0], exe)
	cmd := exec.Command(setpriv, "--bounding-set", "-net_raw", "--inh-caps", "-all", "--",
		exe, "-test.run", "^TestPacketsWithoutPrivilege$")
	cmd.Env = append(os.Environ(), "INSPECT_PACKETS_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit status: %v, want 1\n%s", err, out)
	}
	for _, want := range []string{"operation not permitted", "CAP_NET_RAW",
		"chmod 0700 " + exe + "\n", "sudo setcap cap_net_raw+ep " + exe + "\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// craftedDir holds pcapng files built to break a reader (see the
// capture package's tests); all but the readable ones must be refused.
const craftedDir = "../../inspect/capture/testdata/crafted"

// craftedReadable are the crafted files that hold the 14 packets of
// echo4.pcap, and the word the summary must add about them.
var craftedReadable = map[string]string{
	"nrb-then-epb.pcapng":   "",
	"two-link-types.pcapng": "3 of interface 1",
}

func TestPacketsCraftedFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(craftedDir, "*.pcapng"))
	if len(files) < 10 {
		t.Fatalf("only %d crafted files in %s", len(files), craftedDir)
	}
	want, _, err := packetsRun(t, "-r", packetsRecording, "-port", "39008")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		note, readable := craftedReadable[name]
		if readable {
			t.Run(name+" gives the packets it holds", func(t *testing.T) {
				out, errOut, err := packetsRun(t, "-r", file, "-port", "39008")
				if err != nil {
					t.Fatal(err)
				}
				if out != want {
					t.Errorf("got\n%s\nwant\n%s", out, want)
				}
				if !strings.Contains(errOut, note) {
					t.Errorf("summary %q does not mention %q", errOut, note)
				}
			})
			continue
		}
		t.Run(name+" is refused with the file and an offset, exit status 1", func(t *testing.T) {
			_, _, err := packetsRun(t, "-r", file)
			var fe *capture.FileError
			if !errors.As(err, &fe) || fe.Path != file {
				t.Fatalf("error %v (%T), want a *capture.FileError naming %s", err, err, file)
			}
			if code := exitCode(err, io.Discard); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
		})
	}
	t.Run("a tcpdump -i any capture names interfaces and warns that the names are this machine's", func(t *testing.T) {
		out, errOut, err := packetsRun(t, "-r", "../../inspect/capture/testdata/links/any-sll2.pcap", "-c", "1")
		if err != nil {
			t.Fatal(err)
		}
		if lines := packetsLines(out); len(lines) != 1 || !strings.HasPrefix(lines[0], "lo    In  IP 127.0.0.1.") {
			t.Errorf("got %q, want the interface and direction before IP", out)
		}
		if !strings.Contains(errOut, "may be wrong for a capture made elsewhere") {
			t.Errorf("summary %q does not warn about interface names", errOut)
		}
	})
	t.Run("a capture of lo and any written with -w keeps the packets of the first link type and says so", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lo.pcap")
		_, errOut, err := packetsRun(t, "-r", "../../inspect/capture/testdata/echo-lo-any.pcapng", "-w", path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut, "14 packets not written") {
			t.Errorf("summary %q does not count the 14 packets of the other link type", errOut)
		}
		out, _, err := packetsRun(t, "-r", path)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(packetsLines(out)); n != 14 {
			t.Errorf("%d packets written, want the 14 of lo", n)
		}
	})
	t.Run("a real capture of lo and any reads the packets of both interfaces", func(t *testing.T) {
		out, errOut, err := packetsRun(t, "-r", "../../inspect/capture/testdata/echo-lo-any.pcapng", "-port", "39018")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(packetsLines(out)); n != 28 {
			t.Errorf("%d lines, want 28:\n%s", n, out)
		}
		if strings.Contains(errOut, "not read") {
			t.Errorf("summary %q says packets were not read", errOut)
		}
	})
}

// TestTUIBrokenFiles checks that the terminal UI refuses what inspect
// packets refuses, and exits non-zero for it.
func TestTUIBrokenFiles(t *testing.T) {
	terminal := tuiEnv{isTerminal: func(io.Writer) bool { return true }}
	for _, name := range []string{"tsresol-7f.pcapng", "link-300.pcapng", "no-iface.pcapng"} {
		t.Run(name+" is an error before the screen opens", func(t *testing.T) {
			file := filepath.Join(craftedDir, name)
			err := runTUIWith(context.Background(), []string{"-r", file}, io.Discard, io.Discard, terminal)
			var fe *capture.FileError
			if !errors.As(err, &fe) || fe.Path != file || exitCode(err, io.Discard) != 1 {
				t.Errorf("error %v, want a *capture.FileError naming %s", err, file)
			}
		})
	}
	t.Run("a file that breaks while shown: the status says so, and quitting returns the error", func(t *testing.T) {
		file := filepath.Join(craftedDir, "truncated.pcapng")
		r := startTUI(t, "-r", file, "-port", "39008", "-path", "/nonexistent/socketlab.sock")
		app := <-r.app
		// The fourth packet block, at byte 364, is cut short.
		r.waitFor(app, "Packets (3)", "truncated.pcapng: at byte 364")
		r.screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
		select {
		case err := <-r.done:
			var fe *capture.FileError
			if !errors.As(err, &fe) || fe.Path != file || exitCode(err, io.Discard) != 1 {
				t.Errorf("the TUI returned %v, want a *capture.FileError naming %s", err, file)
			}
			r.done <- err
		case <-time.After(tuiWait):
			t.Fatal("q did not stop the TUI")
		}
	})
}

func TestPacketsWriteErrorAdvice(t *testing.T) {
	exists := fmt.Errorf("copy.pcap %w", capture.ErrExists)
	t.Run("without -force, a file that exists is met with -force", func(t *testing.T) {
		if err := createError(exists, false); !errors.Is(err, capture.ErrExists) || !strings.Contains(err.Error(), "-force") {
			t.Errorf("got %v, want ErrExists and -force suggested", err)
		}
	})
	t.Run("with -force, a name made again meanwhile is not met with -force", func(t *testing.T) {
		if err := createError(exists, true); !errors.Is(err, capture.ErrExists) || strings.Contains(err.Error(), "-force") {
			t.Errorf("got %v, want ErrExists and no -force suggested", err)
		}
	})
}
