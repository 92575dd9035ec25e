package ui

import (
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/sockets"
)

func TestSocketTableProblemIsShown(t *testing.T) {
	u := New(Options{ServerPorts: []int{3008}})
	u.Model().SetSockets(sockets.Snapshot{Problem: "lsof: [red]not found"})
	got := screenText(draw(t, u, 120, 30))
	if !strings.Contains(got, "no socket table: lsof: [red]not found") {
		t.Errorf("the Sockets pane does not say why it is empty:\n%s", got)
	}
	if strings.Contains(got, "reading the socket table") {
		t.Errorf("the Sockets pane still waits:\n%s", got)
	}
}
