//go:build linux

package capture

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var (
	floodTime  = flag.Duration("flood", 3*time.Second, "how long BenchmarkFlood floods lo")
	floodConns = flag.Int("floodconns", 4, "how many connections BenchmarkFlood floods with")
)

// flood starts a child process (this test binary, in TestFloodChild)
// that runs a discard server on 127.0.0.1 and, when told, floods it with
// conns connections for d. It returns the server's port and a function
// that runs the flood and returns the number of writes and how long they
// took. Both ends live in the child, so this process's CPU is left to
// the capture, as it is when tcpdump captures.
func flood(tb testing.TB, conns int, d time.Duration) (port int, run func() (writes int, took time.Duration)) {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^TestFloodChild$")
	cmd.Env = append(os.Environ(), "FLOOD_CONNS="+strconv.Itoa(conns), "FLOOD_FOR="+d.String())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); cmd.Wait() })
	out := bufio.NewReader(stdout)
	line, _ := out.ReadString('\n')
	if _, err := fmt.Sscanf(line, "port %d", &port); err != nil {
		tb.Fatalf("flood child said %q: %v", line, err)
	}
	return port, func() (int, time.Duration) {
		io.WriteString(stdin, "go\n")
		line, _ := out.ReadString('\n')
		var writes int
		var took time.Duration
		if _, err := fmt.Sscanf(line, "%d writes in %d ns", &writes, &took); err != nil {
			tb.Fatalf("flood child said %q: %v", line, err)
		}
		return writes, took
	}
}

// TestFloodChild is the flood BenchmarkFlood runs in a child process;
// run directly, it does nothing. It prints its server's port, waits for
// a line on stdin, floods, and prints how many writes it made. Each
// connection writes 64-byte messages with MSG_EOR: with TCP_NODELAY
// alone (Go's default) Linux's autocorking still merges writes made
// while earlier segments are in flight, and the flood would be a few
// large segments.
func TestFloodChild(t *testing.T) {
	if os.Getenv("FLOOD_CONNS") == "" {
		return
	}
	conns, _ := strconv.Atoi(os.Getenv("FLOOD_CONNS"))
	d, _ := time.ParseDuration(os.Getenv("FLOOD_FOR"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	bufio.NewReader(os.Stdin).ReadString('\n')

	msg := make([]byte, 64)
	counts := make(chan int)
	start := time.Now()
	for range conns {
		go func() {
			n := 0
			defer func() { counts <- n }()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			rc, _ := c.(*net.TCPConn).SyscallConn()
			var werr error
			send := func(fd uintptr) bool {
				werr = unix.Send(int(fd), msg, unix.MSG_EOR)
				return werr != unix.EAGAIN
			}
			for werr == nil && time.Since(start) < d {
				for range 100 {
					if err := rc.Write(send); err != nil || werr != nil {
						break
					}
					n++
				}
			}
		}()
	}
	total := 0
	for range conns {
		total += <-counts
	}
	fmt.Printf("%d writes in %d ns\n", total, time.Since(start).Nanoseconds())
	os.Exit(0)
}

// BenchmarkFlood floods lo and captures it, once with inspect's capture
// and once with tcpdump -w /dev/null, and reports packets per second
// and kernel drops for each. Run it with -benchtime 1x.
func BenchmarkFlood(b *testing.B) {
	b.Run("inspect", func(b *testing.B) {
		for b.Loop() {
			port, run := flood(b, *floodConns, *floodTime)
			src := liveLo(b, port)
			done := make(chan int)
			go func() {
				var p Packet
				n := 0
				for src.Next(&p) == nil {
					n++
				}
				done <- n
			}()
			writes, took := run()
			// Give the reader a moment to drain the socket, then stop.
			timer := time.AfterFunc(500*time.Millisecond, func() { src.Close() })
			n := <-done
			timer.Stop()
			st := src.Stats()
			b.ReportMetric(float64(n)/took.Seconds(), "packets/s")
			b.ReportMetric(float64(st.Drops), "drops")
			b.ReportMetric(float64(writes)/took.Seconds(), "writes/s")
		}
	})
	b.Run("tcpdump", func(b *testing.B) {
		if _, err := exec.LookPath("tcpdump"); err != nil {
			b.Skip("tcpdump is not installed")
		}
		for b.Loop() {
			port, run := flood(b, *floodConns, *floodTime)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "tcpdump", "-i", "lo", "-w", "/dev/null", "tcp port "+strconv.Itoa(port))
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			lines := bufio.NewScanner(stderr)
			for lines.Scan() && !regexp.MustCompile("listening on").MatchString(lines.Text()) {
			}
			writes, took := run()
			cmd.Process.Signal(syscall.SIGINT)
			var captured, dropped float64
			for lines.Scan() {
				if m := regexp.MustCompile(`^(\d+) packets (captured|dropped by kernel)`).FindStringSubmatch(lines.Text()); m != nil {
					v, _ := strconv.ParseFloat(m[1], 64)
					if m[2] == "captured" {
						captured = v
					} else {
						dropped = v
					}
				}
			}
			cmd.Wait()
			b.ReportMetric(captured/took.Seconds(), "packets/s")
			b.ReportMetric(dropped, "drops")
			b.ReportMetric(float64(writes)/took.Seconds(), "writes/s")
		}
	})
}
