// Command inspect shows every lab socket and the live bytes on loopback.
//
//	inspect [flags] [expr]         open the terminal UI
//	inspect sockets [flags]        print the socket table once
//	inspect packets [flags] [expr] print one line per captured packet
//	inspect follow [flags] CONN    print one connection's conversation
//	inspect tap -listen L -to T    relay a socket and print its bytes
//	inspect demo                   run the lab 09 chat and open the UI on it
//
// expr is a tcpdump filter expression, such as 'tcp port 3008 and
// tcp[tcpflags] & tcp-syn != 0'.
//
// "inspect -h" prints this usage and the terminal UI's flags.
//
// Run "inspect COMMAND -h" for a command's flags.
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

	"github.com/socketlab/socketlab/inspect/visible"
)

func main() {
	// A closed terminal sends SIGHUP: clean up as for Ctrl-C, unless
	// the user asked to ignore it (nohup).
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run runs the inspect command named by args[0], or the terminal UI when
// args is empty or starts with a flag.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || len(args[0]) > 0 && args[0][0] == '-' {
		return runTUI(ctx, args, stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "sockets":
		return runSockets(ctx, rest, stdout, stderr)
	case "packets":
		return runPackets(ctx, rest, stdout, stderr)
	case "follow":
		return runFollow(ctx, rest, stdout, stderr)
	case "tap":
		return runTap(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %s\n\n%s", visible.Quote(cmd), usage)}
}

const usage = `usage:
  inspect [-port N] [-path P] [-all] [-i IFACE] [-r FILE]  open the terminal UI
          [-tap L=T] [-contrast] [-compare] [-ring N] [EXPRESSION]
  inspect sockets [-port N] [-path P] [-all] [-json]       print the socket table
  inspect packets [-i lo] [-port N] [-c N] [-S] [-e] [-v] [-t...]
          [-x|-X|-A] [-r F] [-w F [-force]] [EXPRESSION]  print packets
  inspect follow [-i lo] [-port N] [-r F] CONNECTION       print a conversation
  inspect tap -listen L -to T [-text] [-mode M] [-snap N] [-write-timeout D]
                                                          relay and show bytes
  inspect demo [-pace D] [-once] [-no-ui] [-contrast] [-compare]
                                                          chat + UI in one go

Run "inspect COMMAND -h" for a command's flags.
`

// usageError marks an error caused by how the command was called; it
// exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode reports err on stderr and returns the process exit status.
// A path or a name that someone else may have chosen is made visible
// where it is put into an error (visible.String, visible.Quote), so
// that its line breaks show as \n and it cannot start a line of its own.
// The message keeps its line breaks and tabs, the layout of a usage
// error or of a hint on a line of its own, and goes through
// visible.Message, which escapes no name twice but stops any control
// character that an error of another package let through.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "inspect:", visible.Message(err.Error()))
		return 2
	}
	fmt.Fprintln(stderr, "inspect:", visible.Message(err.Error()))
	return 1
}
