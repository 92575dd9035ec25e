package chat

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockWait is how long lockDir waits for another server to let go.
var lockWait = 5 * time.Second

// lockDir takes an exclusive lock (flock) on the folder dir, waiting at
// most lockWait for another server to let go, and returns the folder
// open: closing it releases the lock. A server takes the lock of its
// socket's folder while it looks at the socket path and changes it, so
// that to every other server its look-remove-bind is one step. (Servers
// in one folder take turns, each for a moment.) The lock is advisory:
// it keeps out only programs that take it too.
//
// We lock the folder itself, so there is no lock file to make and clean
// up. A folder reached through a symbolic link (/tmp on macOS) is the
// folder the link leads to, where bind puts the socket too.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return f, nil
		case !errors.Is(err, syscall.EWOULDBLOCK) &&
			!errors.Is(err, syscall.EINTR):
			err = &os.PathError{Op: "flock", Path: dir, Err: err}
		case time.Now().After(deadline):
			err = fmt.Errorf("%s: another server has held its lock for "+
				"%v\n(is a server stuck starting or stopping there? stop "+
				"it, or pick another path)", dir, lockWait)
		default:
			time.Sleep(5 * time.Millisecond)
			continue
		}
		f.Close()
		return nil, err
	}
}
