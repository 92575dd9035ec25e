package tap

import (
	"os/exec"
	"testing"
)

// setUmask skips the test: Windows has no umask and no file modes on
// AF_UNIX paths.
func setUmask(t testing.TB, mask int) {
	t.Helper()
	t.Skip("Windows has no umask")
}

// runAs is never reached on Windows: acting as another user needs
// root, which startForeignServer checks first.
func runAs(cmd *exec.Cmd, id uint32) {}
