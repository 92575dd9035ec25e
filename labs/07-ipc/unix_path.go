package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// defaultPath returns the socket path used when -path is not given:
// socketlab.sock in a folder of this user alone. In a shared folder
// such as /tmp anyone may create a file; another user could start a
// server at our path first, and our client would chat with it.
//
// The folder is $XDG_RUNTIME_DIR when it is set (Linux sets it to
// /run/user/UID, made for this user only), and otherwise socketlab-UID
// in the temporary folder, which the server makes with makePrivateDir.
// The client computes the same path, and creates nothing.
func defaultPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "socketlab.sock")
	}
	dir := "socketlab-" + strconv.Itoa(os.Getuid())
	return filepath.Join(os.TempDir(), dir, "socketlab.sock")
}

// makePrivateDir makes sure that dir is a folder that only we may use.
// It creates it with mode 0700 if it is missing. Someone else may have
// made a folder of that name first, to wait for our server in it, so
// we refuse one that another user owns, one that others may enter (mode
// wider than 0700), and anything that is not a folder, such as a
// symbolic link to somewhere else.
func makePrivateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		// The umask may have made it narrower than 0700, never wider.
		err = os.Chmod(dir, 0o700)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	info, err := os.Lstat(dir) // Lstat: a symlink is not a folder
	if err != nil {
		return err
	}
	switch uid := int(info.Sys().(*syscall.Stat_t).Uid); {
	case !info.IsDir():
		return fmt.Errorf("%s is not a folder; it belongs to %s\n"+
			"(we neither follow nor use it: move it away, or pick "+
			"another -path)", dir, describeUser(uid))
	case uid != os.Getuid():
		return fmt.Errorf("%s belongs to %s, not to you\n(a server in "+
			"it would not be private: ask its owner or the machine's "+
			"administrator to remove it, or pick another -path)",
			dir, describeUser(uid))
	case info.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s has mode %04o: others may use it too\n"+
			"(make it yours alone with chmod 700 %s, or pick another "+
			"-path)", dir, info.Mode().Perm(), dir)
	}
	return nil
}
