package docs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeTranscripts keeps the Node runs in the guides true: a guide
// whose lab has a Node version shows, under "## Run it", the transcript
// that the lab's TestTranscript wrote from a real run of it
// (testdata/node-transcript.txt). With -update it rewrites the section.
func TestNodeTranscripts(t *testing.T) {
	paths, err := filepath.Glob("labs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		slug := strings.TrimSuffix(filepath.Base(path), ".md")
		golden, err := os.ReadFile(filepath.Join("..", "labs", slug,
			"testdata", "node-transcript.txt"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // This lab has no Node version.
		}
		t.Run(slug, func(t *testing.T) {
			if err != nil {
				t.Fatal(err)
			}
			checkNodeTranscript(t, path, string(golden))
		})
	}
}

// checkNodeTranscript checks (or, with -update, rewrites) the Node
// transcript section of the guide at path.
func checkNodeTranscript(t *testing.T, path, golden string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	s := section{"node-transcript", "## Run it",
		"```text\n" + golden + "```\n"}
	start, end, err := s.find(text)
	if err != nil {
		t.Fatalf("%s: %v: its lab has a Node transcript, and the guide "+
			"shows it under %q between these two lines (go test ./docs "+
			"-run TestNodeTranscripts -update fills it in)", path, err,
			s.heading)
	}
	if heading := headingAt(text, start); heading != s.heading {
		t.Errorf("%s: the %s markers are under %q, want %q", path,
			s.marker, heading, s.heading)
	}
	got := text[start:end]
	switch {
	case got == s.want:
	case *update:
		text = text[:start] + s.want + text[end:]
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the Node transcript in %s", path)
	default:
		t.Errorf("%s: the %s section is out of date; run go test "+
			"./docs -run TestNodeTranscripts -update\n%s", path,
			s.marker, showDiff(got, s.want))
	}
}
