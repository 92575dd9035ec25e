//go:build unix

package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// These are the pieces of a Unix domain socket that differ by system.
// unix_sys_windows.go has Windows' versions, with the same names.

// errInUse and errRefused are the errors of a bind to a path that is
// taken, and of a connect that nobody accepts.
const errInUse, errRefused = syscall.EADDRINUSE, syscall.ECONNREFUSED

// umaskMu serialises our umask changes: the umask belongs to the whole
// process, so two goroutines must not change it at the same time.
var umaskMu sync.Mutex

// listenClosed listens on a new socket file at addr, with no permissions
// for anyone. bind creates the file with 0777 minus the umask, so we make
// the umask 0777 for the bind.
func listenClosed(addr *net.UnixAddr) (*net.UnixListener, error) {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	old := syscall.Umask(0o777)
	defer syscall.Umask(old)
	return net.ListenUnix("unix", addr)
}

// setMode opens the socket file at path to mode. Connecting to a socket
// needs write permission on its file, so mode decides who may join: 0600
// only you, 0660 your group too.
func setMode(path string, mode fs.FileMode) error {
	return os.Chmod(path, mode.Perm())
}

// tryLock takes an exclusive lock (flock) on the folder dir and returns
// the folder open, or errBusy while another server holds it. We lock the
// folder itself, so there is no lock file to make and clean up. A folder
// reached through a symbolic link (/tmp on macOS) is the folder the link
// leads to, where bind puts the socket too.
func tryLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		err = errBusy
	default:
		err = &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	f.Close()
	return nil, err
}

// privateName is the name of our private folder in the temporary
// folder: socketlab-UID, one for each user.
func privateName() string {
	return "socketlab-" + strconv.Itoa(os.Getuid())
}

// CheckPrivateDir returns an error unless dir is a folder that only this
// user may use: a folder, not a symbolic link to one, that this user
// owns, with no permission for anyone else (mode 0700). It only looks.
// The error says who owns what is there.
func CheckPrivateDir(dir string) error {
	info, err := os.Lstat(dir) // Lstat: a symlink is not a folder
	if err != nil {
		return err
	}
	switch uid := int(info.Sys().(*syscall.Stat_t).Uid); {
	case !info.IsDir():
		return fmt.Errorf("%s is not a folder (we do not follow "+
			"symbolic links); it belongs to %s", dir, describeUser(uid))
	case uid != os.Getuid():
		return fmt.Errorf("%s belongs to %s, not to you", dir,
			describeUser(uid))
	case info.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s has mode %04o: others may use it too", dir,
			info.Mode().Perm())
	}
	return nil
}
