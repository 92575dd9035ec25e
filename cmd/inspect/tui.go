// The terminal UI: `inspect` with no command.
//
// Other commands open the TUI on what they run by building a tuiConfig
// and calling runTUIConfig, which blocks until the user quits (q, Ctrl-C)
// or ctx is cancelled, and then returns what broke the pcap file being
// shown, if anything did, or nil. The demo, for example:
//
//	err := runTUIConfig(ctx, tuiConfig{
//		Ports:    []int{d.Port()},
//		Paths:    []string{d.Path(), d.TapPath()},
//		Contrast: contrast,
//		Taps: []tuiTap{{Listen: d.TapPath(), To: d.Path(),
//			Events: d.TapEvents(1024)}},
//	}, stdout, stderr)
//
// A tuiTap with Events set is a relay someone else runs; without Events
// the TUI starts the relay itself, as `-tap L=T` does, and removes its
// socket file when it ends. A test passes a simulation screen through
// runTUIConfigWith(ctx, cfg, stdout, stderr, tuiEnv{screen: s}).

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"golang.org/x/term"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/stream"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/ui"
	"github.com/socketlab/socketlab/inspect/visible"
)

// tuiSocketsEvery is how often the TUI reads the socket table: often
// enough that a socket seen in a class shows on the screen within a
// second.
const tuiSocketsEvery = 500 * time.Millisecond

// tuiConfig says what the TUI watches and how it looks. The TUI's flags
// fill one; other commands build one and call runTUIConfig. Zero fields
// take the flags' defaults (lo, DefaultRingSize, the default theme).
type tuiConfig struct {
	Ports []int    // TCP ports to watch: socket table and capture filter
	Paths []string // Unix socket paths whose sockets the table shows
	All   bool     // every TCP and Unix socket, every TCP packet
	Iface string   // the interface to capture on; "" is lo
	File  string   // a pcap file to show instead of capturing
	Ring  int      // packets kept; 0 is ui.DefaultRingSize

	Contrast bool // the high-contrast theme, for projectors
	Compare  bool // open on the compare view (TCP beside IPC)

	// Taps are relays whose traffic the Packets, Bytes and Stream panes
	// show beside the captured packets.
	Taps []tuiTap
}

// tuiTap is one tap relay the TUI shows. With Events nil the TUI starts
// the relay itself (tap.Listen on Listen, forwarding to To) and stops it,
// removing its socket file, when it ends. With Events set, someone else
// runs the relay: the TUI only reads Events until the channel is closed
// or the TUI ends, and Listen and To only name the relay (and its socket
// file is added to the socket table's paths).
type tuiTap struct {
	Listen, To string
	Events     <-chan tap.Event
}

// tuiEnv is what runTUI takes from the outside world; tests replace the
// screen and the terminal check.
type tuiEnv struct {
	screen     tcell.Screen                // nil: the real terminal
	isTerminal func(stdout io.Writer) bool // nil: tuiIsTerminal
	ready      func(*tview.Application)    // called before Run, for tests
}

// runTUI opens the terminal UI: the socket table, the packets on the
// wire, the selected packet's bytes and the conversation. When the user
// quits (q, Ctrl-C) or ctx is cancelled (SIGTERM), it stops every
// goroutine, restores the terminal and returns nil, or the error that
// broke the -r file while it was shown.
func runTUI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runTUIWith(ctx, args, stdout, stderr, tuiEnv{})
}

// runTUIWith is runTUI with the screen and the terminal check taken from env.
func runTUIWith(ctx context.Context, args []string, stdout, stderr io.Writer, env tuiEnv) error {
	cfg, err := parseTUIFlags(args, stdout)
	if err != nil {
		return err
	}
	return runTUIConfigWith(ctx, cfg, stdout, stderr, env)
}

// runTUIConfig opens the terminal UI on what cfg describes, as runTUI
// does after parsing its flags: it refuses a stdout that is not a
// terminal, starts the relays of cfg.Taps that need starting, and returns
// nil when the user quits or ctx is cancelled, once every goroutine it
// started has ended, every relay it started is closed (its socket file
// removed) and the terminal is restored. Errors before the screen opens
// (a bad pcap file, a tap that cannot listen) are returned as they are;
// a pcap file found broken while it is shown is reported in the status
// bar and returned once the user quits.
func runTUIConfig(ctx context.Context, cfg tuiConfig, stdout, stderr io.Writer) error {
	return runTUIConfigWith(ctx, cfg, stdout, stderr, tuiEnv{})
}

