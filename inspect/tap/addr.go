package tap

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/visible"
)

// Addr is a stream socket address: Network is "unix" or "tcp", Address is
// a socket path or a host:port.
type Addr struct {
	Network string
	Address string
}

// String returns the address with its network as a prefix, in the form
// ParseAddr accepts: "unix:/tmp/chat.sock" or "tcp:127.0.0.1:3008".
func (a Addr) String() string { return a.Network + ":" + a.Address }

// IsFile reports whether a is a Unix socket with a file: a path outside
// Linux's abstract namespace, whose names start with '@'.
func (a Addr) IsFile() bool {
	return a.Network == "unix" && !strings.HasPrefix(a.Address, "@")
}

// ParseAddr reads an address written as a socket path or a host:port.
//
// An explicit prefix decides: "unix:PATH" is a Unix domain socket and
// "tcp:HOST:PORT" is TCP. Without a prefix, a value containing '/' or
// ending in ".sock" is a socket path; otherwise a value that parses as
// host:port with a numeric port ("127.0.0.1:3008", ":3008",
// "[::1]:3008", "localhost:3008") is TCP; anything else is a socket path
// relative to the current directory. A path starting with '@' names a
// socket in Linux's abstract namespace, which has no file. A bare number
// is refused as ambiguous: write ":3008" for a port or "./3008" for a
// file.
func ParseAddr(s string) (Addr, error) {
	switch {
	case s == "":
		return Addr{}, fmt.Errorf("empty address: want a socket path or host:port")
	case strings.HasPrefix(s, "unix:"):
		p := strings.TrimPrefix(s, "unix:")
		if p == "" {
			return Addr{}, fmt.Errorf("%s: empty socket path", visible.Quote(s))
		}
		return Addr{"unix", p}, nil
	case strings.HasPrefix(s, "tcp:"):
		hp := strings.TrimPrefix(s, "tcp:")
		if !isHostPort(hp) {
			return Addr{}, fmt.Errorf("%s: want tcp:HOST:PORT with a port from 0 to 65535", visible.Quote(s))
		}
		return Addr{"tcp", hp}, nil
	case strings.Contains(s, "/") || strings.HasSuffix(s, ".sock"):
		return Addr{"unix", s}, nil
	case isHostPort(s):
		return Addr{"tcp", s}, nil
	}
	if _, err := strconv.Atoi(s); err == nil {
		return Addr{}, fmt.Errorf("%q is ambiguous: write :%s for a TCP port or ./%s for a socket file", s, s, s)
	}
	return Addr{"unix", s}, nil
}

// isHostPort reports whether s is host:port with a port number.
func isHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n <= 65535
}
