package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrPermission is matched (errors.Is) by the error Live returns when
// the process may not open a packet socket (it lacks CAP_NET_RAW).
var ErrPermission = errors.New("capture: permission denied")

// PermissionError is the error Live returns without CAP_NET_RAW.
type PermissionError struct {
	Interface string
	Err       error // the system call's error, EPERM
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("capture on %s: %v: capturing packets needs the CAP_NET_RAW capability", e.Interface, e.Err)
}

// Is reports whether target is ErrPermission.
func (e *PermissionError) Is(target error) bool { return target == ErrPermission }

func (e *PermissionError) Unwrap() error { return e.Err }

// PermissionHelp returns what to run so that this program may capture:
// the setcap line for its own binary (symlinks resolved), or sudo, and
// why `go run` loses the capability.
func PermissionHelp() string {
	exe, err := os.Executable()
	if err == nil {
		if p, err := filepath.EvalSymlinks(exe); err == nil {
			exe = p
		}
	} else {
		exe = "./inspect"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Give this binary the capability once:\n\n")
	fmt.Fprintf(&b, "    sudo setcap cap_net_raw+ep %s\n\n", exe)
	b.WriteString("or run it with sudo. ")
	if strings.Contains(exe, "go-build") {
		b.WriteString("This binary was built by `go run`, which builds ")
	} else {
		b.WriteString("Note that `go run` builds ")
	}
	b.WriteString("a fresh binary in a temporary folder each time, so a capability set on it is lost. " +
		"Build once and set it there:\n\n" +
		"    go build -o inspect ./cmd/inspect && sudo setcap cap_net_raw+ep ./inspect\n")
	return b.String()
}
