package main

import (
	"os/exec"
	"testing"
)

// runAs would make cmd run as another user: Windows has no user ids to
// switch to, so it skips t.
func runAs(t testing.TB, _ *exec.Cmd, _ uint32) {
	t.Helper()
	t.Skip("Windows has no user id to run a program as")
}
