// The terminal UI: `inspect` with no command. This file parses its
// flags; package app runs it.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/app"
	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/ui"
	"github.com/socketlab/socketlab/inspect/visible"
)

// tuiEnv is what runTUI takes from the outside world; tests replace the
// screen and the terminal check.
type tuiEnv struct {
	screen     tcell.Screen                // nil: the real terminal
	isTerminal func(stdout io.Writer) bool // nil: check stdout
	ready      func(*tview.Application)    // called before Run, for tests
}

// app returns env as package app takes it.
func (env tuiEnv) app() app.Env {
	return app.Env{RunEnv: ui.RunEnv{Screen: env.screen, Ready: env.ready},
		IsTerminal: env.isTerminal}
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
	return app.Run(ctx, cfg, stdout, env.app())
}

// parseTUIFlags parses the TUI's flags; errors are usage errors. With -h
// it prints the command's usage and the TUI's flags on stdout and
// returns flag.ErrHelp.
func parseTUIFlags(args []string, stdout io.Writer) (app.Config, error) {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ports := &portList{ports: []int{3008}}
	fs.Var(ports, "port", "TCP `port`s to watch (repeatable, or a list like 3008,3009)")
	paths := &pathList{paths: defaultSocketsPaths()}
	fs.Var(paths, "path", "Unix socket `path` to watch (repeatable)")
	all := fs.Bool("all", false, "show every TCP and Unix socket and every TCP packet")
	iface := fs.String("i", capture.Host.Loopback, "capture on interface `IFACE`")
	file := fs.String("r", "", "show the packets of pcap `FILE` instead of capturing")
	ring := fs.Int("ring", ui.DefaultRingSize, "keep the newest `N` packets: listed, held while paused, saved by w")
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
		b.WriteString(filterHelp)
		return b.String()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, help())
			return app.Config{}, err
		}
		return app.Config{}, usageError{fmt.Errorf("%v\n\n%s", err, help())}
	}
	expr, err := parseExpression(fs.Args())
	if err != nil {
		return app.Config{}, usageError{err}
	}
	if *ring < 1 {
		return app.Config{}, usageError{fmt.Errorf("-ring %d: keep at least 1 packet", *ring)}
	}
	return app.Config{Ports: ports.ports, Paths: paths.paths, All: *all, Iface: *iface,
		File: *file, Ring: *ring, Contrast: *contrast, Compare: *compare, Taps: taps,
		Filter: expr, FilterAlone: !expr.Empty() && !ports.set}, nil
}

// tuiTaps is the TUI's -tap flag: repeatable, each value L=T.
type tuiTaps []app.Tap

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
	*t = append(*t, app.Tap{Listen: l, To: to})
	return nil
}
