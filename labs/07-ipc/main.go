// Lab 07-ipc serves the same chat over a Unix domain socket: IPC, for
// programs on the same machine.
//
// The listener's address is a path in the file system, not an IP address
// and a port, and nothing of the chat changes: after Accept a client is a
// net.Conn, as before. The socket file lives in a folder of yours alone,
// is created with mode 0600 (only you may connect; -mode 0660 lets your
// group in too), a stale file left by a crashed server is cleaned up
// safely, and the file is removed when the server stops. The client
// checks that the server it reached is yours. Run the server, then a
// client in each of two or more other terminals:
//
//	go run ./labs/07-ipc server
//	go run ./labs/07-ipc client
//
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
const lab = "07-ipc"

func main() {
	// The first argument picks the side; flags follow it.
	mode, args := "server", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	path := flag.String("path", defaultPath(),
		"Unix domain socket `file` to listen on or dial")
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
		writeTimeout <= 0 || lineTimeout <= 0 {
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
		// On the default path, the folder must be ours alone, or anyone
		// could have put a server in it. (A missing folder means that
		// no server runs there: the dial says so.)
		if isDefault(*path) {
			err := checkPrivateDir(filepath.Dir(*path))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				log.Fatalf("%v\n(this is your own default socket folder, "+
					"so someone may have put a server in it to catch "+
					"your chat: we did not connect. Tell your teacher, "+
					"and use another -path for now)", err)
			}
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", *path)
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
		// Anyone may run a server: make sure whose this one is.
		note, err := checkServer(conn, *path)
		if err != nil {
			log.Fatal(err)
		}
		if note != "" {
			logger.Print(note)
		}
		if err := runClient(ctx, conn, os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}

	// A Unix domain socket lives in the file system: we listen on a
	// path, and the file's permissions decide who may connect. The
	// default path's folder is ours alone: make it, or check that
	// nobody else made it first.
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
	if err := serve(ctx, ln, logger); err != nil {
		log.Fatal(err)
	}
}
