package sockets

import (
	"bytes"
	"cmp"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// fdRef names one open file of one process: /proc/PID/fd/FD.
type fdRef struct{ pid, fd int }

// ownerCache remembers where each socket of the last Read was found.
// A socket usually lives longer than one refresh of the table, so the
// next Read checks that one link instead of walking every process's
// files, which costs a readlink per open file on the machine. It also
// remembers for a while the sockets it could not find an owner for
// (another user's, another container's), so that they do not force a
// walk on every Read. It holds only the sockets the last Read returned.
var ownerCache = struct {
	sync.Mutex
	m     map[uint64]cached
	check []inodeAt // reused by confirmCached
}{m: make(map[uint64]cached)}

// cached is where a socket was found, and whether confirmCached has
// found it there again; or, with pid 0, when it was last looked for in
// vain.
type cached struct {
	fdRef
	confirmed bool
	missed    time.Time
}

// retryMissing is how long a socket without a visible owner is not
// looked for again.
const retryMissing = 10 * time.Second

// confirmCached checks the files where the last Read found its sockets
// and marks the entries whose file still holds the same socket. Read
// runs it while it reads the socket tables, so that this work, one stat
// per socket, overlaps with the kernel's.
func confirmCached(proc string) {
	ownerCache.Lock()
	defer ownerCache.Unlock()
	check := ownerCache.check[:0]
	for ino, c := range ownerCache.m {
		if c.pid != 0 {
			check = append(check, inodeAt{ino, c.fdRef})
		}
	}
	slices.SortFunc(check, func(a, b inodeAt) int { return cmp.Compare(a.at.pid, b.at.pid) })
	dir, dirPid := -1, 0
	for _, c := range check {
		if c.at.pid != dirPid {
			if dir >= 0 {
				unix.Close(dir)
			}
			dirPid = c.at.pid
			dir, _ = unix.Open(proc+"/"+strconv.Itoa(dirPid)+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		}
		e := ownerCache.m[c.ino]
		e.confirmed = dir >= 0 && holds(dir, c.at.fd, c.ino)
		ownerCache.m[c.ino] = e
	}
	if dir >= 0 {
		unix.Close(dir)
	}
	ownerCache.check = check
}

// findOwners sets want[inode] to the file that holds each socket inode
// of want, for the processes it may read; the others stay zero.
//
// It takes the files confirmCached confirmed. Then, if some sockets are
// still missing, it reads the links in /proc/PID/fd of every process in
// increasing pid order, so a socket shared by several processes (after
// fork) is given to the lowest pid, until all are found.
func findOwners(proc string, want map[uint64]fdRef, link []byte) error {
	ownerCache.Lock()
	defer ownerCache.Unlock()
	now := time.Now()
	left := 0
	for ino := range want {
		c, ok := ownerCache.m[ino]
		switch {
		case ok && c.pid != 0 && c.confirmed:
			want[ino] = c.fdRef
		case ok && c.pid == 0 && now.Sub(c.missed) < retryMissing:
		default:
			left++
		}
	}
	var err error
	if left > 0 {
		err = scanOwners(proc, want, left, link)
	}
	for ino := range ownerCache.m {
		if _, ok := want[ino]; !ok {
			delete(ownerCache.m, ino)
		}
	}
	for ino, r := range want {
		c, ok := ownerCache.m[ino]
		switch {
		case r.pid != 0:
			ownerCache.m[ino] = cached{fdRef: r}
		case !ok || c.pid != 0 || left > 0 && now.Sub(c.missed) >= retryMissing:
			ownerCache.m[ino] = cached{missed: now}
		}
	}
	return err
}

// inodeAt is a socket inode and the file it was last found at.
type inodeAt struct {
	ino uint64
	at  fdRef
}

// holds reports whether file fd in the fd directory dir is socket ino.
// It stats the file the link leads to rather than reading the link's
// text, socket:[INODE]: the kernel then need not write that text out,
// which makes the check about a fifth cheaper.
func holds(dir, fd int, ino uint64) bool {
	var name [20]byte
	var st unix.Stat_t
	if unix.Fstatat(dir, string(strconv.AppendInt(name[:0], int64(fd), 10)), &st, 0) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFSOCK && st.Ino == ino
}

// scanOwners walks /proc until it has found left more sockets of want.
func scanOwners(proc string, want map[uint64]fdRef, left int, link []byte) error {
	dir, err := os.Open(proc)
	if err != nil {
		return err
	}
	defer dir.Close()
	for left > 0 {
		names, err := dir.Readdirnames(256)
		for _, name := range names {
			if pid, err := strconv.Atoi(name); err == nil && pid > 0 {
				left -= scanProcess(proc+"/"+name, pid, want, link)
				if left <= 0 {
					break
				}
			}
		}
		if err != nil { // io.EOF at the end of the listing
			break
		}
	}
	return nil
}

// scanProcess records the files of the process in pdir that hold a
// wanted socket not found yet, and returns how many it recorded.
// A process that is gone or that belongs to another user is skipped.
func scanProcess(pdir string, pid int, want map[uint64]fdRef, link []byte) int {
	fd, err := unix.Open(pdir+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	f := os.NewFile(uintptr(fd), pdir)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return 0
	}
	found := 0
	for _, name := range names {
		n, err := unix.Readlinkat(fd, name, link)
		if err != nil {
			continue
		}
		ino, ok := socketInode(link[:n])
		if !ok {
			continue
		}
		if r, wanted := want[ino]; wanted && r.pid == 0 {
			num, _ := strconv.Atoi(name)
			want[ino] = fdRef{pid: pid, fd: num}
			found++
		}
	}
	return found
}

// socketInode returns INODE from a link text socket:[INODE].
func socketInode(b []byte) (uint64, bool) {
	const prefix = "socket:["
	if len(b) < len(prefix)+2 || string(b[:len(prefix)]) != prefix || b[len(b)-1] != ']' {
		return 0, false
	}
	return parseDec(b[len(prefix) : len(b)-1])
}

// readComm returns the command name of the process in pdir, or "" if it
// cannot be read.
func readComm(pdir string) string {
	b, err := os.ReadFile(pdir + "/comm")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSuffix(b, []byte{'\n'}))
}
