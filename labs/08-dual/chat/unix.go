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

// umaskMu serialises the umask changes of this package: the umask
// belongs to the whole process, so two binds must not change it at the
// same time, nor may a file be created while a bind has it at 0777.
var umaskMu sync.Mutex

// ListenUnix listens on the Unix domain socket at path and gives the
// socket file the permissions in mode (0600: only this user may
// connect; 0660: this user's group too). Closing the listener removes
// the file, if it is still the one ListenUnix created.
//
// A socket file left behind by a server that crashed is removed and
// replaced, but only when it is really a socket and connecting to it is
// refused; ListenUnix then logs that to logger, unless it is nil. It
// never takes over a path where a server answers (the error says whose
// server it is), and never removes a file that is not a socket.
//
// Two servers that start on one stale path at once must not both find
// it stale, remove it and bind: the second would remove the first's
// fresh socket. So ListenUnix holds the path's lock file (see lockPath)
// from its first bind to its last, and Close holds it while it decides
// whether the file at path is still its own.
//
// Any goroutine may call ListenUnix. It changes the process's umask for
// the duration of one bind (see bindUnix).
func ListenUnix(path string, mode fs.FileMode, logger *log.Logger) (
	net.Listener, error) {
	lock, err := lockPath(path)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	ln, err := bindUnix(path, mode)
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ln, err
	}
	fi, lerr := os.Lstat(path)
	if lerr != nil {
		return nil, err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%w\n(%s is %s, not a socket: it was "+
			"not removed; move it away, or pick another path)",
			err, path, fileKind(fi.Mode()))
	}
	conn, derr := net.DialTimeout("unix", path, time.Second)
	if derr == nil {
		owner := serverOwner(conn, path)
		conn.Close()
		return nil, fmt.Errorf("%w\n(a server is already listening on "+
			"%s%s: stop it, or pick another path)", err, path, owner)
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
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	umaskMu.Lock()
	old := syscall.Umask(0o777)
	ln, err := net.ListenUnix("unix", addr)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, err
	}
	// Go would remove the file on Close, whoever's it is by then. We do
	// it ourselves, in unixListener.Close.
	ln.SetUnlinkOnClose(false)
	info, err := os.Lstat(path)
	if err == nil {
		err = os.Chmod(path, mode.Perm())
	}
	if err != nil {
		os.Remove(path) // We hold the lock: it is the file we made.
		ln.Close()
		return nil, err
	}
	return &unixListener{UnixListener: ln, path: path, file: info}, nil
}

// A unixListener is a listener on a socket file it created. Its Close
// removes the file only if it is still that file. Someone may have
// removed ours while we ran, and another server may have bound the free
// path: its file is not ours to remove.
type unixListener struct {
	*net.UnixListener
	path string
	file fs.FileInfo // our socket file, as bind created it
	once sync.Once
}

// Close removes our socket file, then stops listening. Any goroutine
// may call Close, more than once.
func (l *unixListener) Close() error {
	l.once.Do(l.removeFile)
	return l.UnixListener.Close()
}

// removeFile removes the file at l.path if it is still ours: the same
// file (os.SameFile compares device and inode numbers). We compare under
// the lock, so that no server binds meanwhile, and while we still
// listen, so that our file's inode number cannot be reused yet.
func (l *unixListener) removeFile() {
	lock, err := lockPath(l.path)
	if err != nil {
		return // The file stays; the next server finds it stale.
	}
	defer lock.release()
	info, err := os.Lstat(l.path)
	if err == nil && os.SameFile(info, l.file) {
		os.Remove(l.path)
	}
}

// fileKind names the kind of file that mode describes, for messages.
func fileKind(mode fs.FileMode) string {
	switch mode.Type() {
	case 0:
		return "a regular file"
	case fs.ModeDir:
		return "a folder"
	case fs.ModeSymlink:
		return "a symbolic link"
	case fs.ModeNamedPipe:
		return "a named pipe"
	case fs.ModeSocket:
		return "a socket"
	}
	return "a device or other special file"
}
