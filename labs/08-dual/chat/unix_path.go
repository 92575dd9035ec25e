package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultPath returns the socket path that lab 08's server listens on,
// and its client dials, when no path is given: socketlab.sock in a folder
// of this user alone, where nobody else can put a server of their own
// for our clients to find, or remove ours.
//
// That folder is $XDG_RUNTIME_DIR when it is set to an absolute path
// (Linux sessions set it to /run/user/UID, which the system makes for
// this user only), and otherwise socketlab-UID in the temporary folder
// (os.TempDir), which the server makes with MakePrivateDir. DefaultPath
// only computes the path; it creates nothing.
func DefaultPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "socketlab.sock")
	}
	dir := "socketlab-" + strconv.Itoa(os.Getuid())
	return filepath.Join(os.TempDir(), dir, "socketlab.sock")
}

// MakePrivateDir makes sure that dir is a folder that this user alone
// may use: it creates it with mode 0700 if it does not exist. It refuses
// a folder that another user owns, one that others may enter (any mode
// wider than 0700), and anything that is not a folder, a symbolic link
// included, with an error that says who owns it and what to do.
//
// In a folder like /tmp anyone may create names, so a folder with the
// name we want may have been made by someone else, waiting for our
// server: that is why an existing one is checked, not trusted.
func MakePrivateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		// The umask may have made it narrower than 0700, never wider.
		err = os.Chmod(dir, 0o700)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	switch uid := int(fi.Sys().(*syscall.Stat_t).Uid); {
	case !fi.IsDir():
		return fmt.Errorf("%s is %s, not a folder; it belongs to %s\n"+
			"(we neither follow nor use it: move it away, or pick "+
			"another -path)", dir, fileKind(fi.Mode()), describeUser(uid))
	case uid != os.Getuid():
		return fmt.Errorf("%s belongs to %s, not to you\n(a server in "+
			"it would not be private: ask its owner or the machine's "+
			"administrator to remove it, or pick another -path)",
			dir, describeUser(uid))
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s has mode %04o: others may use it too\n"+
			"(make it yours alone with chmod 700 %s, or pick another "+
			"-path)", dir, fi.Mode().Perm(), dir)
	}
	return nil
}
