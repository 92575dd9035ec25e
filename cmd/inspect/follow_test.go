package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// followFixtures are captures in inspect/analysis/testdata, each with
// tshark's "-q -z follow,tcp,ascii,0" output recorded beside it.
var followFixtures = []string{"keepalive", "halfclose", "unread", "refused", "zerowindow", "lossy"}

const analysisData = "../../inspect/analysis/testdata/"

// follow runs "inspect follow" with args and returns its output.
func follow(t testing.TB, args ...string) (string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	err := runFollow(context.Background(), args, &out, &errs)
	return out.String(), err
}

func TestFollowPrintsWhatTsharkPrints(t *testing.T) {
	for _, name := range followFixtures {
		t.Run("the first connection of "+name+" reads as tshark follows it", func(t *testing.T) {
			want, err := os.ReadFile(analysisData + name + ".follow")
			if err != nil {
				t.Fatal(err)
			}
			got, err := follow(t, "-r", analysisData+name+".pcap", "0")
			if err != nil {
				t.Fatal(err)
			}
			if name == "zerowindow" {
				// Where we part from tshark: this capture missed the
				// client's last 44,032 bytes and its FIN, which the ACKs
				// after them prove were sent. tshark says nothing; we
				// mark them, sequence number of the FIN included.
				marker := "38\n[44033 bytes missing in capture file].\n"
				i := bytes.LastIndex(want, []byte("====="))
				i = bytes.LastIndexByte(want[:i], '\n') + 1
				want = append(want[:i:i], append([]byte(marker), want[i:]...)...)
			}
			if got != string(want) {
				t.Errorf("differs from tshark's follow:\n%s", firstDifference(got, string(want)))
			}
		})
	}
	t.Run("tshark, where installed, still prints the recorded output", func(t *testing.T) {
		if _, err := exec.LookPath("tshark"); err != nil {
			t.Skip("tshark is not installed: the recorded output stands")
		}
		for _, name := range followFixtures {
			out, err := exec.Command("tshark", "-r", analysisData+name+".pcap",
				"-q", "-z", "follow,tcp,ascii,0").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			want, _ := os.ReadFile(analysisData + name + ".follow")
			if !bytes.Equal(out, want) {
				t.Errorf("%s: tshark now prints otherwise:\n%s", name, firstDifference(string(out), string(want)))
			}
		}
	})
}

func TestFollowChoosesTheConnection(t *testing.T) {
	file := analysisData + "keepalive.pcap"
	byIndex, err := follow(t, "-r", file, "0")
	if err != nil {
		t.Fatal(err)
	}
	// Chosen by both ends, the output names them in its Filter line.
	sameBut := func(out string) string {
		return regexp.MustCompile(`(?m)^Filter: .*$`).ReplaceAllString(out, "Filter:")
	}
	for _, sel := range []string{"127.0.0.1:41174", "127.0.0.1:39101,127.0.0.1:41174", "127.0.0.1:41174,127.0.0.1:39101"} {
		t.Run("an end or both ends choose the connection as its index does: "+sel, func(t *testing.T) {
			got, err := follow(t, "-r", file, sel)
			if err != nil {
				t.Fatal(err)
			}
			if sameBut(got) != sameBut(byIndex) {
				t.Errorf("by address:\n%s\nby index:\n%s", got, byIndex)
			}
		})
	}
	t.Run("chosen by both ends, the output is tshark's for the same choice", func(t *testing.T) {
		want, err := os.ReadFile(analysisData + "halfclose-ends.follow")
		if err != nil {
			t.Fatal(err)
		}
		got, err := follow(t, "-r", analysisData+"halfclose.pcap", "127.0.0.1:39102,127.0.0.1:60044")
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("differs from tshark's follow:\n%s", firstDifference(got, string(want)))
		}
	})
	t.Run("a connection the capture does not hold is an error, not an empty output", func(t *testing.T) {
		for _, sel := range []string{"1", "127.0.0.1:9"} {
			if out, err := follow(t, "-r", file, sel); err == nil || out != "" {
				t.Errorf("%s: output %q, error %v", sel, out, err)
			}
		}
	})
	t.Run("a malformed choice is a usage error", func(t *testing.T) {
		for _, args := range [][]string{{"-r", file}, {"-r", file, "-1"}, {"-r", file, "lo:x"},
			{"-r", file, "127.0.0.1:1,nowhere"}, {"-r", file, "0", "1"}} {
			_, err := follow(t, args...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("%q: error %v, want a usage error", args, err)
			}
		}
	})
}

func TestFollowShowsHostileBytesSafely(t *testing.T) {
	f := newFollower(connection{index: 0})
	payload := []byte("\x1b]0;owned\x07\x1b[2Jhi\r\n")
	p := capture.Packet{
		Src:    netip.MustParseAddrPort("127.0.0.1:40000"),
		Dst:    netip.MustParseAddrPort("127.0.0.1:3008"),
		Flags:  capture.ACK | capture.PSH,
		RawSeq: 1, Payload: payload, Len: len(payload),
	}
	f.add(&p)
	f.tracker.FlushAll()
	var out bytes.Buffer
	f.print(&out)
	if bytes.ContainsAny(out.Bytes(), "\x1b\x07\r") {
		t.Errorf("control bytes reach the terminal: %q", out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d\n", len(payload))) {
		t.Errorf("the length is not the bytes sent: %q", out.String())
	}
}

// TestInspectDocShowsFollowOutput keeps the example of docs/inspect.md
// true: the doc holds what the command it shows prints, word for word.
func TestInspectDocShowsFollowOutput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	pcap, err := os.ReadFile(analysisData + "halfclose.pcap")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "halfclose.pcap"), pcap, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	const command = "$ inspect follow -r halfclose.pcap 0\n"
	_, shown, ok := strings.Cut(string(doc), command)
	if !ok {
		t.Fatalf("docs/inspect.md does not show %q", command)
	}
	shown, _, _ = strings.Cut(shown, "```")
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"follow", "-r", "halfclose.pcap", "0"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if shown != out.String() {
		t.Errorf("the doc shows another output:\n%s", firstDifference(shown, out.String()))
	}
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}

func TestFollowLive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- runFollow(ctx, []string{"-port", strconv.Itoa(port), "3"}, &out, &errs)
	}()
	// The capture starts at some moment, perhaps in the middle of a
	// connection, and its first moments are not what this test is
	// about: keep opening connections one after the other until the
	// fourth one seen, seen whole, has closed and been printed.
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if errors.Is(err, capture.ErrPermission) || errors.Is(err, capture.ErrUnsupported) {
				t.Skipf("live capture on lo needs CAP_NET_RAW: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatalf("no connection followed within the deadline; output %q", out.String())
			}
			got := out.String()
			if !strings.Contains(got, "ping ") || !strings.Contains(got, "\t") || !strings.HasSuffix(got, rule+"\n") {
				t.Errorf("the conversation both ways is not there:\n%s", got)
			}
			return
		default:
		}
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "ping %d\n", i)
		io.ReadFull(c, make([]byte, len(fmt.Sprintf("ping %d\n", i))))
		c.Close()
	}
}
