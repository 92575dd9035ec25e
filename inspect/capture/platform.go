package capture

import (
	"errors"
	"runtime"
)

// Platform is what live capture is on one operating system: whether
// this program can capture there, the loopback interface it captures on
// by default, and what capturing needs. The inspector decides what to
// offer from these values, so that the decision is the same code on
// every system and can be tested on any.
type Platform struct {
	OS string // a GOOS value: "linux", "darwin", "windows", …

	// Live is true where Live can open a capture: Linux (AF_PACKET),
	// macOS and FreeBSD (the BPF devices).
	Live bool

	// Loopback is the loopback interface, the default of -i: "lo" on
	// Linux, "lo0" on macOS and the BSDs, "" where there is no live
	// capture.
	Loopback string

	// Needs says what capturing needs, as words that follow "needs":
	// "the CAP_NET_RAW capability" on Linux.
	Needs string

	// Lacks names the missing privilege in a few words for a status
	// bar: "no CAP_NET_RAW" on Linux.
	Lacks string
}

// PlatformOf returns the Platform of the operating system goos (a GOOS
// value) as this program supports it.
func PlatformOf(goos string) Platform {
	switch goos {
	case "linux":
		return Platform{OS: goos, Live: true, Loopback: "lo",
			Needs: "the CAP_NET_RAW capability", Lacks: "no CAP_NET_RAW"}
	case "darwin":
		return Platform{OS: goos, Live: true, Loopback: "lo0",
			Needs: "read access to /dev/bpf* (root, or the access_bpf " +
				"group that Wireshark's installer creates)",
			Lacks: "no access to /dev/bpf*"}
	case "freebsd":
		return Platform{OS: goos, Live: true, Loopback: "lo0",
			Needs: "read access to /dev/bpf (root)",
			Lacks: "no access to /dev/bpf"}
	}
	return Platform{OS: goos}
}

// Host is the Platform of the system this program runs on.
var Host = PlatformOf(runtime.GOOS)

// ErrUnsupported is matched (errors.Is) by the error Live returns on a
// system where this program offers no live capture.
var ErrUnsupported = errors.New("capture: live capture is not available")

// UnsupportedError is the error Live returns on a system where this
// program offers no live capture (Windows): files and taps still work.
type UnsupportedError struct {
	OS string // a GOOS value
}

func (e *UnsupportedError) Error() string {
	return "live capture is not available on " + osName(e.OS) +
		": read a capture file with -r, or watch a socket's bytes " +
		"through a tap (-tap, or inspect tap)"
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// osName returns the name people use for the system goos.
func osName(goos string) string {
	switch goos {
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	case "linux":
		return "Linux"
	}
	return goos
}
