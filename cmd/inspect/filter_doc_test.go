package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// shellWords splits a command line as a shell does for the examples in
// the docs: words separated by spaces, single quotes around a word that
// holds spaces or characters the shell reads.
func shellWords(t testing.TB, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unclosed quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// TestInspectDocFilterExamples runs each command of the filter examples
// in docs/inspect.md and compares what it prints with the lines under it.
func TestInspectDocFilterExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/inspect.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "<!-- filter examples -->\n```\n")
	if !ok {
		t.Fatal("docs/inspect.md has no filter examples")
	}
	block, _, _ = strings.Cut(block, "```\n")
	type example struct {
		cmd  string
		want []string
	}
	var examples []example
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if cmd, ok := strings.CutPrefix(l, "$ "); ok {
			examples = append(examples, example{cmd: cmd})
			continue
		}
		if len(examples) == 0 {
			t.Fatalf("output before a command: %q", l)
		}
		examples[len(examples)-1].want = append(examples[len(examples)-1].want, l)
	}
	if len(examples) < 3 {
		t.Fatalf("%d examples, want a few", len(examples))
	}
	for _, ex := range examples {
		t.Run(ex.cmd, func(t *testing.T) {
			args := shellWords(t, ex.cmd)
			if len(args) < 2 || args[0] != "inspect" {
				t.Fatalf("not an inspect command: %q", ex.cmd)
			}
			for i, a := range args {
				if strings.HasPrefix(a, "inspect/") {
					args[i] = "../../" + a // from the repository's root
				}
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), args[1:], &out, &errOut)
			if err != nil {
				exitCode(err, &errOut)
			}
			got := strings.ReplaceAll(out.String()+errOut.String(), "../../inspect/", "inspect/")
			if want := strings.Join(ex.want, "\n") + "\n"; got != want {
				t.Errorf("prints\n%s\nthe doc shows\n%s", got, want)
			}
		})
	}
}
