package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrPermission is matched (errors.Is) by the error Live returns when
// the process may not open a packet socket (it lacks CAP_NET_RAW on
// Linux, access to /dev/bpf* on macOS).
var ErrPermission = errors.New("capture: permission denied")

// PermissionError is the error Live returns without the privilege
// capturing needs (Host.Needs).
type PermissionError struct {
	Interface string
	Err       error // the system call's error, EPERM
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("capture on %s: %v: capturing packets needs %s", e.Interface, e.Err, Host.Needs)
}

// Is reports whether target is ErrPermission.
func (e *PermissionError) Is(target error) bool { return target == ErrPermission }

func (e *PermissionError) Unwrap() error { return e.Err }

// buildCommands build the inspector from the repository root into bin/
// (not ./inspect: the folder inspect/ there holds the package), keep the
// binary to its owner and give it the capture capability.
var buildCommands = []string{
	"go build -o bin/inspect ./cmd/inspect",
	"chmod 0700 bin/inspect",
	"sudo setcap cap_net_raw+ep bin/inspect",
}

// PermissionHelp returns what to run so that this program may capture,
// in lines of at most 72 columns but for the commands. On Linux: the
// commands of SetcapCommand, one a line; the risk that the capability
// brings; sudo as the other way. On macOS: sudo, or the access_bpf
// group, and the risk of that group.
func PermissionHelp() string { return permissionHelpFor(Host, executable()) }

// permissionHelpFor is PermissionHelp on the platform p for the binary
// exe.
func permissionHelpFor(p Platform, exe string) string {
	switch p.OS {
	case "darwin":
		return wrap("On macOS, capturing reads the BPF devices /dev/bpf*, "+
			"which only root may open unless a group is let in. Run the "+
			"inspector with sudo:") + "\n    " + sudoCommand(exe) + "\n\n" +
			wrap("or install Wireshark: its installer (ChmodBPF) creates "+
				"the access_bpf group, puts you in it and lets it read "+
				"/dev/bpf* from every boot on; log out and in once. Whoever "+
				"is in access_bpf can read every packet on this Mac, other "+
				"users' traffic included.")
	case "freebsd":
		return wrap("On FreeBSD, capturing reads the BPF device /dev/bpf, "+
			"which only root may open. Run the inspector with sudo:") +
			"\n    " + sudoCommand(exe) + "\n"
	}
	return permissionHelp(exe)
}

// permissionHelp is PermissionHelp on Linux for the binary exe.
func permissionHelp(exe string) string {
	var b strings.Builder
	goRun := builtByGoRun(exe)
	if goRun {
		b.WriteString(wrap("This binary was built by `go run` in a " +
			"temporary folder, so a capability given to it is lost when " +
			"it ends. Build the inspector once, from the repository " +
			"root; keep the binary yours alone, give it the capability, " +
			"and run bin/inspect from then on:"))
		b.WriteString("\n")
		for _, c := range buildCommands {
			fmt.Fprintf(&b, "    %s\n", c)
		}
	} else {
		exe = shellQuote(exe)
		b.WriteString("Give this binary the capability once, and keep it " +
			"yours alone:\n\n")
		fmt.Fprintf(&b, "    chmod 0700 %s\n", exe)
		fmt.Fprintf(&b, "    sudo setcap cap_net_raw+ep %s\n", exe)
	}
	risk := "Whoever may run a binary with CAP_NET_RAW can read every " +
		"packet on every interface of this machine, other users' traffic " +
		"included: that is why it is made mode 0700 first. On a shared " +
		"machine, let one group run it instead (\"Running without root\" " +
		"in docs/inspect.md), or run it with sudo."
	if !goRun {
		risk += " Building the binary again drops the capability: give " +
			"it again after each go build."
	}
	b.WriteString("\n" + wrap(risk))
	return b.String()
}

// wrap breaks text into lines of at most 72 columns at spaces, each
// ending with a newline.
func wrap(text string) string {
	var b strings.Builder
	n := 0 // the length of the line so far
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(w) > 72:
			b.WriteString("\n")
			n = 0
		default:
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String() + "\n"
}

// SetcapCommand returns one shell command line that lets this program
// capture while only its owner may run it: chmod 0700, then setcap, on
// its binary (symbolic links resolved). When `go run` built the binary,
// in a temporary folder that goes away, the line builds bin/inspect
// first and gives the capability to that instead.
// Where there is no setcap (macOS, FreeBSD) it is the line that runs
// this program with sudo.
func SetcapCommand() string {
	if Host.OS == "darwin" || Host.OS == "freebsd" {
		return sudoCommand(executable())
	}
	return setcapCommand(executable())
}

// sudoCommand returns the line that runs the binary exe with sudo. A
// binary `go run` built is built into bin/inspect first: sudo's PATH
// may have no go, and root's build would be root's.
func sudoCommand(exe string) string {
	if builtByGoRun(exe) {
		return buildCommands[0] + " && sudo bin/inspect"
	}
	return "sudo " + shellQuote(exe)
}

// setcapCommand is SetcapCommand for the binary exe.
func setcapCommand(exe string) string {
	if builtByGoRun(exe) {
		return strings.Join(buildCommands, " && ")
	}
	exe = shellQuote(exe)
	return "chmod 0700 " + exe + " && sudo setcap cap_net_raw+ep " + exe
}

// RunCommand returns the shell command that starts this program again,
// as another terminal would type it: the path of its binary, or "go run
// ./cmd/inspect" when `go run` built it (that binary goes away when the
// program ends).
func RunCommand() string { return runCommand(executable()) }

// runCommand is RunCommand for the binary exe.
func runCommand(exe string) string {
	if builtByGoRun(exe) {
		return "go run ./cmd/inspect"
	}
	return shellQuote(exe)
}

// builtByGoRun reports whether exe is a binary that `go run` (or `go
// test`) built: those live in a go-build folder of the temporary folder.
func builtByGoRun(exe string) bool { return strings.Contains(exe, "go-build") }

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

// PermissionProblem returns one line, for a status bar, that says live
// capture is off for want of the privilege and what to run.
func PermissionProblem() string { return permissionProblem(Host, SetcapCommand()) }

// permissionProblem is PermissionProblem on the platform p, where fix is
// the command that lets this program capture.
func permissionProblem(p Platform, fix string) string {
	switch p.OS {
	case "linux":
		return "capture is off (" + p.Lacks + "): " + fix +
			", or sudo; `go run` loses it — see docs/inspect.md"
	case "darwin":
		return "capture is off (" + p.Lacks + "): " + fix +
			", or join the access_bpf group — see docs/inspect.md"
	}
	return "capture is off (" + p.Lacks + "): " + fix
}
