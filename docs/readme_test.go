package docs

// This file keeps the repository's README.md true to the labs: its table
// lists every lab folder in order, and its Node command runs.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// readmeFile is the repository's README, relative to this package.
const readmeFile = "../README.md"

func TestREADMELabTable(t *testing.T) {
	data, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^\| \[(\d\d-[a-z0-9-]+)\]\(labs/([^)]+)\) \| (.*) \|$`).
		FindAllStringSubmatch(string(data), -1)
	var listed []string
	for _, r := range rows {
		if r[1] != r[2] {
			t.Errorf("the row %s links to labs/%s", r[1], r[2])
		}
		if strings.TrimSpace(r[3]) == "" {
			t.Errorf("the row %s does not say what the lab adds", r[1])
		}
		listed = append(listed, r[1])
	}
	dirs, err := filepath.Glob("../labs/[0-9][0-9]-*")
	if err != nil {
		t.Fatal(err)
	}
	var labs []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			labs = append(labs, filepath.Base(d))
		}
	}
	if len(labs) == 0 {
		t.Fatal("no lab folders in ../labs")
	}
	if !slices.Equal(listed, labs) {
		t.Errorf("README.md's table lists the labs\n%q\nbut the folders "+
			"are\n%q", listed, labs)
	}
}

// TestREADMENodeCommand runs the README's example of a lab's Node
// version, on a free port instead of its own, and waits for it to
// listen.
func TestREADMENodeCommand(t *testing.T) {
	data, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^    node (labs/\S+\.js)(.*)$`).
		FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("README.md shows no command that runs a lab's Node version")
	}
	if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
		t.Fatalf("README.md runs %s: %v", m[1], err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node is not installed (%v); install it to run this test", err)
	}
	args := append([]string{m[1]}, strings.Fields(
		regexp.MustCompile(`:\d+\b`).ReplaceAllString(m[2], ":0"))...)
	ctx, cancel := context.WithTimeout(context.Background(), teachWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = ".."
	out := &teachOutput{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	timer := time.NewTimer(teachWait)
	defer timer.Stop()
	for {
		text, changed := out.get()
		if strings.Contains(text, "Listening on ") {
			return
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("node %s ended (%v) before it listened:\n%s",
				strings.Join(args, " "), err, out)
		case <-changed:
		case <-timer.C:
			t.Fatalf("node %s did not listen within %v:\n%s",
				strings.Join(args, " "), teachWait, out)
		}
	}
}

// TestREADMELinks checks that every relative link of the two READMEs
// leads to a file or folder of the repository.
func TestREADMELinks(t *testing.T) {
	for _, file := range []string{readmeFile, "README.md"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		links := regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`).
			FindAllStringSubmatch(string(data), -1)
		if len(links) == 0 {
			t.Errorf("%s has no links", file)
		}
		for _, m := range links {
			if strings.Contains(m[1], "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), m[1])); err != nil {
				t.Errorf("%s links to %s, which is missing: %v", file, m[1], err)
			}
		}
	}
}
