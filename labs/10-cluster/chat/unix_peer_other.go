//go:build unix && !linux

package chat

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// peerUID returns the user id that owns the socket file at path, where
// the server at the other end of conn listens. Go's syscall package
// offers no peer credentials on this system, so the file must do: the
// user whose server bound it owns it, and only root may give a file to
// someone else. Anyone may own other kinds of file, so it must be a
// socket.
func peerUID(_ net.Conn, path string) (int, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0, err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return 0, fmt.Errorf("%s is not a socket", path)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid), nil
}
