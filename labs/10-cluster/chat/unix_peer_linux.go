package chat

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// peerUID returns the user id of the server at the other end of conn.
// Linux records who called listen on a socket, and SO_PEERCRED hands
// that to whoever connects: unlike a file's owner, nobody can fake it.
func peerUID(conn net.Conn, _ string) (int, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("%T is not a socket", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *syscall.Ucred
	var cerr error
	err = raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd),
			syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, os.NewSyscallError("getsockopt SO_PEERCRED", err)
	}
	return int(cred.Uid), nil
}
