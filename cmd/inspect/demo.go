package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/socketlab/socketlab/inspect/app"
	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/demo"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
)

const demoUsage = `usage: inspect demo [-pace D] [-once] [-no-ui] [-contrast] [-compare]

Run the lab 09 chat room in this process, on a free TCP port and a
temporary Unix socket, with a tap relay in front of the socket, and
scripted clients talking through all three: Ada over TCP, Linus over the
Unix socket, Grace over the Unix socket through the tap. Then a visitor
drops in every few steps, until you quit (q or Ctrl-C).

The terminal UI shows the room's sockets, the TCP packets on lo (with
CAP_NET_RAW: root, or a built binary given it with setcap) and the tap's
bytes; -compare opens it on the compare view, a TCP connection beside
an IPC one (v switches). With -no-ui, or when standard output is not a
terminal, it prints what every client says and hears, every chunk the
tap relays, and the commands that show the same room in the inspector
from another terminal. q or Ctrl-C stops everything and removes the
socket files.

flags:
`

// demoConfig is what the demo's flags say.
type demoConfig struct {
	pace     time.Duration
	once     bool
	noUI     bool
	contrast bool
	compare  bool
}

// runDemo runs the classroom demo and opens the terminal UI on it, or
// prints a plain log with -no-ui or when stdout is not a terminal. It
// returns nil when the user quits the UI (q), when ctx is done (Ctrl-C,
// SIGTERM) or, with -once, when the conversation is over, once
// everything it started has stopped.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runDemoWith(ctx, args, stdout, stderr, tuiEnv{})
}

// runDemoWith is runDemo with the UI's screen and terminal check taken
// from env.
func runDemoWith(ctx context.Context, args []string, stdout, stderr io.Writer, env tuiEnv) error {
	cfg, err := parseDemoFlags(args, stdout)
	if err != nil {
		return err
	}
	d, err := demo.Start(ctx, demo.Config{Pace: cfg.pace, Once: cfg.once})
	if err != nil {
		return err
	}
	defer d.Stop()

	isTerminal := env.isTerminal
	if isTerminal == nil {
		isTerminal = demoIsTerminal
	}
	switch {
	case cfg.noUI:
		demoPlain(stdout, d, "-no-ui")
	case env.screen == nil && !isTerminal(stdout):
		demoPlain(stdout, d, "standard output is not a terminal")
	default:
		if err := demoTUI(ctx, d, cfg, stdout, stderr, env); err != nil {
			return err
		}
	}
	if err := d.Stop(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	room, relay := d.RoomStats(), d.TapStats()
	fmt.Fprintf(stdout, "demo: stopped after %d clients joined and %d "+
		"chat lines; the tap relayed %d bytes c>s and %d bytes s>c\n",
		room.Joined, room.Messages, relay.ClientToServer, relay.ServerToClient)
	return nil
}

// demoTUI shows d in the terminal UI until the user quits, ctx is done,
// or the demo stops by itself (-once, or a failure).
func demoTUI(ctx context.Context, d *demo.Demo, cfg demoConfig, stdout, stderr io.Writer, env tuiEnv) error {
	ctx, cancel := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-d.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	defer func() {
		cancel()
		<-watched
	}()
	f := d.Filter()
	return app.Run(ctx, app.Config{
		Ports:    f.Ports,
		Paths:    f.Paths,
		Contrast: cfg.contrast,
		Compare:  cfg.compare,
		Taps: []app.Tap{{Listen: d.TapPath(), To: d.Path(),
			Events: d.TapEvents(4096)}},
	}, stdout, env.app())
}

// demoPlain prints where the demo runs, then its log until it stops.
func demoPlain(stdout io.Writer, d *demo.Demo, why string) {
	demoHeader(stdout, d, why)
	demoLog(stdout, d.Lines(1024), d.TapEvents(1024))
}

// parseDemoFlags parses the demo's flags; errors are usage errors.
func parseDemoFlags(args []string, stdout io.Writer) (demoConfig, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pace := fs.Duration("pace", demo.DefaultPace, "pause `D` before each step of the conversation")
	once := fs.Bool("once", false, "play the opening conversation once, then stop")
	noUI := fs.Bool("no-ui", false, "print a plain log instead of opening the terminal UI")
	contrast := fs.Bool("contrast", false, "high-contrast colours for projectors (terminal UI)")
	compare := fs.Bool("compare", false, "open the terminal UI on the compare view: "+
		"a TCP and an IPC connection side by side (v switches)")
	help := func() string {
		var b strings.Builder
		b.WriteString(demoUsage)
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return b.String()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, help())
			return demoConfig{}, err
		}
		return demoConfig{}, usageError{fmt.Errorf("demo: %v\n\n%s", err, help())}
	}
	switch {
	case fs.NArg() > 0:
		return demoConfig{}, usageError{fmt.Errorf("demo: unexpected argument %s\n\n%s", visible.Quote(fs.Arg(0)), help())}
	case *pace <= 0:
		return demoConfig{}, usageError{fmt.Errorf("demo: -pace %v: want a pause such as 1.5s or 200ms", *pace)}
	}
	return demoConfig{pace: *pace, once: *once, noUI: *noUI, contrast: *contrast,
		compare: *compare}, nil
}

