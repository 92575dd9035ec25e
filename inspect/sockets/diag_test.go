//go:build linux

package sockets

import (
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDiagPortFilterRunsInTheKernel(t *testing.T) {
	lns := []int{
		port(listen(t, "tcp4", "127.0.0.1:0").Addr()),
		port(listen(t, "tcp4", "127.0.0.1:0").Addr()),
		port(listen(t, "tcp4", "127.0.0.1:0").Addr()),
	}
	ln := listen(t, "tcp4", "127.0.0.1:0")
	client, _ := connect(t, ln, "")
	cp := port(client.LocalAddr())
	for _, tt := range []struct {
		name  string
		ports []int
		want  int // sockets of this test that match
	}{
		{"one port matches a listener", lns[:1], 1},
		{"the last of three ports matches", []int{1, 2, lns[2]}, 1},
		{"a remote port matches the client end, a local one the server end", []int{cp}, 2},
		{"every port of a list matches", append(slices.Clone(lns), port(ln.Addr())), 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := openDiag(make([]byte, 64<<10))
			if err != nil {
				t.Skipf("no sock_diag here: %v", err)
			}
			defer c.Close()
			ours, others := 0, 0
			err = c.tcp(unix.AF_INET, tt.ports, func(r *diagTCPRow) {
				if !slices.Contains(tt.ports, int(r.local.Port())) && !slices.Contains(tt.ports, int(r.remote.Port())) {
					others++
				} else if r.inode != 0 {
					ours++
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if others != 0 || ours < tt.want {
				t.Errorf("the kernel sent %d sockets on ports %v and %d others, want at least %d and none",
					ours, tt.ports, others, tt.want)
			}
		})
	}
}

func TestDiagAgreesWithProc(t *testing.T) {
	ln4 := listen(t, "tcp4", "127.0.0.1:0")
	connect(t, ln4, "")
	dual := listen(t, "tcp", ":0")
	connect(t, dual, "")
	only6 := listen(t, "tcp6", "[::]:0")
	f := Filter{Ports: []int{port(ln4.Addr()), port(dual.Addr()), port(only6.Addr())}}
	buf := make([]byte, 64<<10)
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		fromDiag, err := diagTCP(family, f, buf, nil)
		if err != nil {
			t.Skipf("no sock_diag here: %v", err)
		}
		name := "/proc/net/tcp"
		if family == unix.AF_INET6 {
			name += "6"
		}
		fromProc, err := procTCP(name, family, f, buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Only this process's sockets: others may come and go between
		// the two reads.
		mine := func(ss []Socket) []Socket {
			var kept []Socket
			for _, s := range ss {
				if s.Inode != 0 && isMine(t, s.Inode) {
					kept = append(kept, s)
				}
			}
			Sort(kept)
			return kept
		}
		a, b := mine(fromDiag), mine(fromProc)
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("family %d: netlink gave\n%s\n/proc gave\n%s", family, table(a), table(b))
		}
	}
}

// isMine reports whether this process holds socket inode ino.
func isMine(t testing.TB, ino uint64) bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		var st unix.Stat_t
		if unix.Stat("/proc/self/fd/"+e.Name(), &st) == nil && st.Ino == ino &&
			st.Mode&unix.S_IFMT == unix.S_IFSOCK {
			return true
		}
	}
	return false
}
