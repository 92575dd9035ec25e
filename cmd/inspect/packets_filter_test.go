package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/cmd/internal/testout"
	"github.com/socketlab/socketlab/inspect/capture"
)

// TestPacketsExpressionOnAFile reads a recording with expressions and
// compares the lines with those tcpdump prints for the same file and
// expression.
func TestPacketsExpressionOnAFile(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int // lines printed
	}{
		{"one argument keeps the SYNs", []string{"tcp[tcpflags] & tcp-syn != 0"}, 2},
		{"words are joined with spaces", []string{"tcp", "dst", "port", "39008"}, 8},
		{"an expression that keeps nothing prints nothing", []string{"udp"}, 0},
		{"-port and the expression both apply", []string{"-port", "9", "tcp"}, 0},
	}
	_, tcpdumpErr := exec.LookPath("tcpdump")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := packetsRun(t, append([]string{"-r", packetsRecording}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(out, "\n")
			if lines != tt.want {
				t.Errorf("printed %d lines, want %d:\n%s", lines, tt.want, out)
			}
			if want := strconv.Itoa(lines) + " packets read"; !strings.Contains(errOut, want) {
				t.Errorf("summary %q, want %q", errOut, want)
			}
			if tcpdumpErr != nil || tt.args[0] == "-port" {
				return
			}
			b, err := exec.Command("tcpdump", append([]string{"-r", packetsRecording, "--"}, tt.args...)...).Output()
			if err != nil {
				t.Fatalf("tcpdump: %v", err)
			}
			if n := strings.Count(string(b), "\n"); n != lines {
				t.Errorf("tcpdump -r prints %d lines, inspect %d", n, lines)
			}
		})
	}
	t.Run("a malformed expression shows where it is wrong", func(t *testing.T) {
		_, _, err := packetsRun(t, "-r", packetsRecording, "tcp", "port", "web")
		var ue usageError
		if !errors.As(err, &ue) {
			t.Fatalf("error %v, want a usage error", err)
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) < 3 || strings.Index(lines[len(lines)-1], "^") != strings.Index(lines[len(lines)-2], "web") {
			t.Errorf("no caret under the port that is not a number:\n%s", err)
		}
	})
}

// TestPacketsExpressionLive captures with an expression only: the
// kernel keeps the handshake's SYNs of a port that is not the default
// one, and nothing else of the connection.
func TestPacketsExpressionLive(t *testing.T) {
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
		io.Copy(io.Discard, c)
		c.Close()
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &testout.Buffer{}
	stderr := &testout.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"packets", "tcp[tcpflags] & tcp-syn != 0 and port " + port}, stdout, stderr)
	}()
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
	c.Write([]byte("dropped by the filter\n"))
	c.Close()
	<-served
	// A second connection's SYN marks the end of the first one's
	// segments: they have all passed the filter by then.
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	stdout.WaitFor(t, `(?s)(Flags \[S\].*){2}`)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("after cancel: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if !strings.Contains(l, "Flags [S") {
			t.Errorf("a segment without SYN was printed: %s", l)
		}
	}
}

func TestPacketsExpressionWithALineBreak(t *testing.T) {
	// A line break separates words, as a space does; the listening
	// line must not break on it.
	expr := "tcp\nport 1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &testout.Buffer{}
	stderr := &testout.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"packets", expr}, stdout, stderr) }()
	select {
	case err := <-done:
		if errors.Is(err, capture.ErrPermission) || errors.Is(err, capture.ErrUnsupported) {
			t.Skipf("live capture needs CAP_NET_RAW (run as root, as CI does): %v", err)
		}
		t.Fatalf("inspect packets ended early: %v\n%s", err, stderr.String())
	default:
	}
	stderr.WaitFor(t, `listening on lo \(all TCP and tcp\\nport 1\)`)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