// demoHeader says where the demo runs and how to watch it from another
// terminal.
func demoHeader(w io.Writer, d *demo.Demo, why string) {
	port, path, tapPath := d.Port(), visible.String(d.Path()), visible.String(d.TapPath())
	fmt.Fprintf(w, "inspect demo: the lab 09 chat with scripted clients (%s: plain log)\n", why)
	fmt.Fprintf(w, "  tcp door   %v\n", d.Addr())
	fmt.Fprintf(w, "  unix door  %s\n", path)
	fmt.Fprintf(w, "  tap        %s -> %s\n", tapPath, path)
	fmt.Fprintf(w, "  capture    %s\n", demoCaptureState(port))
	// The same binary, where it lasts: one given CAP_NET_RAW captures
	// there too.
	run := capture.RunCommand()
	fmt.Fprintf(w, "Watch it in another terminal (the tap runs in this process, so its\n")
	fmt.Fprintf(w, "bytes show only here; the second -path lists its sockets there):\n")
	fmt.Fprintf(w, "  %s -port %d -path %s -path %s\n", run, port, path, tapPath)
	fmt.Fprintf(w, "  %s sockets -port %d -path %s -path %s\n", run, port, path, tapPath)
	fmt.Fprint(w, demoCaptureHint(capture.Host, run))
	fmt.Fprintf(w, "Join the chat yourself:\n")
	fmt.Fprintf(w, "  nc 127.0.0.1 %d\n", port)
	fmt.Fprintf(w, "  nc -U %s\n", path)
	fmt.Fprintf(w, "  nc -U %s   (through the tap: your bytes show here)\n", tapPath)
	fmt.Fprintf(w, "tap: %s\n", tap.Banner)
	fmt.Fprintf(w, "Ctrl-C stops.\n\n")
}

// demoCaptureHint returns the lines, if any, that say what capturing
// needs in the other terminal on the platform p, where run starts the
// inspector.
func demoCaptureHint(p capture.Platform, run string) string {
	switch {
	case !p.Live:
		return "  (there is no live capture here: the tap shows the bytes)\n"
	case p.OS != "linux":
		return "  (capturing packets there needs " + p.Needs + ")\n"
	case strings.HasPrefix(run, "go run "):
		return "  (capturing packets there needs root, or a binary built with\n" +
			"  go build -o bin/inspect ./cmd/inspect and given CAP_NET_RAW as\n" +
			"  \"Running without root\" in docs/inspect.md shows)\n"
	}
	return ""
}

// demoCaptureState says whether the terminal UI could capture the
// loopback interface here. It opens a capture for a moment to find out.
func demoCaptureState(port int) string {
	src, err := capture.Live(capture.Config{Interface: capture.Host.Loopback, Ports: []int{port}})
	if err == nil {
		src.Close()
	}
	return demoCaptureText(err, capture.Host)
}

// demoCaptureText says what a capture that opened with err on the
// platform p means for the demo's UI.
func demoCaptureText(err error, p capture.Platform) string {
	switch {
	case err == nil && p.OS == "linux":
		return "on: the UI captures lo (this process has CAP_NET_RAW)"
	case err == nil:
		return "on: the UI captures " + p.Loopback
	case errors.Is(err, capture.ErrPermission):
		return "off: " + p.Lacks + ", so the UI shows the tap only; to capture: " +
			capture.SetcapCommand()
	case errors.Is(err, capture.ErrUnsupported):
		return "off: " + err.Error() + "; the UI shows the tap's bytes instead"
	}
	return "off: " + err.Error()
}

