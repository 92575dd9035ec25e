package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// startNodeServerWithHeap runs node/server.js as startNodeServer does,
// and returns heap too, which counts the objects of a class that the
// server's memory holds. It asks Node for a heap snapshot, the file that
// Chrome's developer tools open, and Node makes one after a full garbage
// collection: what it counts, the server still holds.
func startNodeServerWithHeap(t *testing.T) (addr string, logs *logBuffer,
	heap func(t testing.TB, class string) int) {
	t.Helper()
	if heapSignal == nil {
		t.Skip("Node makes heap snapshots on a signal only on Unix")
	}
	dir := t.TempDir()
	// Node reads these options from the environment as from its command
	// line: a heap snapshot on SIGUSR2, written into dir.
	t.Setenv("NODE_OPTIONS", "--heapsnapshot-signal=SIGUSR2 "+
		"--diagnostic-dir="+dir)
	addr, logs, _ = startNodeServer(t)
	p, _ := listeners.Load(addr)
	proc := p.(*nodeProcess).cmd.Process
	return addr, logs, func(t testing.TB, class string) int {
		t.Helper()
		if err := proc.Signal(heapSignal); err != nil {
			t.Fatal(err)
		}
		return countObjects(t, waitSnapshot(t, dir), class)
	}
}

// A heapSnapshot is the part of a V8 heap snapshot that we read: every
// object is a run of numbers in Nodes, and its name an index in Strings.
type heapSnapshot struct {
	Snapshot struct {
		Meta struct {
			NodeFields []string          `json:"node_fields"`
			NodeTypes  []json.RawMessage `json:"node_types"`
		} `json:"meta"`
	} `json:"snapshot"`
	Nodes   []int    `json:"nodes"`
	Strings []string `json:"strings"`
}

// waitSnapshot waits until dir holds a whole heap snapshot, and returns
// it. Node writes the file bit by bit: it is whole once it parses.
func waitSnapshot(t testing.TB, dir string) *heapSnapshot {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.heapsnapshot"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			var s heapSnapshot
			if err == nil && json.Unmarshal(data, &s) == nil {
				os.Remove(f)
				return &s
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no heap snapshot in %s within %v", dir, timeout)
		}
	}
}

// countObjects returns how many objects of class s holds.
func countObjects(t testing.TB, s *heapSnapshot, class string) int {
	t.Helper()
	meta := s.Snapshot.Meta
	typeAt := slices.Index(meta.NodeFields, "type")
	nameAt := slices.Index(meta.NodeFields, "name")
	var types []string
	if typeAt < 0 || nameAt < 0 || len(meta.NodeTypes) == 0 ||
		json.Unmarshal(meta.NodeTypes[0], &types) != nil {
		t.Fatalf("a heap snapshot of an unknown shape: %+v", meta)
	}
	n, width := 0, len(meta.NodeFields)
	for i := 0; i+width <= len(s.Nodes); i += width {
		typ, name := s.Nodes[i+typeAt], s.Nodes[i+nameAt]
		if typ < len(types) && types[typ] == "object" &&
			name < len(s.Strings) && s.Strings[name] == class {
			n++
		}
	}
	return n
}
