// Lab 10-cluster makes one room of the rooms of many servers.
//
// Each server is lab 09's, and it also joins a message bus, NATS: it
// publishes its clients' lines, joins and leaves there, and tells its
// own clients what the other servers publish. One command runs a bus
// and three servers for a class:
//
//	go run ./labs/10-cluster cluster -n 3 -addr 127.0.0.1:3010
//	go run ./labs/10-cluster client -addr 127.0.0.1:3011
//
// Or run the bus and each server on its own, on one machine or many:
//
//	go run ./labs/10-cluster nats -listen 127.0.0.1:4222
//	go run ./labs/10-cluster server -addr 127.0.0.1:3010 -nats URL
//
// where URL is the one the bus prints. Press Ctrl-D to make a client
// hang up, and Ctrl-C to stop any of them.
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
	"time"

	"github.com/nats-io/nats.go"
	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

// lab is the name of this lab's folder, for messages that say what to run.
const lab = "10-cluster"

func main() {
	// The first argument picks the side; flags follow it.
	mode, args := "server", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	addr := flag.String("addr", "127.0.0.1:3008",
		"TCP `address` to listen on (\"\": none) or dial; cluster: "+
			"the first of n")
	path := flag.String("path", chat.DefaultPath(),
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
	var bus chat.BusConfig
	flag.StringVar(&bus.URL, "nats", os.Getenv("SOCKETLAB_NATS"),
		"server: the NATS bus `URL` to join (default $SOCKETLAB_NATS; "+
			"\"\": no bus); nats: asks for the token in it")
	flag.StringVar(&bus.Name, "name", "",
		"server: this server's `name` on the bus (default: the port)")
	flag.DurationVar(&bus.Heartbeat, "heartbeat", time.Second,
		"server: how often to tell the bus who is here; a server "+
			"silent for 3 is gone")
	listen := flag.String("listen", "127.0.0.1:4222",
		"nats, cluster: the `address` the bus listens on")
	n := flag.Int("n", 3, "cluster: how many chat servers")
	var cfg chat.Config
	flag.IntVar(&cfg.MaxLine, "max-line", 4096,
		"server: the longest line accepted, in `bytes`")
	flag.IntVar(&cfg.MaxClients, "max-clients", 10000,
		"server: how many clients may be in the room at once")
	flag.IntVar(&cfg.QueueMessages, "queue-lines", 1024,
		"server: lines for one client alone (welcome, errors) "+
			"before it is cut off")
	flag.IntVar(&cfg.QueueBytes, "queue-bytes", 4<<20,
		"server: `bytes` of chat one client may fall behind "+
			"before it is cut off")
	flag.DurationVar(&cfg.WriteTimeout, "write-timeout", 10*time.Second,
		"server: how long one write to a client may take")
	flag.DurationVar(&cfg.LineTimeout, "line-timeout", 60*time.Second,
		"server: how long a client may take to finish a line it began")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./labs/%s "+
			"[server|client|nats|cluster] [flags]\n", lab)
		flag.PrintDefaults()
	}
	flag.CommandLine.Parse(args)
	if bus.Name == "" && *addr != "" {
		_, bus.Name, _ = net.SplitHostPort(*addr)
	}
	modes := map[string]bool{"server": true, "client": true,
		"nats": true, "cluster": true}
	if !modes[mode] || flag.NArg() > 0 || *n < 1 || *n > 26 ||
		min(cfg.MaxLine, cfg.MaxClients, cfg.QueueMessages,
			cfg.QueueBytes) < 1 || cfg.WriteTimeout <= 0 ||
		cfg.LineTimeout <= 0 ||
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

	// The bus alone, or the bus with n servers.
	if mode == "nats" || mode == "cluster" {
		err := runBus(ctx, *listen, bus.URL, *n, *addr, logger, cfg,
			bus.Heartbeat, mode == "cluster")
		if err != nil {
			log.Fatal(err)
		}
		return
	}

	if mode == "client" {
		// The client goes through one door: TCP, unless -path is given.
		network, address := "tcp", *addr
		if isSet("path") {
			network, address = "unix", *path
		}
		// On the default path, the folder must be ours alone, or anyone
		// could have put a server in it. (A missing folder means that
		// no server runs there: the dial says so.)
		if network == "unix" && chat.IsDefault(address) {
			err := chat.CheckPrivateDir(filepath.Dir(address))
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
		// Through the Unix door, make sure whose server this is.
		if network == "unix" {
			note, err := chat.CheckServer(conn, address)
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
	if *path != "" {
		// The default path's folder is ours alone: make it, or check
		// that nobody else made it first.
		if chat.IsDefault(*path) {
			dir, skipped := chat.DefaultDir()
			if skipped != nil {
				logger.Printf("Not using XDG_RUNTIME_DIR: %v", skipped)
			}
			if err := chat.MakePrivateDir(dir); err != nil {
				log.Fatal(err)
			}
		}
		ln, err := chat.ListenUnix(*path, sockMode, logger)
		if err != nil {
			log.Fatal(err)
		}
		lns = append(lns, ln)
	}
	err := serve(ctx, lns, logger, cfg, bus)
	if errors.Is(err, nats.ErrNoServers) {
		log.Fatalf("%v\n(is the bus running? start it with: "+
			"go run ./labs/%s nats)", err, lab)
	}
	if err != nil {
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
