package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectDocShowsPacketsOutputs keeps the examples of the packets
// section of docs/inspect.md true: it runs each command the section shows,
// in a folder laid out as the examples assume, and checks that the doc
// holds what the program prints, word for word.
func TestInspectDocShowsPacketsOutputs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	testdata := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "inspect", "capture", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	dir := t.TempDir()
	copyTo := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(testdata("crafted/tsresol-7f.pcapng"), "tsresol-7f.pcapng")
	copyTo(testdata("echo-lo-any.pcapng"), "echo-lo-any.pcapng")
	copyTo(testdata("echo4.pcap"), "chat.pcap")
	copyTo(testdata("echo4.pcap"), "copy.pcap")
	if err := os.Symlink("chat.pcap", filepath.Join(dir, "link.pcap")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	// say runs inspect with args and returns what a terminal shows:
	// standard error (with the error line main prints), then standard
	// output.
	say := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		exitCode(err, &stderr)
		return stderr.String() + stdout.String()
	}
	for _, c := range []struct {
		what string
		args []string
		want func(out string) []string // the lines the doc must hold
	}{
		{"a refused recording", []string{"packets", "-r", "tsresol-7f.pcapng"}, errorLine},
		{"a capture of lo and any", []string{"packets", "-r", "echo-lo-any.pcapng"}, summaryLine},
		{"the first lines of a recording", []string{"packets", "-r", "chat.pcap", "-c", "4", "-t"}, packetLines},
		{"a packet with -v", []string{"packets", "-r", "chat.pcap", "-c", "1", "-t", "-v"}, packetLines},
		{"-w onto an existing file", []string{"packets", "-r", "chat.pcap", "-w", "copy.pcap"}, errorLine},
		{"-w through a link", []string{"packets", "-r", "chat.pcap", "-w", "link.pcap", "-force"}, errorLine},
		{"-w onto the file read", []string{"packets", "-r", "chat.pcap", "-w", "chat.pcap", "-force"}, errorLine},
	} {
		t.Run("the doc shows "+c.what+" as printed", func(t *testing.T) {
			out := say(c.args...)
			lines := c.want(out)
			if len(lines) == 0 {
				t.Fatalf("inspect %s printed nothing to compare:\n%s", strings.Join(c.args, " "), out)
			}
			for _, l := range lines {
				if !strings.Contains(doc, "\n"+l+"\n") {
					t.Errorf("docs/inspect.md lacks the line\n%s\n(inspect %s)", l, strings.Join(c.args, " "))
				}
			}
		})
	}
}

// summaryLine returns the line of out that counts the packets read.
func summaryLine(out string) []string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "packets read from") {
			return []string{l}
		}
	}
	return nil
}

// packetLines returns the lines of out that print packets: all but the
// summary.
func packetLines(out string) []string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, "packets read from") {
			keep = append(keep, l)
		}
	}
	return keep
}

// errorLine returns the line of out that starts with "inspect: ".
func errorLine(out string) []string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "inspect: ") {
			return []string{l}
		}
	}
	return nil
}
