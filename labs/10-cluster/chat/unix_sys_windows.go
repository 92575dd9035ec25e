package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"

	"golang.org/x/sys/windows"
)

// These are Windows' versions of the pieces in unix_sys.go. Windows
// (10 and later) has Unix domain sockets, but it keeps who may use a
// file in the file's access control list, which a new file inherits from
// its folder: there is no umask, no file mode and no user id. So the
// socket file is as private as its folder, and our default folder lies
// in the user's own temporary folder (%TEMP%, in the user's profile),
// which only that user and the administrators may open.

// errInUse and errRefused are the errors of a bind to a path that is
// taken, and of a connect that nobody accepts.
const errInUse, errRefused = windows.WSAEADDRINUSE, windows.WSAECONNREFUSED

// listenClosed listens on a new socket file at addr. The file gets its
// folder's access control list.
func listenClosed(addr *net.UnixAddr) (*net.UnixListener, error) {
	return net.ListenUnix("unix", addr)
}

// setMode does nothing: a socket file on Windows has no mode, and -mode
// cannot let a group in. Whoever may open the folder may connect.
func setMode(string, fs.FileMode) error {
	return nil
}

// tryLock takes an exclusive lock (LockFileEx) on the file socketlab.lock
// in the folder dir, and returns that file open, or errBusy while another
// server holds the lock. Windows cannot lock a folder, so the lock file
// stays in the folder after we close it.
func tryLock(dir string) (*os.File, error) {
	name := dir + `\socketlab.lock`
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY,
		0, 1, 0, &ol)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION):
		err = errBusy
	default:
		err = &os.PathError{Op: "LockFileEx", Path: name, Err: err}
	}
	f.Close()
	return nil, err
}

// privateName is the name of our private folder in the temporary
// folder. %TEMP% is the user's own already, so one name serves.
func privateName() string {
	return "socketlab"
}

// CheckPrivateDir returns an error unless dir is a folder, not a
// symbolic link to one. It only looks. Who may use the folder is in its
// access control list, which this lab does not read: a folder in the
// user's own %TEMP% is private, one elsewhere may not be.
func CheckPrivateDir(dir string) error {
	info, err := os.Lstat(dir) // Lstat: a symlink is not a folder
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder (we do not follow "+
			"symbolic links)", dir)
	}
	return nil
}

// peerUID cannot say who runs the server at the other end of conn:
// Windows has no user ids, and no peer credentials on a Unix domain
// socket. CheckServer then trusts a server in the default folder, which
// only this user may open, and notes that on any other path it cannot
// tell.
func peerUID(net.Conn, string) (int, error) {
	return 0, fmt.Errorf("Windows does not tell who runs a server: %w",
		errors.ErrUnsupported)
}
