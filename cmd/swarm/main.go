// Command swarm connects many clients to a socketlab chat server (labs
// 05-08, or any server of the same protocol) and measures what the
// server delivers.
//
//	swarm -addr 127.0.0.1:3008 -clients 1000 -senders 10 -duration 10s
//	swarm -path /run/user/1000/socketlab.sock -clients 100 -senders 5 -rate 100
//
// K of the N clients send lines, at -rate lines per second each, or with
// -rate 0 as fast as a window allows: a sender may have at most -window
// lines that its observer (one reading client) has not yet received, so
// the run measures the server's throughput without queueing without
// bound. Each receiver may then have up to K×W lines queued at the
// server; keep that below the server's per-client queue.
//
// Every line carries its sender, a sequence number, its send time and a
// checksum, padded to -size bytes, so each client can tell delivered
// lines from lost (gaps), duplicated, echoed or corrupted ones without
// relying on the server's user ids. A run has four phases: connect all
// clients; settle, until every client has seen a probe line and so is
// known to be in the room; send for -duration; drain, until every line
// in flight has arrived or -drain has passed. A line is expected at every
// reading client but its sender, unless the server had already closed
// that client; -slow clients stop reading when sending starts and are
// reported apart. Received never exceeds expected.
//
// Connects run 64 at a time. A Unix connect that finds the server's
// listen queue full fails at once with EAGAIN, where TCP would wait, so
// swarm tries it again (1 ms to 100 ms apart, for up to
// -connect-timeout) and reports how many tries that took.
//
// Progress goes to stderr (a bar on a terminal), the report to stdout
// (-json for a machine). Ctrl-C or SIGTERM stops the run, closes every
// connection and prints the report so far.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run parses args, runs the swarm and prints its report on stdout;
// progress and warnings go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	rep, err := runSwarm(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.json {
		return rep.writeJSON(stdout)
	}
	return rep.writeText(stdout)
}

// usageError marks an error caused by how the command was called; it
// exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode reports err on stderr and returns the process exit status.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "swarm:", err)
		return 2
	}
	fmt.Fprintln(stderr, "swarm:", err)
	return 1
}
