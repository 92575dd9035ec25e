package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/cmd/internal/testout"
)

// guide is the lab guide that shows a swarm report from a real run.
const guide = "../../docs/labs/09-many-clients.md"

// numbers matches every figure in a report, with its unit, so that two
// reports of different runs can be compared line by line.
var numbers = regexp.MustCompile(`\d[\d,.]*(µs|ms|s|%| MiB| KiB| B)?`)

// shape returns a report's lines with every figure replaced by #.
func shape(report string) []string {
	var lines []string
	for l := range strings.Lines(report) {
		lines = append(lines, numbers.ReplaceAllString(strings.TrimRight(l, "\n"), "#"))
	}
	return lines
}

// guideReport returns the first text block of the guide that starts with
// swarm's first report line.
func guideReport(t *testing.T) string {
	t.Helper()
	md, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(md), "```text\nswarm       tcp ")
	if !ok {
		t.Fatalf("%s shows no swarm report (a text block starting "+
			"with \"swarm       tcp\")", guide)
	}
	block, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatalf("%s: the swarm report's block is not closed", guide)
	}
	return "swarm       tcp " + block
}

// The report in the guide came from a real run against lab 09; this
// checks that swarm still prints a report of that shape, line for line,
// so that the guide cannot drift from the program. Only the figures may
// differ.
func TestGuideShowsTodaysReport(t *testing.T) {
	_, addr := startServer(t, "tcp", correct)
	var out bytes.Buffer
	var errs testout.Buffer
	a := append(addr, "-clients", "5", "-senders", "2", "-duration", "100ms",
		"-server-pid", strconv.Itoa(os.Getpid()))
	if err := run(context.Background(), a, &out, &errs); err != nil {
		t.Fatalf("%v\n%s", err, errs.String())
	}
	got, want := shape(out.String()), shape(guideReport(t))
	if len(got) != len(want) {
		t.Fatalf("the guide's report has %d lines, swarm prints %d:\n"+
			"guide:\n%s\nswarm:\n%s", len(want), len(got),
			strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("line %d differs:\nguide: %s\nswarm: %s", i+1, want[i], got[i])
		}
	}
}