// runTUIConfigWith is runTUIConfig with the screen and the terminal check
// taken from env.
func runTUIConfigWith(ctx context.Context, cfg tuiConfig, stdout, stderr io.Writer, env tuiEnv) error {
	cfg = cfg.withDefaults()
	isTerminal := env.isTerminal
	if isTerminal == nil {
		isTerminal = tuiIsTerminal
	}
	if env.screen == nil && !isTerminal(stdout) {
		return errors.New("the terminal UI needs a terminal, and standard output " +
			"is not one; for scripts and pipes use `inspect sockets` (the socket " +
			"table) or `inspect packets` (one line per packet)")
	}
	relays, err := startTUITaps(cfg.Taps)
	if err != nil {
		return err
	}
	relaysOpen := true
	closeRelays := func() {
		if relaysOpen {
			for _, r := range relays {
				if r != nil {
					r.Close()
				}
			}
			relaysOpen = false
		}
	}
	defer closeRelays()
	src, status, err := openTUISource(cfg)
	if err != nil {
		return err
	}
	if len(cfg.Taps) > 0 {
		status.Source += fmt.Sprintf(" + %d tap", len(cfg.Taps))
		if len(cfg.Taps) > 1 {
			status.Source += "s"
		}
	}

	// The flusher feeds the reassembly; the Stream pane reads snapshots
	// of the conversation it shows.
	var tracked []int
	if !cfg.All {
		tracked = cfg.Ports
	}
	tracker := stream.New(stream.Config{Ports: tracked,
		MaxBytes: ui.DefaultStreamBytes, MaxConversations: ui.DefaultStreams})
	theme := ui.DefaultTheme()
	if cfg.Contrast {
		theme = ui.HighContrastTheme()
	}
	u := ui.New(ui.Options{
		RingSize:      cfg.Ring,
		ServerPorts:   cfg.Ports,
		Conversations: tracker,
		SocketsHint:   tuiSocketsHint(cfg),
		PacketsHint:   tuiPacketsHint(cfg),
		TapHint:       tuiTapHint(cfg),
		Theme:         theme,
		Compare:       cfg.Compare,
	})
	u.Model().SetStatus(status)
	app := tview.NewApplication().SetRoot(u, true)
	if env.screen != nil {
		app.SetScreen(env.screen)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.Quit = cancel
	app.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyCtrlC { // tview would stop by itself
			cancel()
			return nil
		}
		return ev
	})
	if src != nil {
		// Read now: the source's LinkType belongs to the reading goroutine.
		link, snap := src.LinkType(), src.SnapLen()
		u.Save = func(ps []capture.Packet) (string, error) { return tuiSavePcap(link, snap, ps) }
	}

	b := ui.NewBatcher(cfg.Ring, 0)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tuiPollSockets(ctx, b, tuiSocketFilter(cfg), src)
	}()
	var readErr error // what broke the source, returned once the UI ends
	if src != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readErr = tuiReadPackets(ctx, src, b, status, cfg.File != "")
		}()
	}
	for i, t := range cfg.Taps {
		name, events := tuiTapName(t), t.Events
		if relays[i] != nil {
			r := relays[i]
			events = r.Events()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.Serve(ctx) // closes events when it returns
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tuiReadTap(ctx, name, events, b)
		}()
	}

	// The flusher is the only goroutine that touches the application.
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		tuiFlush(ctx, b, tracker, app, u)
	}()
	// Stop the application only once the flusher is out of
	// QueueUpdateDraw, which would otherwise wait for a loop that is gone,
	// and from inside the event loop, so that a stop requested before Run
	// has started is not lost.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		<-flushed
		app.QueueUpdate(func() { app.Stop() })
	}()

	if env.ready != nil {
		env.ready(app)
	}
	runErr := app.Run()
	cancel()
	if src != nil {
		src.Close() // wakes a Next waiting for a packet
	}
	closeRelays()
	wg.Wait()
	if runErr != nil {
		// The event loop never ran: the flusher may be stuck in
		// QueueUpdateDraw, so do not wait for it.
		return fmt.Errorf("terminal UI: %w", runErr)
	}
	<-stopped
	return readErr
}

