package chat

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// lockWait is how long lockDir waits for another server to let go.
var lockWait = 5 * time.Second

// errBusy is what tryLock returns while another server holds the lock.
var errBusy = errors.New("locked by another server")

// lockDir takes an exclusive lock on the folder dir, waiting at most
// lockWait for another server to let go, and returns a file that holds
// it: closing the file releases the lock. A server takes the lock of its
// socket's folder while it looks at the socket path and changes it, so
// that to every other server its look-remove-bind is one step. (Servers
// in one folder take turns, each for a moment.) The lock is advisory:
// it keeps out only programs that take it too. How a lock is taken
// differs by system: see tryLock.
func lockDir(dir string) (*os.File, error) {
	deadline := time.Now().Add(lockWait)
	for {
		f, err := tryLock(dir)
		switch {
		case !errors.Is(err, errBusy):
			return f, err
		case time.Now().After(deadline):
			return nil, fmt.Errorf("%s: another server has held its lock "+
				"for %v\n(is a server stuck starting or stopping there? "+
				"stop it, or pick another path)", dir, lockWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
