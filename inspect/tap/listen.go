package tap

import (
	"net"
	"os"

	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

// DefaultMode is the permission given to a relay's socket file: only its
// owner may connect.
const DefaultMode os.FileMode = 0o600

// ListenSocket listens on a, applying socketlab's rules when a is a
// socket path: the rules of lab 09's chat.ListenUnix, which this calls.
//
//   - The socket file gets mode (DefaultMode when mode is 0). It is born
//     with no permissions at all and then opened to mode, so it is never
//     more open than mode, whatever the process's umask. Connecting to
//     a Unix socket needs write permission on its file.
//   - If the path exists and is a socket that refuses connections, it is
//     a stale file left by a server that died: it is removed and the
//     listen is retried once. A lock (flock) on the socket's folder
//     keeps two programs from doing this at once.
//   - If a server answers on the path, or the path is not a socket (a
//     regular file, a directory, a symbolic link), ListenSocket leaves
//     it alone and returns an error saying so, and whose server it is.
//   - The file is removed when the returned listener is closed, if it
//     is still the one ListenSocket created.
//
// Paths in the abstract namespace ("@name") and TCP addresses are
// listened on as they are; mode does not apply to them.
func ListenSocket(a Addr, mode os.FileMode) (net.Listener, error) {
	if !a.IsFile() {
		return net.Listen(a.Network, a.Address)
	}
	if mode == 0 {
		mode = DefaultMode
	}
	return chat.ListenUnix(a.Address, mode, nil)
}

// checkServer checks who runs the server at the other end of server,
// which the relay dialled at to, with chat.CheckServer's rule: on the
// labs' default socket path (chat.DefaultPath) it must be this user,
// elsewhere anyone may. When it refuses the server, it closes server
// and returns an error that names the server's owner.
func checkServer(server net.Conn, to Addr) error {
	if !to.IsFile() {
		return nil
	}
	if _, err := chat.CheckServer(server, to.Address); err != nil {
		server.Close()
		return err
	}
	return nil
}
