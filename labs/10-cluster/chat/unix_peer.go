package chat

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
)

// CheckServer looks at who runs the server at the other end of conn, a
// connection dialled to the socket file at path, and says what a client
// should do about it.
//
// A server run by this user is fine: both results are empty. On
// DefaultPath, a server run by anyone else is a squatter, someone who
// got there first to be the server our client talks to: CheckServer
// returns an error that names its owner, and the client should hang up.
// On any other path, another user's server may be shared on purpose (a
// teacher's server with mode 0660): CheckServer returns a note that
// names its owner, and a nil error.
//
// On Linux the kernel says who the server is (SO_PEERCRED); on other
// Unix systems CheckServer goes by the owner of the socket file. Windows
// tells neither: there CheckServer trusts a server on DefaultPath, whose
// folder only this user may open, and notes that on any other path it
// cannot tell.
func CheckServer(conn net.Conn, path string) (note string, err error) {
	uid, err := peerUID(conn, path)
	switch {
	case errors.Is(err, errors.ErrUnsupported) && IsDefault(path):
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
	if IsDefault(path) {
		return "", fmt.Errorf("the server on %s is run by %s, not by "+
			"you\n(this is your own default path, so someone else has "+
			"put a server there to catch your chat: we hung up. Tell "+
			"your teacher, and use another path for now)",
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
