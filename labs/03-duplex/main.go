// Lab 03-duplex makes both ends read and write the same connection at
// once: the client sends what you type, and the server logs every Read
// and writes the same bytes back.
//
// A net.Conn is a duplex stream, like a Node socket: an io.Reader and an
// io.Writer at the same time. TCP carries a stream of bytes, not
// messages, and the server's log shows it: one Read is not one Write.
// The client shows what the server sends with control characters made
// visible, so that no server can command our terminal.
// Run the server, then the client in a second terminal:
//
//	go run ./labs/03-duplex server
//	go run ./labs/03-duplex client -split 2
//
// Press Ctrl-D to make the client hang up, and Ctrl-C to stop either one.
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
const lab = "03-duplex"

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
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: go run ./labs/%s [server|client] [flags]\n", lab)
		flag.PrintDefaults()
	}
	flag.CommandLine.Parse(args)
	if (mode != "server" && mode != "client") || flag.NArg() > 0 {
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
