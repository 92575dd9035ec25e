package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
)

// checkServer looks at who runs the server at the other end of conn,
// dialled to the socket file at path. Our own server is fine. On the
// default path, a server of anyone else is a squatter: someone got
// there first so that our client would talk to them. checkServer says
// so in an error, and the client hangs up. On any other path, another
// user's server may be shared on purpose (a teacher's, started with
// -mode 0660): checkServer returns a note naming its owner instead.
func checkServer(conn net.Conn, path string) (note string, err error) {
	uid, err := peerUID(conn, path)
	switch {
	case errors.Is(err, errors.ErrUnsupported) && isDefault(path):
		return "", nil // Our private folder: the server is ours.
	case errors.Is(err, errors.ErrUnsupported):
		return fmt.Sprintf("Note: this system does not tell who runs "+
			"the server on %s.", path), nil
	case err != nil:
		return "", fmt.Errorf("who runs the server on %s? %w", path, err)
	}
	if uid == os.Getuid() {
		return "", nil
	}
	if isDefault(path) {
		return "", fmt.Errorf("the server on %s is run by %s, not by "+
			"you\n(this is your own default path, so someone else has "+
			"put a server there to catch your chat: we hung up. Tell "+
			"your teacher, and use another -path for now)",
			path, describeUser(uid))
	}
	return fmt.Sprintf("Note: the server on %s is run by %s, not by you.",
		path, describeUser(uid)), nil
}

// serverOwner returns ", run by WHOM" for the server at the other end of
// conn, or "" if it cannot tell.
func serverOwner(conn net.Conn, path string) string {
	uid, err := peerUID(conn, path)
	if err != nil {
		return ""
	}
	return ", run by " + describeUser(uid)
}

// describeUser names the user with id uid for a message: "you", or
// "user NAME (uid N)", or "uid N" when the system has no name for it.
func describeUser(uid int) string {
	if uid == os.Getuid() {
		return "you"
	}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil || u.Username == "" {
		return "uid " + strconv.Itoa(uid)
	}
	return fmt.Sprintf("user %s (uid %d)", quoted(u.Username), uid)
}
