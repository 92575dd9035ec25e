package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// defaultPath returns the socket path used when -path is not given:
// socketlab.sock in a folder of this user alone (see defaultDir).
func defaultPath() string {
	dir, _ := defaultDir()
	return filepath.Join(dir, "socketlab.sock")
}

// isDefault reports whether path is the default path, however it is
// written ("a//b" and "a/./b" are "a/b").
func isDefault(path string) bool {
	return filepath.Clean(path) == defaultPath()
}

// defaultDir returns the folder of the default socket path. It must be
// ours alone: in a shared folder such as /tmp anyone may create a file;
// another user could start a server at our path first, and our client
// would chat with it.
//
// The folder is $XDG_RUNTIME_DIR when it is a private folder of ours
// (see checkPrivateDir), as the XDG rules require: Linux sets it to
// /run/user/UID, made for this user only. But a container may set it to
// /tmp, and su may pass on another user's; then skipped says why we did
// not use it. Otherwise the folder is privateName in the temporary
// folder, which the server makes with makePrivateDir. Server and client
// compute the same folder; only the server creates it.
func defaultDir() (dir string, skipped error) {
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) {
		dir = filepath.Clean(xdg)
		if skipped = checkPrivateDir(dir); skipped == nil {
			return dir, nil
		}
	}
	return filepath.Join(os.TempDir(), privateName()), skipped
}

// makePrivateDir makes the folder dir with mode 0700 if it is missing,
// and checks it. Someone else may have made a folder of that name first,
// to wait for our server in it: we never use one that checkPrivateDir
// refuses.
func makePrivateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		// The umask may have made it narrower than 0700, never wider.
		err = os.Chmod(dir, 0o700)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := checkPrivateDir(dir); err != nil {
		return fmt.Errorf("%w\n(a server in it would not be private: "+
			"remove it, or ask its owner or the machine's administrator "+
			"to, then start again; or pick another -path)", err)
	}
	return nil
}
