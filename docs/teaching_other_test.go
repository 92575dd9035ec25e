//go:build !linux

package docs

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// teachOpenPTY reports that this test opens pseudo-terminals on Linux
// only.
func teachOpenPTY() (ptmx, tty *os.File, err error) {
	return nil, nil, errors.New("this test opens pseudo-terminals on Linux only")
}

// teachLoopbackUp reports that this test makes network namespaces on
// Linux only.
func teachLoopbackUp() error {
	return errors.New("this test makes network namespaces on Linux only")
}

// teachRehearseInNetns returns false: network namespaces are Linux's.
func teachRehearseInNetns(t *testing.T) bool { return false }

// teachTTYAttr returns nil: this test opens no terminal here.
func teachTTYAttr() *syscall.SysProcAttr { return nil }
