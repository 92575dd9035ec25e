// Command floorchat is a yardstick, not a chat: it does the least a chat
// server can do for each delivery, so that swarm can measure what any
// server would pay on this machine.
//
//	floorchat -addr 127.0.0.1:3910
//	floorchat -path /tmp/floor.sock
//
// Each line a client sends goes to every other client as "User N: line",
// with one non-blocking write(2) per client, made straight from the
// goroutine that read the line and split over one goroutine per core.
// Nothing is queued: a client whose socket cannot take a whole line at
// once is cut off, and the cut is logged. There is no welcome and no
// joined or left notice.
//
// docs/performance.md (fixed load) runs it beside lab 09 and the Node
// chat: its latency is the floor that the kernel's cost per write, and
// the load generator's cost per read, leave for any server.
//
// Ctrl-C or SIGTERM closes every connection, removes the socket file
// and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "floorchat:", err)
		os.Exit(1)
	}
}

// run listens where args say and serves until ctx is done. The log goes
// to logw.
func run(ctx context.Context, args []string, logw io.Writer) error {
	fs := flag.NewFlagSet("floorchat", flag.ContinueOnError)
	fs.SetOutput(logw)
	addr := fs.String("addr", "", "TCP address to listen on, such as 127.0.0.1:3910")
	path := fs.String("path", "", "Unix socket path to listen on instead")
	maxLine := fs.Int("max-line", 4096, "longest line a client may send, in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*addr == "") == (*path == "") || fs.NArg() > 0 || *maxLine < 1 {
		fs.Usage()
		return errors.New("give one of -addr or -path, and nothing else")
	}
	logger := log.New(logw, "", log.LstdFlags)
	var ln net.Listener
	var err error
	if *path != "" {
		ln, err = chat.ListenUnix(*path, 0o600, logger)
	} else {
		ln, err = net.Listen("tcp", *addr)
	}
	if err != nil {
		return err
	}
	logger.Printf("floorchat listening on %s %s", ln.Addr().Network(), ln.Addr())
	r := newRoom(logger, *maxLine)
	return r.serve(ctx, ln)
}