func (c tuiConfig) withDefaults() tuiConfig {
	if c.Iface == "" {
		c.Iface = "lo"
	}
	if c.Ring <= 0 {
		c.Ring = ui.DefaultRingSize
	}
	return c
}

// startTUITaps listens for every tap that has no Events of its own. The
// returned slice has one entry per tap, nil for those run elsewhere. On
// error it closes what it opened.
func startTUITaps(taps []tuiTap) ([]*tap.Relay, error) {
	relays := make([]*tap.Relay, len(taps))
	for i, t := range taps {
		if t.Events != nil {
			continue
		}
		r, err := tap.Listen(tap.Config{Listen: t.Listen, To: t.To})
		if err != nil {
			for _, o := range relays[:i] {
				if o != nil {
					o.Close()
				}
			}
			return nil, fmt.Errorf("-tap %s=%s: %w", visible.String(t.Listen), visible.String(t.To), err)
		}
		relays[i] = r
	}
	return relays, nil
}

// tuiTapName names a tap in the panes: where clients connect and where
// the relay forwards them.
func tuiTapName(t tuiTap) string { return t.Listen + " → " + t.To }

// tuiReadTap hands the events of one tap to b until events is closed or
// ctx is done.
func tuiReadTap(ctx context.Context, name string, events <-chan tap.Event, b *ui.Batcher) {
	var one [1]ui.TapEvent
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			one[0] = ui.TapEvent{Tap: name, Event: ev}
			b.AddTapEvents(one[:])
		}
	}
}

// tuiSocketFilter selects the sockets of the ports, the paths and the
// taps' listening sockets.
func tuiSocketFilter(cfg tuiConfig) sockets.Filter {
	f := sockets.Filter{Ports: slices.Clone(cfg.Ports), Paths: slices.Clone(cfg.Paths), All: cfg.All}
	for _, t := range cfg.Taps {
		for _, s := range []string{t.Listen, t.To} {
			a, err := tap.ParseAddr(s)
			if err != nil {
				continue
			}
			if a.Network == "unix" && !slices.Contains(f.Paths, a.Address) {
				f.Paths = append(f.Paths, a.Address)
			}
			if a.Network == "tcp" {
				if _, port, err := net.SplitHostPort(a.Address); err == nil {
					if n, err := strconv.Atoi(port); err == nil && n > 0 && !slices.Contains(f.Ports, n) {
						f.Ports = append(f.Ports, n)
					}
				}
			}
		}
	}
	return f
}

// tuiFlush hands what the sources sent to the UI until ctx is done: one
// QueueUpdateDraw per tick at most, so the screen is redrawn at most 20
// times a second whatever the packet rate. On the way it feeds the
// packets to the stream tracker, so that neither the capture reader nor
// the UI goroutine pays for the reassembly.
func tuiFlush(ctx context.Context, b *ui.Batcher, tr *stream.Tracker, app *tview.Application, u *ui.UI) {
	tick := time.NewTicker(ui.FrameInterval)
	defer tick.Stop()
	var lastFlush time.Time
	b.Run(ctx, tick.C, func(batch *ui.Batch) {
		for i := range batch.Packets {
			p := &batch.Packets[i]
			tr.Add(p)
			// Now and then, by the capture's clock, let the reassembly
			// give up on segments it still waits for.
			if p.Time.Sub(lastFlush) > time.Second {
				tr.Flush(p.Time.Add(-2 * time.Second))
				lastFlush = p.Time
			}
		}
		if batch.Status != nil && batch.Status.Done {
			tr.FlushAll()
		}
		app.QueueUpdateDraw(func() { u.Apply(batch) })
	})
}

