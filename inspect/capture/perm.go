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
// SetcapCommand, the risk it brings, sudo as the other way, and why `go
// run` loses the capability.
func PermissionHelp() string {
	exe := executable()
	var b strings.Builder
	b.WriteString("Give this binary the capability once, and keep it yours alone:\n\n")
	fmt.Fprintf(&b, "    %s\n\n", SetcapCommand())
	b.WriteString("Whoever may run a binary with CAP_NET_RAW can read every packet on " +
		"every interface of this machine, other users' traffic included: that is why " +
		"the command makes it mode 0700 first. On a shared machine, let one group run " +
		"it instead (\"Running without root\" in docs/inspect.md), or run it with sudo. ")
	if strings.Contains(exe, "go-build") {
		b.WriteString("This binary was built by `go run`, which builds ")
	} else {
		b.WriteString("Note that `go run` builds ")
	}
	b.WriteString("a fresh binary in a temporary folder each time, so a capability set on it is lost. " +
		"Build once and set it there:\n\n" +
		"    go build -o bin/inspect ./cmd/inspect && chmod 0700 bin/inspect && " +
		"sudo setcap cap_net_raw+ep bin/inspect\n")
	return b.String()
}

// SetcapCommand returns the shell command that gives this program's
// binary (symbolic links resolved) the capture capability while letting
// only its owner run it: chmod 0700, then setcap.
func SetcapCommand() string {
	exe := shellQuote(executable())
	return "chmod 0700 " + exe + " && sudo setcap cap_net_raw+ep " + exe
}

// executable returns the path of this program's binary, or "bin/inspect"
// when the system cannot say.
func executable() string {
	exe, err := os.Executable()
	if err != nil {
		return "bin/inspect"
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return exe
}

// shellQuote returns s as one word for a POSIX shell: as it is when it
// holds only characters that need no quoting, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("/._-+,:@%=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
