package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/filter"
	"github.com/socketlab/socketlab/inspect/visible"
)

// runPackets prints one line per captured TCP segment, like tcpdump, from
// a live interface or a pcap file (-r), and can save them (-w). The
// arguments after the flags, joined by spaces, are a tcpdump filter
// expression: live, the kernel applies it (with -port when given, in
// place of the default port otherwise); on a file, the VM does. It stops
// after -c packets, at the end of a file, or when ctx is cancelled
// (Ctrl-C, SIGTERM), and then prints a summary on stderr.
func runPackets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect packets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	iface := fs.String("i", capture.Host.Loopback, "capture on interface `IFACE` (any: every interface, as tcpdump -i any)")
	ports := &portList{ports: []int{3008}}
	fs.Var(ports, "port", "TCP `port`s to show (repeatable, or a list like 3008,3009)")
	count := fs.Int("c", 0, "stop after `COUNT` packets (0: no limit)")
	hex := fs.Bool("x", false, "print each packet (IP header on) in hex, as tcpdump -x")
	hexASCII := fs.Bool("X", false, "print each packet (IP header on) in hex and ASCII, as tcpdump -X")
	hexLink := fs.Bool("xx", false, "as -x, the link-level header included")
	hexASCIILink := fs.Bool("XX", false, "as -X, the link-level header included")
	ascii := fs.Bool("A", false, "print each payload as text, control characters made visible")
	var popt capture.PrintOptions
	fs.BoolVar(&popt.Absolute, "S", false, "print sequence numbers as on the wire, not relative")
	fs.BoolVar(&popt.Link, "e", false, "print the link-level header")
	fs.BoolVar(&popt.Verbose, "v", false, "print the IP header's fields, checksums and TCP options")
	timeFlag := func(name string, f capture.TimeFormat, usage string) {
		fs.BoolFunc(name, usage, func(string) error { popt.Time = f; return nil })
	}
	timeFlag("t", capture.TimeNone, "print no time")
	timeFlag("tt", capture.TimeUnix, "print the time as seconds since 1970")
	timeFlag("ttt", capture.TimeDelta, "print the time since the packet before")
	timeFlag("tttt", capture.TimeOfDate, "print the date before the time of day")
	read := fs.String("r", "", "read packets from pcap or pcapng `FILE` instead of capturing")
	write := fs.String("w", "", "also save the packets to pcap `FILE`, a new file readable by you alone")
	force := fs.Bool("force", false, "with -w, replace FILE if it exists (never a symbolic link, never the -r file)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: inspect packets [-i lo] [-port N] [-c COUNT] [-S] [-e] [-v] [-t...] [-x|-X|-A] [-r FILE] [-w FILE [-force]] [EXPRESSION]\n\n"+
			"Prints one line per TCP segment to or from the ports, as tcpdump does.\n"+
			"Live capture needs CAP_NET_RAW (root); reading a file with -r does not.\n\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, filterHelp)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	expr, err := parseExpression(fs.Args())
	if err != nil {
		return usageError{fmt.Errorf("packets: %w", err)}
	}
	if *count < 0 {
		return usageError{errors.New("packets: -c must be 0 or more")}
	}
	if *force && *write == "" {
		return usageError{errors.New("packets: -force replaces the -w file; it needs -w")}
	}

	src, err := openPackets(*read, *iface, ports, expr)
	if err != nil {
		return err
	}
	defer src.Close()

	var pw *capture.Writer
	if *write != "" {
		f, err := capture.Create(*write, capture.CreateOptions{Force: *force, Reading: *read})
		if err != nil {
			return createError(err, *force)
		}
		defer f.Close()
		if pw, err = capture.NewWriter(f, src.LinkType(), src.SnapLen()); err != nil {
			return fmt.Errorf("writing %s: %w", visible.String(*write), err)
		}
	}

	stopped := closeOnCancel(ctx, src)
	defer close(stopped)

	// Lines are buffered and flushed ten times a second, so a flood
	// costs one write per batch, not per packet, and a lone packet still
	// shows at once.
	out := &flushWriter{w: bufio.NewWriterSize(stdout, 1<<16)}
	if *read == "" {
		go out.flushEvery(100*time.Millisecond, stopped)
	}
	if *read == "" {
		what := "all TCP"
		if ps := filterPorts(ports, expr); len(ps) > 0 {
			what = "TCP port " + (&portList{ports: ps}).String()
		}
		if !expr.Empty() {
			// The expression may hold a line break: it separates words.
			what += " and " + visible.String(expr.String())
		}
		fmt.Fprintf(stderr, "inspect: listening on %s (%s), link type %s, snapshot length %d bytes\n",
			visible.String(src.Name()), what, src.LinkType(), src.SnapLen())
	}
	var p capture.Packet
	pr := capture.NewPrinter(popt)
	line := make([]byte, 0, 256)
	n, otherLink := 0, 0
	for *count == 0 || n < *count {
		err = src.Next(&p)
		if err != nil {
			break
		}
		n++
		line = pr.AppendLine(line[:0], &p)
		if p.Malformed != "" {
			// The decoder's reason may quote bytes of the frame.
			line = append(line[:0], visible.String(string(line))...)
		}
		line = append(line, '\n')
		switch {
		case *hexASCIILink:
			line = capture.AppendHex(line, p.Frame)
		case *hexLink:
			line = capture.AppendHexOnly(line, p.Frame)
		case *hexASCII:
			line = capture.AppendHex(line, p.IP())
		case *hex:
			line = capture.AppendHexOnly(line, p.IP())
		}
		if *ascii && len(p.Payload) > 0 {
			// The payload's own line breaks and tabs lay it out.
			line = append(line, visible.Lines(string(p.Payload))...)
			if line[len(line)-1] != '\n' {
				line = append(line, '\n')
			}
		}
		out.Write(line)
		if pw != nil {
			werr := pw.WritePacket(&p)
			if errors.Is(werr, capture.ErrOtherLink) {
				// A pcapng file of several link types: the pcap
				// file keeps those of the first interface's.
				otherLink++
			} else if werr != nil {
				err = fmt.Errorf("writing %s: %w", visible.String(*write), werr)
				break
			}
		}
	}
	if err == io.EOF {
		err = nil
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if pw != nil {
		if ferr := pw.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("writing %s: %w", visible.String(*write), ferr)
		}
	}
	src.Close()
	st := src.Stats()
	if *read != "" {
		fmt.Fprintf(stderr, "%d packets read from %s\n", n, visible.String(*read))
		if u := src.Unread(); u != "" {
			fmt.Fprintf(stderr, "inspect: %s\n", visible.String(u))
		}
		if src.LinkType() == capture.LinkLinuxSLL2 {
			// As tcpdump warns: the file holds interface numbers, and
			// their names are looked up on this machine.
			fmt.Fprintf(stderr, "inspect: interface names are this machine's for the "+
				"file's interface numbers: they may be wrong for a capture made elsewhere\n")
		}
		if otherLink > 0 {
			fmt.Fprintf(stderr, "inspect: %d packets not written to %s: a pcap file holds "+
				"one link type, here %s, and they are of another\n",
				otherLink, visible.String(*write), src.LinkType())
		}
	} else {
		fmt.Fprintf(stderr, "%d packets captured, %d dropped by kernel\n", n, st.Drops)
	}
	return err
}

