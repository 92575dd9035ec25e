package tap

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultMode is the permission given to a relay's socket file: only its
// owner may connect.
const DefaultMode os.FileMode = 0o600

// ListenSocket listens on a, applying socketlab's rules when a is a
// socket path (as lab 07 does):
//
//   - The socket file gets mode (DefaultMode when mode is 0). Connecting
//     to a Unix socket needs write permission on its file.
//   - If the path exists and is a socket that refuses connections, it is
//     a stale file left by a server that died: it is removed and the
//     listen is retried once.
//   - If a server answers on the path, or the path is not a socket (a
//     regular file, a directory, a symbolic link), ListenSocket leaves
//     it alone and returns an error saying so.
//   - The file is removed when the returned listener is closed.
//
// Paths in the abstract namespace ("@name") and TCP addresses are
// listened on as they are; mode does not apply to them.
func ListenSocket(a Addr, mode os.FileMode) (net.Listener, error) {
	if a.Network != "unix" || strings.HasPrefix(a.Address, "@") {
		return net.Listen(a.Network, a.Address)
	}
	if mode == 0 {
		mode = DefaultMode
	}
	ln, err := net.Listen("unix", a.Address)
	if errors.Is(err, syscall.EADDRINUSE) {
		if err := removeStale(a.Address); err != nil {
			return nil, err
		}
		ln, err = net.Listen("unix", a.Address)
	}
	if err != nil {
		return nil, err
	}
	// NOTE: between bind and this chmod the file has the mode the umask
	// gives (0755 with the usual 022), which already denies connections
	// from other users, since connecting needs write permission.
	if err := os.Chmod(a.Address, mode.Perm()); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// removeStale removes the socket file at path if no server answers on it,
// and otherwise explains why the path cannot be used.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen unix %s: the path exists and is not "+
			"a socket (%s); not removing it: choose another path",
			path, describeType(fi.Mode()))
	}
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("listen unix %s: a server is already listening "+
			"there; stop it or choose another path", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("listen unix %s: the socket file exists and "+
			"may be in use (%v); not removing it", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("listen unix %s: removing the stale socket file: %w", path, err)
	}
	return nil
}

// describeType names the kind of file a mode describes.
func describeType(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	}
	return "mode " + m.String()
}
