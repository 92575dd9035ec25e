package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/labs/08-dual/chat"
)

// runSockets prints the socket table once: inspect sockets [-port N]
// [-path P] [-all] [-json].
func runSockets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect sockets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ports := &portList{ports: []int{defaultSocketsPort}}
	paths := &pathList{paths: []string{defaultSocketsPath()}}
	fs.Var(ports, "port", "show TCP sockets with this local or remote `port`; repeat the flag or give a list (3008,3009)")
	fs.Var(paths, "path", "show Unix sockets bound to this socket `file` and their peers; repeatable")
	all := fs.Bool("all", false, "show every TCP and Unix socket on the machine")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: inspect sockets [-port N] [-path P] [-all] [-json]\n\n"+
			"Print the TCP and Unix sockets of the labs once, like ss -tanpx.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{fmt.Errorf("inspect sockets: unexpected argument %q", fs.Arg(0))}
	}

	f := sockets.Filter{Ports: ports.ports, Paths: paths.paths, All: *all}
	snap, err := sockets.Read(f)
	if err != nil {
		return err
	}
	if *asJSON {
		list := snap.Sockets
		if list == nil {
			list = []sockets.Socket{}
		}
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		if _, err := stdout.Write(append(jsonVisible(b), '\n')); err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stderr, visible.String(noSocketsHint(f)))
		}
		return nil
	}
	if len(snap.Sockets) == 0 {
		_, err := fmt.Fprintln(stdout, visible.String(noSocketsHint(f)))
		return err
	}
	return sockets.WriteTable(stdout, snap.Sockets)
}

// jsonVisible returns the JSON text b with every rune a terminal would
// not show as itself written as a \u escape, which means the same rune
// to a JSON reader. encoding/json already escapes the C0 controls (and
// turns bytes that are not UTF-8 into U+FFFD) but writes DEL, the C1
// controls and the bidi controls as they are.
func jsonVisible(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == ' ' || r == '\n' || unicode.IsPrint(r) {
			out = append(out, b[:n]...)
		} else {
			for _, u := range utf16.AppendRune(nil, r) {
				out = fmt.Appendf(out, `\u%04x`, u)
			}
		}
		b = b[n:]
	}
	return out
}

// defaultSocketsPort is the labs' TCP port.
const defaultSocketsPort = 3008

// defaultSocketsPath returns the labs' default Unix socket path, the one
// in this user's private folder.
func defaultSocketsPath() string { return chat.DefaultPath() }

// noSocketsHint says that nothing matched f and what to run so that
// something does.
func noSocketsHint(f sockets.Filter) string {
	if f.All {
		return "no TCP or Unix socket found"
	}
	var where []string
	for _, p := range f.Ports {
		where = append(where, ":"+strconv.Itoa(p))
	}
	where = append(where, f.Paths...)
	// The labs listen on 127.0.0.1:3008 and the default path unless
	// told otherwise with -addr and -path.
	var try []string
	if len(f.Ports) > 0 {
		cmd := "go run ./labs/05-broadcast server"
		if p := f.Ports[0]; p != defaultSocketsPort {
			cmd += " -addr 127.0.0.1:" + strconv.Itoa(p)
		}
		try = append(try, cmd)
	}
	if len(f.Paths) > 0 {
		cmd := "go run ./labs/07-ipc server"
		if p := f.Paths[0]; p != defaultSocketsPath() {
			cmd += " -path " + p
		}
		try = append(try, cmd)
	}
	return "no socket on " + strings.Join(where, " or ") +
		" — try: " + strings.Join(try, ", or ")
}
