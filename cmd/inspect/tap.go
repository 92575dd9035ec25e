package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

const tapUsage = `usage: inspect tap -listen L -to T [-text] [-mode 0600] [-snap N]
                   [-write-timeout 10s]

Relay every connection made to L on to T and print each chunk of bytes
that passes, both ways. A Unix socket's bytes never reach lo, so packet
capture cannot show them; the relay can. No privileges are needed.

L and T are socket paths or host:port. A value containing "/" or ending
in ".sock" is a path; one that parses as host:port with a numeric port is
TCP; anything else is a path. Prefix "unix:" or "tcp:" to say which.

Point the client at L instead of the server. The lab's server prints
its socket path ("Listening on ..."); without -path, yours is

  %[1]s

Put L in the same folder, which is yours alone, so that nobody else can
take its name:

  inspect tap -listen %[2]s -to %[1]s
  nc -U %[2]s

On the labs' default path the relay hangs up on a server run by another
user, as the labs' clients do.

flags:
`

// runTap runs a relay until ctx is done, printing its events on stdout.
func runTap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tap", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "", "where clients connect: a socket path or `host:port`")
	to := fs.String("to", "", "the real server: a socket path or `host:port`")
	text := fs.Bool("text", false, "print bytes as quoted text instead of hex and ASCII")
	mode := fs.String("mode", "0600", "permission of the relay's socket file, in `octal`")
	snap := fs.Int("snap", 0, "print at most `N` bytes of each chunk (0: all of it)")
	writeTimeout := fs.Duration("write-timeout", tap.DefaultWriteTimeout,
		"cut off a connection when one side does not take what the relay writes to it within this `duration`")
	help := func() string {
		var b strings.Builder
		own := chat.DefaultPath()
		fmt.Fprintf(&b, tapUsage, visible.String(own), visible.String(tapBeside(own)))
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return b.String()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, help())
			return err
		}
		return usageError{fmt.Errorf("tap: %v\n\n%s", err, help())}
	}
	perm, err := strconv.ParseUint(*mode, 8, 32)
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("tap: unexpected argument %s\n\n%s", visible.Quote(fs.Arg(0)), help())}
	case *listen == "" || *to == "":
		return usageError{fmt.Errorf("tap: both -listen and -to are required\n\n%s", help())}
	case err != nil || perm > 0o777 || perm == 0:
		return usageError{fmt.Errorf("tap: -mode %s: want octal permission bits such as 0600 or 0660", visible.Quote(*mode))}
	case *snap < 0:
		return usageError{fmt.Errorf("tap: -snap %d: want 0 (everything) or more", *snap)}
	case *writeTimeout <= 0:
		return usageError{fmt.Errorf("tap: -write-timeout %v: want a positive duration such as 10s", *writeTimeout)}
	}
	for _, a := range []struct{ flag, val string }{{"-listen", *listen}, {"-to", *to}} {
		if _, err := tap.ParseAddr(a.val); err != nil {
			return usageError{fmt.Errorf("tap: %s: %v", a.flag, err)}
		}
	}

	r, err := tap.Listen(tap.Config{Listen: *listen, To: *to,
		Mode: os.FileMode(perm), MaxData: *snap, WriteTimeout: *writeTimeout})
	if err != nil {
		return err
	}
	where := tap.Addr{Network: r.Addr().Network(), Address: r.Addr().String()}
	fmt.Fprintf(stdout, "tap: relaying %s -> %s\n",
		visible.String(where.String()), visible.String(r.Target().String()))
	if where.IsFile() {
		fmt.Fprintf(stdout, "tap: socket file mode %04o\n", perm)
	}
	if where.Network == "unix" || r.Target().Network == "unix" {
		fmt.Fprintln(stdout, "tap:", tap.Banner)
	}
	fmt.Fprintln(stdout, "tap: Ctrl-C stops")

	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx) }()
	w := bufio.NewWriter(stdout)
	for ev := range r.Events() {
		printTapEvent(w, ev, *text, where.Network, r.Target().Network)
		if len(r.Events()) == 0 {
			w.Flush()
		}
	}
	err = <-served
	s := r.Stats()
	plural := "s"
	if s.Conns == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "tap: stopped after %d connection%s; "+
		"%d bytes c>s, %d bytes s>c; %d events dropped\n",
		s.Conns, plural, s.ClientToServer, s.ServerToClient, s.Dropped)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// printTapEvent writes one event as a line, followed for data by a hex
// dump in the layout of tcpdump -X and inspect packets -X (or, with
// text, a quoted string: visible.Quote) of the bytes kept. client and
// server are the networks ("tcp" or "unix") of the relay's two sides.
// Addresses and errors are shown literally (visible.String): a client
// can bind its socket to any path it likes.
func printTapEvent(w io.Writer, ev tap.Event, text bool, client, server string) {
	if ev.Dropped > 0 {
		fmt.Fprintf(w, "tap: %d events dropped here: output too slow\n", ev.Dropped)
	}
	head := fmt.Sprintf("%s #%d", ev.Time.Format("15:04:05.000000"), ev.Conn)
	if errors.Is(ev.Err, tap.ErrStalled) {
		fmt.Fprintf(w, "%s cut off: %s\n", head, visible.String(ev.Err.Error()))
		return
	}
	switch ev.Kind {
	case tap.Open:
		fmt.Fprintf(w, "%s open client %s -> server %s\n", head,
			visible.String(ev.Client), visible.String(ev.Server))
	case tap.Data:
		more := ""
		if len(ev.Data) < ev.Len {
			more = fmt.Sprintf(" (first %d shown)", len(ev.Data))
		}
		if text {
			fmt.Fprintf(w, "%s %s %d bytes%s %s\n", head, ev.Dir, ev.Len, more, visible.Quote(string(ev.Data)))
			return
		}
		fmt.Fprintf(w, "%s %s %d bytes%s\n", head, ev.Dir, ev.Len, more)
		w.Write(capture.AppendHex(nil, ev.Data))
	case tap.HalfClose:
		fmt.Fprintf(w, "%s half-close %s: %s\n", head, ev.Dir,
			tap.HalfCloseNote(ev.Dir, client, server))
	case tap.Close:
		if ev.Err != nil {
			fmt.Fprintf(w, "%s close: %s\n", head, visible.String(ev.Err.Error()))
		} else {
			fmt.Fprintf(w, "%s close\n", head)
		}
	default:
		why := visible.String(fmt.Sprint(ev.Err))
		if ev.Dir != 0 {
			fmt.Fprintf(w, "%s %v %s: %s\n", head, ev.Kind, ev.Dir, why)
		} else {
			fmt.Fprintf(w, "%s %v: %s\n", head, ev.Kind, why)
		}
	}
}

// tapBeside returns where a tap for the server on path may listen: a
// file tap.sock in the same folder, which for the labs' default path is
// the user's private folder.
func tapBeside(path string) string {
	return filepath.Join(filepath.Dir(path), "tap.sock")
}

// tapExample returns a -tap value for the server on path:
// "TAP=path".
func tapExample(path string) string { return tapBeside(path) + "=" + path }
