package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"syscall"
	"time"
)

// describe prints the listener's address. A TCP listener has an IP
// address, a family and a port (lab 01); a Unix domain socket listener
// has none of these. Its address is a path in the file system, and the
// network is called "unix".
func describe(logger *log.Logger, addr net.Addr) {
	logger.Printf("Listening on %v", addr)
	logger.Printf("  network: %s", addr.Network())
	logger.Printf("  address: %s (a path: no IP, no family, no port)",
		addr.String())
}

// listenUnix listens on the Unix domain socket at path, a socket file
// that only users allowed by mode may connect to. Closing the listener
// removes the file.
//
// A server that crashed (or was killed with SIGKILL) had no chance to
// remove its socket file, and binding to an existing file fails with
// "address already in use". So when bind fails we look at what is there:
//   - not a socket: someone's file. We never delete it.
//   - a socket that accepts a connection: a live server. We never take
//     its path.
//   - a socket whose connect is refused: nobody listens, the file is
//     stale. Only then do we remove it and bind again.
func listenUnix(path string, mode fs.FileMode,
	logger *log.Logger) (net.Listener, error) {
	ln, err := bindUnix(path, mode)
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	info, lerr := os.Lstat(path) // Lstat: a symlink is not a socket
	if lerr != nil {
		return nil, err
	}
	if info.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%w\n(%s is not a socket, so we leave it "+
			"alone: move it away, or pick another -path)", err, path)
	}
	conn, derr := net.DialTimeout("unix", path, time.Second)
	if derr == nil {
		conn.Close()
		return nil, fmt.Errorf("%w\n(a server is running on %s: stop "+
			"it, or pick another -path)", err, path)
	}
	if !errors.Is(derr, syscall.ECONNREFUSED) {
		return nil, fmt.Errorf("%w\n(%s did not refuse a connection, so "+
			"we leave it alone: %v)", err, path, derr)
	}
	if err := os.Remove(path); err != nil {
		return nil, err
	}
	logger.Printf("Removed stale socket file %s", path)
	return bindUnix(path, mode)
}

// bindUnix creates the socket file and sets its permissions. Connecting
// to a socket needs write permission on its file, so mode decides who may
// join: 0600 only you, 0660 your group too.
//
// bind creates the file with 0777 minus the umask, and net.Listen lets
// clients in before we could chmod it. So we make the umask 0777 for the
// bind: the file is born with no permissions at all, and chmod then opens
// it exactly to mode. At no moment is it more open than mode. The umask
// belongs to the whole process; this server creates no other files, so
// changing it for one bind is safe.
func bindUnix(path string, mode fs.FileMode) (net.Listener, error) {
	old := syscall.Umask(0o777)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode.Perm()); err != nil {
		ln.Close() // also removes the file: we created it
		return nil, err
	}
	return ln, nil
}
