// Package docs holds socketlab's guides. Its test keeps every guide in
// docs/labs true to the labs it describes: the headings, the "Run it"
// transcript (equal to the lab's testdata/transcript.txt) and the "What
// changed" diff (equal to the real diff from the previous lab), and it
// keeps each step small (TestStepSizes).
//
// Run `go test ./docs -update` to rewrite the marked sections from the
// real files; the prose around the markers is never touched.
package docs

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false,
	"rewrite the transcript and diff sections of docs/labs/*.md")

// headings are the second-level headings every guide has, in this order.
var headings = []string{
	"## Goal",
	"## Run it",
	"## What changed",
	"## How it works",
	"## Try it",
	"## What can go wrong",
	"## Exercises",
}

func TestGuides(t *testing.T) {
	paths, err := filepath.Glob("labs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no guides in docs/labs")
	}
	for _, path := range paths {
		slug := strings.TrimSuffix(filepath.Base(path), ".md")
		t.Run(slug, func(t *testing.T) { checkGuide(t, path, slug) })
	}
}

func TestREADMELinksEveryGuide(t *testing.T) {
	index, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob("labs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if !bytes.Contains(index, []byte("("+path+")")) {
			t.Errorf("docs/README.md has no link to %s", path)
		}
	}
}

// maxStep is the most lines a lab may change from the lab before it,
// counting the lines that its guide's What changed diff adds and removes
// (the Go files that are not tests; testdata and the Node version are
// left out). The learner reads that whole diff: one idea should fit.
const maxStep = 250

// largeSteps are the labs that change more than maxStep lines, each with
// the most it may change and why it is larger. Past that too, the test
// fails: no step grows without someone deciding that it may.
var largeSteps = map[string]struct {
	limit int
	why   string
}{
	"05-broadcast": {400, "the room, a client that reads and writes at " +
		"once, and the screen that keeps the line you type while " +
		"messages arrive (golang.org/x/term's Terminal)"},
	"06-presence": {425, "several ideas in one step: ids, joined and " +
		"left notices, a writer and a bounded outbox per client, " +
		"deadlines, the drop policy, a limit on clients and a " +
		"shutdown that says goodbye"},
	"07-ipc": {725, "the Unix socket itself is a small change; most " +
		"of the step keeps the socket file safe on a shared machine " +
		"(a private folder, stale files recovered under a lock, the " +
		"server's owner checked), and does it twice, in unix_sys.go " +
		"for Unix systems and in unix_sys_windows.go for Windows, " +
		"which has no file modes, umask, flock or peer credentials"},
	"09-many-clients": {1700, "the room moves into the package chat, " +
		"so that the inspector's demo and the load tool run it too, " +
		"and is written anew for thousands of clients (a shared " +
		"backlog, a cursor per writer, coalesced writev, read " +
		"buffers sized lazily, accept backoff): a new design rather " +
		"than a change to lab 08's room"},
	"10-cluster": {875, "one room across servers needs the bus client " +
		"(publish, subscribe, each sender's order), presence by " +
		"heartbeat, the split and whole notices, every message from " +
		"the bus checked as a client's line is, and the NATS server " +
		"itself with the one command that starts a class's cluster: " +
		"a room with no part of these would not run, or would not " +
		"survive a classroom"},
}

func TestStepSizes(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "labs", "[0-9][0-9]-*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for i := 1; i < len(dirs); i++ {
		prev, cur := filepath.Base(dirs[i-1]), filepath.Base(dirs[i])
		seen[cur] = true
		d, err := labDiff(prev, cur)
		if err != nil {
			t.Fatal(err)
		}
		n := changedLines(d)
		large, ok := largeSteps[cur]
		switch {
		case !ok && n > maxStep:
			t.Errorf("lab %s changes %d lines from lab %s, more than "+
				"%d: is it one idea? (largeSteps lists the labs allowed "+
				"more, and why)", cur, n, prev, maxStep)
		case ok && n > large.limit:
			t.Errorf("lab %s changes %d lines from lab %s, more than "+
				"the %d it is allowed because %s", cur, n, prev,
				large.limit, large.why)
		case ok && n <= maxStep:
			t.Errorf("lab %s changes %d lines from lab %s: it no "+
				"longer needs its place in largeSteps", cur, n, prev)
		}
	}
	for lab := range largeSteps {
		if !seen[lab] {
			t.Errorf("largeSteps names %s, which is not a lab after the "+
				"first", lab)
		}
	}
}

