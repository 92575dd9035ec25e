package docs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// teachOpenPTY opens a new pseudo-terminal of 100 columns and 40 rows,
// the projector's. tty is the terminal a program runs on; on ptmx the
// test types its keys and reads its screen.
func teachOpenPTY() (ptmx, tty *os.File, err error) {
	ptmx, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	// Through SyscallConn, not Fd, which would make ptmx blocking: its
	// Close could then no longer end a Read.
	var n uint32
	err = teachControl(ptmx, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN)
		return err
	})
	if err == nil {
		tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n),
			os.O_RDWR|unix.O_NOCTTY, 0)
	}
	if err == nil {
		err = teachControl(tty, func(fd int) error {
			return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ,
				&unix.Winsize{Row: 40, Col: 100})
		})
	}
	if err != nil {
		ptmx.Close()
		if tty != nil {
			tty.Close()
		}
		return nil, nil, err
	}
	return ptmx, tty, nil
}

// teachControl calls f with the descriptor of file.
func teachControl(file *os.File, f func(fd int) error) error {
	c, err := file.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := c.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// teachLoopbackUp brings up lo, which a new network namespace has down.
func teachLoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// teachRehearseInNetns runs TestTeachingRehearsal again in a child
// process with a network namespace of its own, where the hour has ports
// 3001 and 3008 to itself whatever else runs on this machine, and
// reports the child's result. It returns false, having done nothing,
// where no such namespace can be made (no unshare, no privilege).
func teachRehearseInNetns(t *testing.T) bool {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Logf("no unshare (%v): the hour runs on this machine's ports", err)
		return false
	}
	flags := []string{"--net"}
	if os.Geteuid() != 0 {
		flags = []string{"--map-root-user", "--net"}
	}
	if out, err := exec.Command(unshare, append(flags, "true")...).
		CombinedOutput(); err != nil {
		t.Logf("no network namespace here (%v: %s): the hour runs on "+
			"this machine's ports", err, bytes.TrimSpace(out))
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, append(flags, "--", os.Args[0],
		"-test.run=^TestTeachingRehearsal$", "-test.count=1", "-test.v")...)
	cmd.Env = append(os.Environ(), teachNetns+"=1")
	// On a timeout, end the programs of the hour too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("the rehearsal in a network namespace failed (%v):\n%s",
			err, out)
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("the rehearsal in a network namespace was skipped:\n%s", out)
	}
	t.Logf("the rehearsal, in a network namespace of its own:\n%s", out)
	return true
}

// teachTTYAttr makes the terminal on a program's standard input its
// controlling terminal, as a shell in that terminal would (setsid).
func teachTTYAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true}
}