// parseTUIFlags parses the TUI's flags; errors are usage errors. With -h
// it prints the command's usage and the TUI's flags on stdout and
// returns flag.ErrHelp.
func parseTUIFlags(args []string, stdout io.Writer) (tuiConfig, error) {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ports := &portList{ports: []int{3008}}
	fs.Var(ports, "port", "TCP `port`s to watch (repeatable, or a list like 3008,3009)")
	paths := &pathList{paths: defaultSocketsPaths()}
	fs.Var(paths, "path", "Unix socket `path` to watch (repeatable)")
	all := fs.Bool("all", false, "show every TCP and Unix socket and every TCP packet")
	iface := fs.String("i", "lo", "capture on interface `IFACE`")
	file := fs.String("r", "", "show the packets of pcap `FILE` instead of capturing")
	ring := fs.Int("ring", ui.DefaultRingSize, "keep the newest `N` packets")
	var taps tuiTaps
	fs.Var(&taps, "tap", "relay `L=T` (socket path or host:port each) and show its bytes "+
		"beside the packets (repeatable)")
	contrast := fs.Bool("contrast", false, "high-contrast colours for projectors")
	compare := fs.Bool("compare", false, "open on the compare view: a TCP and an IPC connection side by side")
	help := func() string {
		var b strings.Builder
		b.WriteString(usage)
		b.WriteString("\nflags of the terminal UI (inspect with no command):\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return b.String()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, help())
			return tuiConfig{}, err
		}
		return tuiConfig{}, usageError{fmt.Errorf("%v\n\n%s", err, help())}
	}
	if fs.NArg() > 0 {
		return tuiConfig{}, usageError{fmt.Errorf("unexpected argument %s\n\n%s", visible.Quote(fs.Arg(0)), help())}
	}
	if *ring < 1 {
		return tuiConfig{}, usageError{fmt.Errorf("-ring %d: keep at least 1 packet", *ring)}
	}
	return tuiConfig{Ports: ports.ports, Paths: paths.paths, All: *all, Iface: *iface,
		File: *file, Ring: *ring, Contrast: *contrast, Compare: *compare, Taps: taps}, nil
}

// tuiTaps is the TUI's -tap flag: repeatable, each value L=T.
type tuiTaps []tuiTap

func (t *tuiTaps) String() string {
	if t == nil {
		return ""
	}
	s := make([]string, len(*t))
	for i, x := range *t {
		s[i] = x.Listen + "=" + x.To
	}
	return strings.Join(s, " ")
}

func (t *tuiTaps) Set(v string) error {
	l, to, ok := strings.Cut(v, "=")
	if !ok || l == "" || to == "" {
		return fmt.Errorf("%s: want LISTEN=TARGET, for example %s",
			visible.Quote(v), visible.String(tapExample(defaultSocketsPaths()[0])))
	}
	for _, a := range []string{l, to} {
		if _, err := tap.ParseAddr(a); err != nil {
			return err
		}
	}
	*t = append(*t, tuiTap{Listen: l, To: to})
	return nil
}

// openTUISource opens the pcap file or the live capture. Without the
// capture privilege it returns no source and a status that says how to
// get it: the TUI still shows the socket table.
func openTUISource(cfg tuiConfig) (*capture.Source, ui.Status, error) {
	st := ui.Status{Filter: tuiFilterText(cfg)}
	if cfg.File != "" {
		src, err := capture.OpenFile(cfg.File)
		if err != nil {
			return nil, st, err
		}
		if !cfg.All {
			src.SetPorts(cfg.Ports)
		}
		st.Source, st.Capture, st.File = "file "+cfg.File, "reading", true
		st.LinkType = src.LinkType().String()
		return src, st, nil
	}
	st.Source = "live " + cfg.Iface
	var ports []int
	if !cfg.All {
		ports = cfg.Ports
	}
	src, err := capture.Live(capture.Config{Interface: cfg.Iface, Ports: ports})
	switch {
	case errors.Is(err, capture.ErrPermission):
		st.Capture = "capture off: no CAP_NET_RAW"
		st.Problem = "capture is off (no CAP_NET_RAW): " + capture.SetcapCommand() +
			", or sudo; `go run` loses it — see docs/inspect.md"
		st.Help = capture.PermissionHelp()
		return nil, st, nil
	case err != nil:
		return nil, st, err
	}
	st.Capture, st.LinkType = "capturing", src.LinkType().String()
	return src, st, nil
}