// changedLines counts the lines that the unified diff d adds or removes.
func changedLines(d string) int {
	n := 0
	for line := range strings.Lines(d) {
		if strings.HasPrefix(line, "+++ ") || strings.HasPrefix(line, "--- ") {
			continue
		}
		if strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			n++
		}
	}
	return n
}

// checkGuide checks (or, with -update, rewrites) the guide at path for
// the lab labs/slug.
func checkGuide(t *testing.T, path, slug string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	checkHeadings(t, path, slug, text)

	labDir := filepath.Join("..", "labs", slug)
	if _, err := os.Stat(labDir); errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s: there is no lab labs/%s for it", path, slug)
	}
	golden, err := os.ReadFile(filepath.Join(labDir, "testdata",
		"transcript.txt"))
	if err != nil {
		t.Fatalf("%s: %v (the lab's TestTranscript -update writes it)",
			path, err)
	}
	sections := []section{{"transcript", "## Run it",
		"```text\n" + string(golden) + "```\n"}}

	n, err := strconv.Atoi(slug[:2])
	if err != nil {
		t.Fatalf("%s: name does not start with a two-digit number", path)
	}
	if n > 1 {
		prev, err := previousLab(n)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		d, err := labDiff(prev, slug)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		sections = append(sections, section{"diff", "## What changed",
			"```diff\n" + d + "```\n"})
	}

	updated := text
	for _, s := range sections {
		start, end, err := s.find(updated)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if heading := headingAt(updated, start); heading != s.heading {
			t.Errorf("%s: the %s markers are under %q, want %q",
				path, s.marker, heading, s.heading)
		}
		got := updated[start:end]
		if got == s.want {
			continue
		}
		if *update {
			updated = updated[:start] + s.want + updated[end:]
			continue
		}
		t.Errorf("%s: the %s section is out of date; "+
			"run go test ./docs -update\n%s", path, s.marker,
			showDiff(got, s.want))
	}
	if *update && updated != text {
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", path)
	}
}

// checkHeadings checks the title line and the order of the "## "
// headings, skipping fenced code blocks.
func checkHeadings(t *testing.T, path, slug, text string) {
	t.Helper()
	title := "# " + slug + ": "
	first, _, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, title) || len(first) == len(title) {
		t.Errorf("%s: first line is %q, want %q followed by a title",
			path, first, title)
	}
	var got []string
	inFence := false
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "```"):
			inFence = !inFence
		case !inFence && strings.HasPrefix(line, "## "):
			got = append(got, line)
		}
	}
	if !slices.Equal(got, headings) {
		t.Errorf("%s: headings are\n\t%s\nwant\n\t%s", path,
			strings.Join(got, "\n\t"), strings.Join(headings, "\n\t"))
	}
}

// A section is the text between the lines <!-- marker --> and
// <!-- /marker -->, which must equal want and sit under heading.
type section struct {
	marker, heading, want string
}

// find returns the offsets of the section's content in text.
func (s section) find(text string) (start, end int, err error) {
	open := "<!-- " + s.marker + " -->\n"
	closing := "<!-- /" + s.marker + " -->\n"
	if strings.Count(text, open) != 1 || strings.Count(text, closing) != 1 {
		return 0, 0, fmt.Errorf("want exactly one line %q and one "+
			"line %q", strings.TrimSpace(open), strings.TrimSpace(closing))
	}
	start = strings.Index(text, open) + len(open)
	end = strings.Index(text, closing)
	if end < start {
		return 0, 0, fmt.Errorf("%q comes before %q",
			strings.TrimSpace(closing), strings.TrimSpace(open))
	}
	return start, end, nil
}

// headingAt returns the last "## " heading before offset, outside code.
func headingAt(text string, offset int) string {
	heading, inFence := "", false
	for line := range strings.Lines(text[:offset]) {
		switch {
		case strings.HasPrefix(line, "```"):
			inFence = !inFence
		case !inFence && strings.HasPrefix(line, "## "):
			heading = strings.TrimRight(line, "\n")
		}
	}
	return heading
}

// previousLab returns the folder name of lab n-1 in ../labs.
func previousLab(n int) (string, error) {
	dirs, err := filepath.Glob(filepath.Join("..", "labs",
		fmt.Sprintf("%02d-*", n-1)))
	if err != nil {
		return "", err
	}
	if len(dirs) != 1 {
		return "", fmt.Errorf("want one folder labs/%02d-*, found %d",
			n-1, len(dirs))
	}
	return filepath.Base(dirs[0]), nil
}

