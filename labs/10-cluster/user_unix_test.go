//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"testing"
)

// runAs makes cmd run as the user and group uid (the test must be root).
func runAs(t testing.TB, cmd *exec.Cmd, uid uint32) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uid, Gid: uid}}
}