// createError is the error of -w's capture.Create, with -force
// suggested for a file that exists when it was not given. With -force,
// a file that exists was made again between the old one's removal and
// the new one's creation: adding -force would not help.
func createError(err error, force bool) error {
	if errors.Is(err, capture.ErrExists) && !force {
		return fmt.Errorf("-w %w, or add -force to replace it", err)
	}
	return err
}

// flushWriter is a buffered writer that another goroutine may flush.
type flushWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (f *flushWriter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(b)
}

func (f *flushWriter) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Flush()
}

// flushEvery flushes f every interval until stop is closed.
func (f *flushWriter) flushEvery(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.Flush()
		case <-stop:
			return
		}
	}
}

// openPackets opens the packets of inspect packets and inspect follow:
// the file read when it is not empty, else a live capture on iface. The
// ports (when given) and expr choose the packets, in the kernel live and
// in user space on a file; the ports also tell client from server.
func openPackets(read, iface string, ports *portList, expr *filter.Expr) (*capture.Source, error) {
	if read != "" {
		src, err := capture.OpenFile(read)
		if err != nil {
			return nil, err
		}
		if ports.set {
			src.SetPorts(ports.ports)
		}
		src.SetFilter(expr)
		return src, nil
	}
	src, err := capture.Live(capture.Config{Interface: iface,
		Ports: filterPorts(ports, expr), Filter: expr})
	if errors.Is(err, capture.ErrPermission) {
		return nil, fmt.Errorf("%w\n\n%s", err, capture.PermissionHelp())
	}
	if err != nil {
		return nil, err
	}
	if !ports.set {
		// The default port still tells client from server.
		src.SetPorts(ports.ports)
	}
	return src, nil
}

// closeOnCancel closes src when ctx is done: closing the source is how a
// waiting Next is interrupted. The caller closes the channel it returns
// when it has finished with src, which ends the watch.
func closeOnCancel(ctx context.Context, src *capture.Source) chan struct{} {
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			src.Close()
		case <-stopped:
		}
	}()
	return stopped
}