// labDiff returns the unified diff of the non-test .go files of
// labs/prev against those of labs/cur (see goFiles), file by file in
// path order, including files added or removed.
func labDiff(prev, cur string) (string, error) {
	if _, err := exec.LookPath("diff"); err != nil {
		return "", fmt.Errorf("the diff program (GNU diffutils) is "+
			"needed to check the What changed section: %v", err)
	}
	before, err := goFiles(filepath.Join("..", "labs", prev))
	if err != nil {
		return "", err
	}
	after, err := goFiles(filepath.Join("..", "labs", cur))
	if err != nil {
		return "", err
	}
	names := append(slices.Clone(before), after...)
	slices.Sort(names)
	names = slices.Compact(names)
	moves := movedFiles(before, after)
	var out strings.Builder
	for _, name := range names {
		if _, ok := moves[name]; ok {
			continue // diffed against the file it moved to, below
		}
		a, labelA := side(prev, name, before)
		b, labelB := side(cur, name, after)
		for from, to := range moves {
			if to == name {
				a, labelA = side(prev, from, before)
			}
		}
		cmd := exec.Command("diff", "-u", "--label", labelA,
			"--label", labelB, a, b)
		d, err := cmd.Output()
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			err = nil // Exit status 1 means the files differ.
		}
		if err != nil {
			return "", fmt.Errorf("diff %s %s: %v", a, b, err)
		}
		out.Write(d)
	}
	return out.String(), nil
}

// movedFiles pairs each file the previous lab had at its top level, and
// this lab has no longer, with the new file in a subfolder that has the
// same name (or the plural of it: line.go → chat/lines.go). Lab 09 moves
// the chat into its own package this way, and a diff of the moved file
// shows what changed far better than a deletion and a whole new file.
func movedFiles(before, after []string) map[string]string {
	moves := make(map[string]string)
	for _, from := range before {
		if strings.Contains(from, "/") || slices.Contains(after, from) {
			continue
		}
		plural := strings.TrimSuffix(from, ".go") + "s.go"
		for _, to := range after {
			base := path.Base(to)
			if strings.Contains(to, "/") && !slices.Contains(before, to) &&
				(base == from || base == plural) {
				moves[from] = to
				break
			}
		}
	}
	return moves
}

// side returns the path to hand to diff for lab/name, and its label:
// /dev/null for a file the lab does not have.
func side(lab, name string, files []string) (path, label string) {
	if !slices.Contains(files, name) {
		return os.DevNull, "/dev/null"
	}
	return filepath.Join("..", "labs", lab, name),
		"labs/" + lab + "/" + name
}

// goFiles lists the .go files of the lab in the folder root that are
// not tests, as slash-separated paths relative to root. It skips
// testdata and the lab's node folder: a guide shows the Node version on
// its own, beside the Go diff, not in it.
func goFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry,
		err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" ||
			path == filepath.Join(root, "node")) {
			return filepath.SkipDir
		}
		name := d.Name()
		if d.Type().IsRegular() && strings.HasSuffix(name, ".go") &&
			!strings.HasSuffix(name, "_test.go") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return files, err
}

func TestGoFiles(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"main.go", "main_test.go", "chat/room.go",
		"chat/room_test.go", "testdata/transcript.txt", "testdata/gen.go",
		"node/server.js", "node/harness.go", "node/chat/room.go"} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := goFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	// Tests, testdata and the Node version are not part of the Go step.
	want := []string{"chat/room.go", "main.go"}
	if !slices.Equal(got, want) {
		t.Errorf("goFiles = %q, want %q", got, want)
	}
}

// showDiff returns a readable diff from got to want, for failure messages.
func showDiff(got, want string) string {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		return "--- got\n" + got + "--- want\n" + want
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "got"), filepath.Join(dir, "want")
	os.WriteFile(a, []byte(got), 0o644)
	os.WriteFile(b, []byte(want), 0o644)
	d, _ := exec.Command("diff", "-u", "--label", "in the guide",
		"--label", "wanted", a, b).Output()
	if len(d) == 0 {
		return "--- got\n" + got + "--- want\n" + want
	}
	return string(d)
}
