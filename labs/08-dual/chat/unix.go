package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// umaskMu serialises ListenUnix calls: the umask belongs to the whole
// process, so two binds must not change it at the same time.
var umaskMu sync.Mutex

// ListenUnix listens on the Unix domain socket at path and gives the
// socket file the permissions in mode (0600: only this user may
// connect; 0660: this user's group too). Closing the listener removes
// the file.
//
// A socket file left behind by a server that crashed is removed and
// replaced, but only when it is really a socket and connecting to it is
// refused; ListenUnix then logs that to logger, unless it is nil. It
// never takes over a path where a server answers, and never removes a
// file that is not a socket; it returns an error that says so.
//
// Any goroutine may call ListenUnix. It changes the process's umask for
// the duration of one bind (see bindUnix).
func ListenUnix(path string, mode fs.FileMode, logger *log.Logger) (
	net.Listener, error) {
	ln, err := bindUnix(path, mode)
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	fi, lerr := os.Lstat(path)
	if lerr != nil {
		return nil, err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%w\n(%s is a %v file, not a socket: "+
			"it was not removed; move it away, or pick another path)",
			err, path, fi.Mode().Type())
	}
	conn, derr := net.DialTimeout("unix", path, time.Second)
	if derr == nil {
		conn.Close()
		return nil, fmt.Errorf("%w\n(a server is running on %s: "+
			"stop it, or pick another path)", err, path)
	}
	if !errors.Is(derr, syscall.ECONNREFUSED) {
		return nil, fmt.Errorf("%w\n(%s did not refuse a connection, "+
			"so it was not removed: %v)", err, path, derr)
	}
	// Nobody listens: a crashed server's leftover. Remove and retry.
	if err := os.Remove(path); err != nil {
		return nil, err
	}
	if logger != nil {
		logger.Printf("Removed stale socket file %s", path)
	}
	return bindUnix(path, mode)
}

// bindUnix creates the socket file with no permissions at all (umask
// 0777) and then widens them to mode. Creating it with the usual umask
// and narrowing it afterwards would leave a moment in which others could
// connect; this way the file is never more open than mode.
func bindUnix(path string, mode fs.FileMode) (net.Listener, error) {
	umaskMu.Lock()
	old := syscall.Umask(0o777)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode.Perm()); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}
