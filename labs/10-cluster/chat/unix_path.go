package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultPath returns the socket path that lab 09's server listens on,
// and its client dials, when no path is given: socketlab.sock in a
// folder of this user alone (see DefaultDir). It only computes the path;
// it creates nothing.
func DefaultPath() string {
	dir, _ := DefaultDir()
	return filepath.Join(dir, "socketlab.sock")
}

// IsDefault reports whether path is DefaultPath, however it is written
// ("a//b" and "a/./b" are "a/b").
func IsDefault(path string) bool {
	return filepath.Clean(path) == DefaultPath()
}

// DefaultDir returns the folder of DefaultPath. It must be this user's
// alone: in a shared folder such as /tmp anyone may create a file;
// another user could start a server at our path first, for our clients
// to find, or remove ours.
//
// The folder is $XDG_RUNTIME_DIR when it is a private folder of this
// user (see CheckPrivateDir), as the XDG rules require: Linux sets it to
// /run/user/UID, made for this user only. But a container may set it to
// /tmp, and su may pass on another user's; then skipped says why it was
// not used. Otherwise the folder is privateName in the temporary
// folder (os.TempDir), which a server makes with MakePrivateDir. Server
// and client compute the same folder; only the server creates it.
func DefaultDir() (dir string, skipped error) {
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) {
		dir = filepath.Clean(xdg)
		if skipped = CheckPrivateDir(dir); skipped == nil {
			return dir, nil
		}
	}
	return filepath.Join(os.TempDir(), privateName()), skipped
}

// MakePrivateDir makes the folder dir with mode 0700 if it is missing,
// and checks it. Someone else may have made a folder of that name first,
// to wait for our server in it: MakePrivateDir never accepts one that
// CheckPrivateDir refuses, and its error says what to do.
func MakePrivateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		// The umask may have made it narrower than 0700, never wider.
		err = os.Chmod(dir, 0o700)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := CheckPrivateDir(dir); err != nil {
		return fmt.Errorf("%w\n(a server in it would not be private: "+
			"remove it, or ask its owner or the machine's administrator "+
			"to, then start again; or pick another path)", err)
	}
	return nil
}
