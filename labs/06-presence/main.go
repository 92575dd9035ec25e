// Lab 06-presence makes the chat fit for strangers.
//
// Every client gets a number that is never given out again, and is told
// it; the others hear who joins and who leaves. A client that stops
// reading is cut off instead of stalling the room: each client has a
// bounded queue and a writer goroutine of its own. So is a client that
// begins a line and does not finish it within -line-timeout. A full
// server says so, and Ctrl-C says goodbye to everyone before the server
// stops. Run the server, then a client in each of two or more other
// terminals:
//
//	go run ./labs/06-presence server
//	go run ./labs/06-presence client
//
// Press Ctrl-D to make a client hang up, and Ctrl-C to stop either one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// lab is the name of this lab's folder, for messages that say what to run.
const lab = "06-presence"

func main() {
	// The first argument picks the side; flags follow it.
	mode, args := "server", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	addr := flag.String("addr", "127.0.0.1:3008",
		"TCP `address` to listen on or dial")
	flag.IntVar(&splitSize, "split", 0,
		"client: write in pieces of `n` bytes, one Write each (0: whole)")
	noDelay := flag.Bool("nodelay", true,
		"client: send each Write at once; false turns Nagle's algorithm on")
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
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", *addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			log.Fatalf("%v\n(is the server running? start it with: "+
				"go run ./labs/%s server)", err, lab)
		}
		if err != nil {
			log.Fatal(err)
		}
		// Go turns Nagle's algorithm off (TCP_NODELAY) on every TCP conn.
		// -nodelay=false turns it back on: small writes then wait and
		// coalesce while earlier data is unacknowledged.
		if err := conn.(*net.TCPConn).SetNoDelay(*noDelay); err != nil {
			log.Fatal(err)
		}
		if err := runClient(ctx, conn, os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}

	ln, err := net.Listen("tcp", *addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		log.Fatalf("%v\n(is another server still running? "+
			"stop it, or pick another port with -addr)", err)
	}
	if err != nil {
		log.Fatal(err)
	}
	if err := serve(ctx, ln, logger); err != nil {
		log.Fatal(err)
	}
}