// tuiPollSockets reads the socket table, and the capture's counters, until
// ctx is done. It passes them on only when they changed, so that an idle
// screen is not redrawn.
func tuiPollSockets(ctx context.Context, b *ui.Batcher, f sockets.Filter, src *capture.Source) {
	t := time.NewTicker(tuiSocketsEvery)
	defer t.Stop()
	var last []sockets.Socket
	var lastStats capture.Stats
	for first := true; ; first = false {
		if snap, err := sockets.Read(f); err == nil && (first || !slices.Equal(snap.Sockets, last)) {
			b.SetSockets(snap)
			last = snap.Sockets
		}
		if src != nil {
			if st := src.Stats(); st != lastStats {
				b.SetStats(st)
				lastStats = st
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tuiReadPackets hands every packet of src to b until src ends or is
// closed. A file waits for the UI to keep up, so that nothing is dropped;
// a live capture never waits, since the kernel would drop packets instead.
// It returns the error that stopped src, if one did: a broken file, a
// capture that failed.
func tuiReadPackets(ctx context.Context, src *capture.Source, b *ui.Batcher, st ui.Status, file bool) error {
	var one [1]capture.Packet
	for {
		if file {
			b.WaitRoom(ctx)
		}
		err := src.Next(&one[0])
		if err != nil {
			switch {
			case errors.Is(err, io.EOF) && file:
				st.Capture, st.Done = "end of file", true
				st.Problem = src.Unread()
				err = nil
			case errors.Is(err, io.EOF):
				return nil // closed: the TUI is stopping
			default:
				st.Capture, st.Problem, st.Done = "stopped", err.Error(), true
			}
			b.SetStats(src.Stats())
			b.SetStatus(st)
			return err
		}
		b.AddPackets(one[:]) // copies the payload, which src will reuse
	}
}

// tuiSavePcap writes ps to a new pcap file in the current directory, or in
// the temporary directory if that fails, and returns its path. The file
// is made as inspect packets -w makes one (capture.Create): readable by
// its owner alone, never through a symbolic link, never over a file that
// exists. It runs on the UI goroutine.
func tuiSavePcap(link capture.LinkType, snapLen int, ps []capture.Packet) (string, error) {
	name := "inspect-" + time.Now().Format("20060102-150405") + ".pcap"
	f, err := capture.Create(name, capture.CreateOptions{})
	if err != nil {
		name = filepath.Join(os.TempDir(), name)
		if f, err = capture.Create(name, capture.CreateOptions{}); err != nil {
			return "", err
		}
	}
	w, err := capture.NewWriter(f, link, snapLen)
	if err == nil {
		for i := range ps {
			if err = w.WritePacket(&ps[i]); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return name, nil
}

// tuiFilterText describes what the TUI watches, for the status bar.
func tuiFilterText(cfg tuiConfig) string {
	if cfg.All {
		return "all sockets, all TCP"
	}
	ps := make([]string, len(cfg.Ports))
	for i, p := range cfg.Ports {
		ps[i] = strconv.Itoa(p)
	}
	f := "tcp port " + strings.Join(ps, ",")
	if len(cfg.Paths) > 0 {
		f += " + unix " + strings.Join(cfg.Paths, ",")
	}
	return f
}

// tuiSocketsHint says what to run when no socket matches.
func tuiSocketsHint(cfg tuiConfig) string {
	if cfg.All {
		return "no TCP or Unix socket found"
	}
	var where []string
	for _, p := range cfg.Ports {
		where = append(where, ":"+strconv.Itoa(p))
	}
	on := strings.Join(where, ", ")
	if len(cfg.Paths) > 0 {
		on += " or " + strings.Join(cfg.Paths, ", ")
	}
	return "no server on " + on +
		" — try `go run ./labs/05-broadcast server` (TCP) or " +
		"`go run ./labs/07-ipc server` (Unix)"
}

// tuiTapHint returns the -tap value that the compare view suggests for
// watching a Unix socket: the first tap the TUI shows that listens on a
// socket path, else one beside the first path watched, else "" (the
// view then writes a placeholder).
func tuiTapHint(cfg tuiConfig) string {
	for _, t := range cfg.Taps {
		if a, err := tap.ParseAddr(t.Listen); err == nil && a.Network == "unix" {
			return t.Listen + "=" + t.To
		}
	}
	if len(cfg.Paths) > 0 {
		return tapExample(cfg.Paths[0])
	}
	return ""
}

// tuiPacketsHint says how to make packets appear.
func tuiPacketsHint(cfg tuiConfig) string {
	if cfg.File != "" {
		return "no TCP packets in " + cfg.File + " match"
	}
	port := 3008
	if len(cfg.Ports) > 0 {
		port = cfg.Ports[0]
	}
	hint := fmt.Sprintf("no packets yet — connect a client: nc 127.0.0.1 %d", port)
	for _, t := range cfg.Taps {
		if a, err := tap.ParseAddr(t.Listen); err == nil && a.Network == "unix" {
			hint += "; through the tap: nc -U " + a.Address
			break
		}
	}
	return hint
}

// tuiIsTerminal reports whether w is a terminal.
func tuiIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
