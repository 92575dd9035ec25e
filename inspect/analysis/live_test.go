package analysis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// TestLiveAgreesWithTshark captures fresh traffic on lo (a conversation
// with a half-close and one closed with data unread), saves it, and
// compares the analysis with tshark's on the spot. It needs CAP_NET_RAW
// and tshark; the recorded fixtures stand in for it elsewhere.
func TestLiveAgreesWithTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	src, err := capture.Live(capture.Config{Interface: "lo", Ports: []int{port}})
	if errors.Is(err, capture.ErrPermission) {
		t.Skipf("live capture on lo needs CAP_NET_RAW: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	// The server answers a half-closed request in two writes, then, on
	// the second connection, closes without reading.
	served := make(chan error, 1)
	go func() {
		served <- func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			req, err := io.ReadAll(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(c, "got %d bytes\n", len(req))
			fmt.Fprintf(c, "bye\n")
			c.Close()
			c, err = ln.Accept()
			if err != nil {
				return err
			}
			time.Sleep(20 * time.Millisecond) // let the client's bytes arrive unread
			return c.Close()
		}()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "hello\n")
	c.(*net.TCPConn).CloseWrite()
	if _, err := io.Copy(io.Discard, bufio.NewReader(c)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "unread\n")
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	c.Read(make([]byte, 1)) // the reset
	c.Close()

	// Read until the reset, the last packet, has been captured.
	var ps []capture.Packet
	done := make(chan error, 1)
	go func() {
		var p capture.Packet
		for {
			if err := src.Next(&p); err != nil {
				done <- err
				return
			}
			ps = append(ps, p.Copy())
			if p.Flags&capture.RST != 0 {
				done <- nil
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		src.Close()
		<-done
		t.Fatalf("no reset captured within 10s; %d packets", len(ps))
	}
	if src.Stats().Drops != 0 {
		t.Skipf("the kernel dropped %d packets: the capture is not whole", src.Stats().Drops)
	}

	path := filepath.Join(t.TempDir(), "live.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(f, src.LinkType(), src.SnapLen())
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if err := w.WritePacket(&ps[i]); err != nil {
			t.Fatal(err)
		}
		ps[i].Index = uint64(i + 1)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	args := []string{"-r", path, "-T", "fields", "-E", "separator=,", "-e", "frame.number"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f.field)
	}
	want, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if d := differences(ours(ps), string(want)); len(d) > 0 {
		t.Errorf("%d frames differ from tshark's analysis:\n%s", len(d), strings.Join(d, "\n"))
	}
	rs := New(Config{})
	var notes []string
	for i := range ps {
		notes = append(notes, rs.Analyze(&ps[i]).Note)
	}
	all := strings.Join(notes, "\n")
	for _, s := range []string{"server→client is still open", "before reading"} {
		if !strings.Contains(all, s) {
			t.Errorf("no note says %q:\n%s", s, all)
		}
	}
}
