package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestPathFlag(t *testing.T) {
	parse := func(t *testing.T, args ...string) []string {
		t.Helper()
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		paths := &pathList{paths: []string{"/default.sock"}}
		fs.Var(paths, "path", "")
		if err := fs.Parse(args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return paths.paths
	}
	t.Run("an empty path means none, as in the labs", func(t *testing.T) {
		if got := parse(t, "-path", ""); len(got) != 0 {
			t.Errorf("paths %q, want none", got)
		}
	})
	t.Run("an empty path beside others adds nothing", func(t *testing.T) {
		if got := parse(t, "-path", "", "-path", "/a.sock"); !slices.Equal(got, []string{"/a.sock"}) {
			t.Errorf("paths %q, want /a.sock", got)
		}
	})
	t.Run("no -path keeps the default", func(t *testing.T) {
		if got := parse(t); !slices.Equal(got, []string{"/default.sock"}) {
			t.Errorf("paths %q, want the default", got)
		}
	})
	t.Run("inspect sockets -path '' runs", func(t *testing.T) {
		if _, _, err := socketsRun(t, "-path", ""); err != nil {
			t.Errorf("inspect sockets -path '': %v", err)
		}
	})
}
