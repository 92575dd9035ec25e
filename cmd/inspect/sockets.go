package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

// runSockets prints the socket table once: inspect sockets [-port N]
// [-path P] [-all] [-json].
func runSockets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect sockets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ports := &portList{ports: []int{defaultSocketsPort}}
	paths := &pathList{paths: defaultSocketsPaths()}
	fs.Var(ports, "port", "show TCP sockets with this local or remote `port`; repeat the flag or give a list (3008,3009)")
	fs.Var(paths, "path", "show Unix sockets bound to this socket `file` and their peers; repeatable")
	all := fs.Bool("all", false, "show every TCP and Unix socket on the machine")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table (paths and command names escaped as the table shows them)")
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
		return usageError{fmt.Errorf("inspect sockets: unexpected argument %s", visible.Quote(fs.Arg(0)))}
	}

	f := sockets.Filter{Ports: ports.ports, Paths: paths.paths, All: *all}
	snap, err := sockets.Read(f)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := writeSocketsJSON(stdout, snap.Sockets); err != nil {
			return err
		}
		if len(snap.Sockets) == 0 {
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

// writeSocketsJSON writes list as an indented JSON array. The names in
// it (paths, command names) are written as visible.String shows them,
// which a JSON reader gets back as text: a name's control characters and
// bytes that are not UTF-8 come as escapes such as \x1b and \xff, which
// a terminal shows as they are and which keep two names apart
// (encoding/json alone would write U+FFFD for every such byte).
// strconv.Unquote of the text in double quotes, with '"' escaped, gives
// the name's bytes back.
func writeSocketsJSON(w io.Writer, list []sockets.Socket) error {
	shown := make([]sockets.Socket, len(list))
	for i, s := range list {
		s.Path, s.Process = visible.String(s.Path), visible.String(s.Process)
		shown[i] = s
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(shown)
}

// defaultSocketsPort is the labs' TCP port.
const defaultSocketsPort = 3008

// defaultSocketsPaths returns the labs' default Unix socket paths: the
// one in this user's private folder, and under sudo the invoking user's
// too (see sudoSocketsPaths).
func defaultSocketsPaths() []string {
	paths := []string{chat.DefaultPath()}
	for _, p := range sudoSocketsPaths(os.Geteuid()) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths
}

// sudoSocketsPaths returns the labs' default socket paths of the user
// who ran sudo, when euid is root's and sudo left SUDO_UID: sudo runs
// the command as root and drops XDG_RUNTIME_DIR, so that chat.DefaultPath
// names root's folder, not the learner's whose server is to be watched.
// They are the two places a lab's server picks: the user's runtime
// folder as systemd makes it, and a folder of their own in the temporary
// one.
func sudoSocketsPaths(euid int) []string {
	uid := os.Getenv("SUDO_UID")
	if euid != 0 || uid == "" {
		return nil
	}
	if _, err := strconv.ParseUint(uid, 10, 32); err != nil {
		return nil // not a user id: nothing to add to a path
	}
	return []string{
		filepath.Join("/run/user", uid, "socketlab.sock"),
		filepath.Join(os.TempDir(), "socketlab-"+uid, "socketlab.sock"),
	}
}

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
		if p := f.Paths[0]; !slices.Contains(defaultSocketsPaths(), p) {
			cmd += " -path " + p
		}
		try = append(try, cmd)
	}
	return "no socket on " + strings.Join(where, " or ") +
		" — try: " + strings.Join(try, ", or ")
}
