//go:build unix

package tap

import (
	"os/exec"
	"syscall"
	"testing"
)

// setUmask sets the process's umask to mask until the test ends.
func setUmask(t testing.TB, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// runAs makes cmd run as user and group id.
func runAs(cmd *exec.Cmd, id uint32) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: id, Gid: id}}
}