// demoLog prints the demo's log lines and tap events as they come, until
// both channels are closed (the demo has stopped). When both have
// something waiting, the older goes first.
func demoLog(w io.Writer, lines <-chan demo.Line, taps <-chan tap.Event) {
	var l *demo.Line
	var ev *tap.Event
	for lines != nil || taps != nil || l != nil || ev != nil {
		if l == nil && ev == nil {
			// Nothing in hand: wait for either.
			select {
			case v, ok := <-lines:
				l, lines = demoTake(v, ok, lines)
			case v, ok := <-taps:
				ev, taps = demoTake(v, ok, taps)
			}
		}
		// Take what the other channel already holds, without waiting.
		if l == nil && lines != nil {
			select {
			case v, ok := <-lines:
				l, lines = demoTake(v, ok, lines)
			default:
			}
		}
		if ev == nil && taps != nil {
			select {
			case v, ok := <-taps:
				ev, taps = demoTake(v, ok, taps)
			default:
			}
		}
		switch {
		case l != nil && (ev == nil || !ev.Time.Before(l.Time)):
			demoPrintLine(w, *l)
			l = nil
		case ev != nil:
			demoPrintTap(w, *ev)
			ev = nil
		}
	}
}

// demoTake returns a pointer to a received value, or nil and a nil
// channel once ch is closed.
func demoTake[T any](v T, ok bool, ch <-chan T) (*T, <-chan T) {
	if !ok {
		return nil, nil
	}
	return &v, ch
}

// demoPrintLine prints one line of the chat log, its text shown literally
// (visible.String): anyone may join the room and say anything.
func demoPrintLine(w io.Writer, l demo.Line) {
	if l.Dropped > 0 {
		fmt.Fprintf(w, "demo: %d log lines dropped here: output too slow\n", l.Dropped)
	}
	at := l.Time.Format("15:04:05.000")
	mark := map[demo.LineKind]string{demo.Sent: "> ", demo.Received: "< "}[l.Kind]
	if l.Kind == demo.Room {
		fmt.Fprintf(w, "%s %-13s %s\n", at, "room", visible.String(l.Text))
		return
	}
	fmt.Fprintf(w, "%s %-7s %-5s %s%s\n", at, visible.String(l.Client), l.Door, mark,
		visible.String(l.Text))
}

// demoMaxShown is how many bytes of a tap chunk the log shows.
const demoMaxShown = 120

// demoPrintTap prints one tap event on one line, its addresses and error
// shown literally (visible.String) and its data quoted (visible.Quote).
func demoPrintTap(w io.Writer, ev tap.Event) {
	if ev.Dropped > 0 {
		fmt.Fprintf(w, "tap: %d events dropped here: output too slow\n", ev.Dropped)
	}
	head := fmt.Sprintf("%s tap #%-3d", ev.Time.Format("15:04:05.000"), ev.Conn)
	switch ev.Kind {
	case tap.Open:
		fmt.Fprintf(w, "%s open: client %s -> server %s\n", head,
			visible.String(ev.Client), visible.String(ev.Server))
	case tap.Data:
		data, more := ev.Data, ""
		if len(data) > demoMaxShown {
			data, more = data[:demoMaxShown], "..."
		}
		fmt.Fprintf(w, "%s %s %d bytes %s%s\n", head, ev.Dir, ev.Len, visible.Quote(string(data)), more)
	case tap.HalfClose:
		// The demo's tap relays one Unix socket to another.
		fmt.Fprintf(w, "%s half-close %s: %s\n", head, ev.Dir,
			tap.HalfCloseNote(ev.Dir, "unix", "unix"))
	default:
		fmt.Fprintf(w, "%s %v", head, ev.Kind)
		if ev.Dir != 0 {
			fmt.Fprintf(w, " %s", ev.Dir)
		}
		if ev.Err != nil {
			fmt.Fprintf(w, ": %s", visible.String(ev.Err.Error()))
		}
		fmt.Fprintln(w)
	}
}

// demoIsTerminal reports whether w is a terminal.
func demoIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
