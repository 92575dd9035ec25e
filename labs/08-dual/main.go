// Lab 08-dual opens two doors into one room: the server listens on a TCP
// address and a Unix domain socket at once, and clients from both chat
// together.
//
// Each door has its own listener and its own accept loop; after Accept,
// a client is a net.Conn whichever door it came in by, and the room is
// lab 07's. Only the joined notice says which door was used. -addr ""
// or -path "" closes a door. The client dials TCP, unless it is given
// -path. Run the server, then clients through either door, each in its
// own terminal:
//
//	go run ./labs/08-dual server
//	go run ./labs/08-dual client
//	go run ./labs/08-dual client -path PATH
//
// where PATH is the socket path the server prints ("Listening on ...").
// Press Ctrl-D to make a client hang up, and Ctrl-C to stop either one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lab is the name of this lab's folder, for messages that say what to run.
const lab = "08-dual"

func main() {
	// The first argument picks the side; flags follow it.
	mode, args := "server", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	addr := flag.String("addr", "127.0.0.1:3008",
		"TCP `address` to listen on (\"\": none) or dial")
	path := flag.String("path", defaultPath(),
		"Unix domain socket `file` to listen on (\"\": none) or dial")
	sockMode := fs.FileMode(0o600)
	flag.Func("mode", "server: permissions of the socket file, in octal "+
		"(default 0600; 0660 lets your group in)", func(s string) error {
		m, err := strconv.ParseUint(s, 8, 32)
		sockMode = fs.FileMode(m)
		if err == nil && m > 0o777 {
			err = errors.New("not a permission mode")
		}
		return err
	})
	flag.IntVar(&splitSize, "split", 0,
		"client: write in pieces of `n` bytes, one Write each (0: whole)")
	flag.IntVar(&maxLine, "max-line", maxLine,
		"server: the longest line accepted, in `bytes`")
	flag.IntVar(&maxClients, "max-clients", maxClients,
		"server: how many clients may be in the room at once")
	flag.IntVar(&queueLines, "queue-lines", queueLines,
		"server: lines waiting for one client before it is cut off")
	flag.IntVar(&queueBytes, "queue-bytes", queueBytes,
		"server: `bytes` waiting for one client before it is cut off")
	flag.DurationVar(&writeTimeout, "write-timeout", writeTimeout,
		"server: how long one write to a client may take")
	flag.DurationVar(&lineTimeout, "line-timeout", lineTimeout,
		"server: how long a client may take to finish a line it began")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: go run ./labs/%s [server|client] [flags]\n", lab)
		flag.PrintDefaults()
	}
	flag.CommandLine.Parse(args)
	if (mode != "server" && mode != "client") || flag.NArg() > 0 ||
		min(maxLine, maxClients, queueLines, queueBytes) < 1 ||
		writeTimeout <= 0 || lineTimeout <= 0 ||
		(mode == "server" && *addr == "" && *path == "") ||
		(mode == "client" && isSet("addr") && isSet("path")) {
		flag.Usage()
		os.Exit(2)
	}

	// Ctrl-C (SIGINT) and SIGTERM cancel ctx, and both sides then return.
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.SetFlags(0)
	logger := log.New(os.Stdout, "", 0)

	if mode == "client" {
		// The client goes through one door: TCP, unless -path is given.
		network, address := "tcp", *addr
		if isSet("path") {
			network, address = "unix", *path
		}
		// On the default path, the folder must be ours alone, or anyone
		// could have put a server in it. (A missing folder means that
		// no server runs there: the dial says so.)
		if network == "unix" && isDefault(address) {
			err := checkPrivateDir(filepath.Dir(address))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				log.Fatalf("%v\n(this is your own default socket folder, "+
					"so someone may have put a server in it to catch "+
					"your chat: we did not connect. Tell your teacher, "+
					"and use another -path for now)", err)
			}
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, address)
		// No file, or a file nobody listens on: no server.
		if errors.Is(err, fs.ErrNotExist) ||
			errors.Is(err, syscall.ECONNREFUSED) {
			log.Fatalf("%v\n(is the server running? start it with: "+
				"go run ./labs/%s server)", err, lab)
		}
		if errors.Is(err, fs.ErrPermission) {
			log.Fatalf("%v\n(the socket file's mode keeps you out: its "+
				"owner can let a group in with -mode 0660)", err)
		}
		if err != nil {
			log.Fatal(err)
		}
		// Anyone may run a server: through the Unix door, make sure
		// whose this one is.
		if network == "unix" {
			note, err := checkServer(conn, address)
			if err != nil {
				log.Fatal(err)
			}
			if note != "" {
				logger.Print(note)
			}
		}
		if err := runClient(ctx, conn, os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}

	// One listener per door. TCP first: if the Unix socket then fails,
	// we exit without leaving a socket file behind.
	var lns []net.Listener
	if *addr != "" {
		ln, err := net.Listen("tcp", *addr)
		if errors.Is(err, syscall.EADDRINUSE) {
			log.Fatalf("%v\n(is another server still running? "+
				"stop it, or pick another port with -addr)", err)
		}
		if err != nil {
			log.Fatal(err)
		}
		lns = append(lns, ln)
	}
	// A Unix domain socket lives in the file system: we listen on a
	// path, and the file's permissions decide who may connect. The
	// default path's folder is ours alone: make it, or check that
	// nobody else made it first.
	if *path != "" {
		if isDefault(*path) {
			dir, skipped := defaultDir()
			if skipped != nil {
				logger.Printf("Not using XDG_RUNTIME_DIR: %v", skipped)
			}
			if err := makePrivateDir(dir); err != nil {
				log.Fatal(err)
			}
		}
		ln, err := listenUnix(*path, sockMode, logger)
		if err != nil {
			log.Fatal(err)
		}
		lns = append(lns, ln)
	}
	if err := serve(ctx, lns, logger); err != nil {
		log.Fatal(err)
	}
}

// isSet reports whether the flag called name was given on the command
// line.
func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
