package chat

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockWait is how long lockPath waits for another server to let go.
const lockWait = 5 * time.Second

// A pathLock is an exclusive lock (flock) on the file path+".lock".
// Every server on path takes it while it looks at the path and changes
// it, so that to any other server its look-remove-bind is one step. The
// lock is advisory: it keeps out only programs that take it too.
type pathLock struct {
	f *os.File
}

// lockPath takes the lock of the socket path path, waiting at most
// lockWait for another server to release it.
//
// The lock file is opened with O_NOFOLLOW, so that a symbolic link in
// its place cannot make us create or lock another file, and is created
// with mode 0600. release removes the file before it unlocks, so a
// server that was waiting may get a lock on a file that no longer has a
// name. So after locking we check that the name still leads to our
// file, and start again if it does not.
func lockPath(path string) (*pathLock, error) {
	name := path + ".lock"
	deadline := time.Now().Add(lockWait)
	for {
		umaskMu.Lock() // a bind's umask 0777 would make it mode 0000
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|
			syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
		umaskMu.Unlock()
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w\n(the lock file is a symbolic "+
				"link, which we do not follow: move it away, or pick "+
				"another path)", err)
		}
		if err != nil {
			return nil, err
		}
		err = flockUntil(f, deadline)
		held, serr := f.Stat()
		now, lerr := os.Lstat(name)
		switch {
		case err != nil:
		case serr != nil:
			err = serr
		case !held.Mode().IsRegular():
			err = fmt.Errorf("%s is not a regular file: move it away, "+
				"or pick another path", name)
		case lerr == nil && os.SameFile(held, now):
			return &pathLock{f: f}, nil
		case time.Now().After(deadline):
			err = fmt.Errorf("%s keeps changing: is someone replacing "+
				"it? pick another path", name)
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
}

// flockUntil takes an exclusive flock on f, trying again every few
// milliseconds until deadline while another process holds it.
func flockUntil(f *os.File, deadline time.Time) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) &&
			!errors.Is(err, syscall.EINTR) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: another server has held this lock "+
				"for %v; if no server is starting or stopping on this "+
				"path, remove the lock file", f.Name(), lockWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// release removes the lock file, then unlocks it by closing it.
func (l *pathLock) release() {
	os.Remove(l.f.Name())
	l.f.Close()
}
