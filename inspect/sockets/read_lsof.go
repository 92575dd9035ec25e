//go:build darwin || freebsd

package sockets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"time"
)

// MinInterval is the shortest time a view that polls the table should
// leave between two Reads. Here each Read runs lsof, which looks at
// every open file of every process: a view that read the table twice a
// second would keep a core busy.
const MinInterval = 2 * time.Second

// lsofTimeout bounds one run of lsof.
const lsofTimeout = 10 * time.Second

// maxLsofOutput bounds what Read takes of lsof's output: some hundred
// thousand sockets.
const maxLsofOutput = 64 << 20

// Read returns the sockets f selects, sorted (see Sort), with their
// owning processes. On macOS and FreeBSD it runs lsof (-F, see
// lsofArgs), which lists the sockets of this user's processes, or of
// every process under sudo; Unix sockets show their path, or the kernel
// address of their peer. FreeBSD needs lsof installed (pkg install
// lsof). It may be called from any goroutine.
func Read(f Filter) (Snapshot, error) {
	start := time.Now()
	if !f.All && len(f.Ports) == 0 && len(f.Paths) == 0 {
		return Snapshot{Taken: start}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), lsofTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "lsof", lsofArgs...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Snapshot{}, err
	}
	if err := cmd.Start(); err != nil {
		return Snapshot{}, fmt.Errorf("the socket table on %s comes from lsof: %w", runtime.GOOS, err)
	}
	ss, perr := parseLsof(io.LimitReader(out, maxLsofOutput), f)
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	// lsof exits with 1 when it finds nothing to list.
	var ee *exec.ExitError
	if werr != nil && !(errors.As(werr, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0) {
		return Snapshot{}, fmt.Errorf("lsof: %w: %s", werr, bytes.TrimSpace(stderr.Bytes()))
	}
	if perr != nil {
		return Snapshot{}, perr
	}
	Sort(ss)
	return Snapshot{Taken: start, Sockets: ss, Took: time.Since(start)}, nil
}

// limitedWriter writes the first n bytes given it to w and drops the
// rest: the error text of a tool Read runs stays small.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if k := min(len(p), l.n); k > 0 {
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
