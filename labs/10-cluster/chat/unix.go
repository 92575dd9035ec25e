package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ListenUnix listens on the Unix domain socket at path, a socket file
// that only users allowed by mode may connect to (0600: only this user;
// 0660: this user's group too). Closing the listener removes the file,
// if it is still the one ListenUnix created.
//
// A server that crashed (or was killed with SIGKILL) had no chance to
// remove its socket file, and binding to an existing file fails with
// "address already in use". So when bind fails ListenUnix looks at what
// is there:
//   - not a socket: someone's file. It is never deleted.
//   - a socket that accepts a connection: a live server. Its path is
//     never taken, and the error says whose server it is.
//   - a socket whose connect is refused: nobody listens, the file is
//     stale. Only then is it removed, and bound again; ListenUnix logs
//     that to logger, unless logger is nil.
//
// Two servers started at once on a stale path could both find it stale;
// the second would then remove the first one's brand-new socket and bind
// in its place. So the whole look-remove-bind holds the lock of the
// socket's folder (see lockDir), and the second server waits, then finds
// a live server.
//
// Any goroutine may call ListenUnix. On Unix systems it changes the
// process's umask for the duration of one bind (see bindUnix).
func ListenUnix(path string, mode fs.FileMode,
	logger *log.Logger) (net.Listener, error) {
	lock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	ln, err := bindUnix(path, mode)
	if !errors.Is(err, errInUse) {
		return ln, err
	}
	info, lerr := os.Lstat(path) // Lstat: a symlink is not a socket
	if lerr != nil {
		return nil, err
	}
	if info.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%w\n(%s is not a socket, so we leave it "+
			"alone: move it away, or pick another path)", err, path)
	}
	conn, derr := net.DialTimeout("unix", path, time.Second)
	if derr == nil {
		owner := serverOwner(conn, path)
		conn.Close()
		return nil, fmt.Errorf("%w\n(a server is already listening on "+
			"%s%s: stop it, or pick another path)", err, path, owner)
	}
	if !errors.Is(derr, errRefused) {
		return nil, fmt.Errorf("%w\n(%s did not refuse a connection, so "+
			"we leave it alone: %v)", err, path, derr)
	}
	if err := os.Remove(path); err != nil {
		return nil, err
	}
	if logger != nil {
		logger.Printf("Removed stale socket file %s", path)
	}
	return bindUnix(path, mode)
}

// bindUnix creates the socket file and sets its permissions. Connecting
// to a socket needs write permission on its file, so mode decides who may
// join: 0600 only you, 0660 your group too.
//
// net.Listen lets clients in before we could chmod the file. So
// listenClosed binds it with no permissions at all, and setMode then
// opens it exactly to mode: at no moment is it more open than mode.
// (Windows has no file mode on a socket: see unix_sys_windows.go.)
func bindUnix(path string, mode fs.FileMode) (net.Listener, error) {
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	ln, err := listenClosed(addr)
	if err != nil {
		return nil, err
	}
	// Go would remove the file on Close, whoever's it is by then. We do
	// it ourselves, in unixListener.Close.
	ln.SetUnlinkOnClose(false)
	// chmod follows a symbolic link: we change the file only if it is
	// still a socket, the one we made.
	info, err := os.Lstat(path)
	if err == nil && info.Mode().Type() != fs.ModeSocket {
		err = fmt.Errorf("%s is no longer a socket: someone replaced "+
			"it as we bound it", path)
	}
	if err == nil {
		if err = setMode(path, mode); err != nil {
			os.Remove(path) // We hold the lock: it is the file we made.
		}
	}
	if err != nil {
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
	lock, err := lockDir(filepath.Dir(l.path))
	if err != nil {
		return // The file stays; the next server finds it stale.
	}
	defer lock.Close()
	info, err := os.Lstat(l.path)
	if err == nil && os.SameFile(info, l.file) {
		os.Remove(l.path)
	}
}
