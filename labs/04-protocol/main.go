// Lab 04-protocol gives the bytes a shape: a protocol of our own.
//
// The client sends lines of UTF-8 text, each ending in "\n", and the
// server answers every line with one line. The server reads lines with a
// bufio.Reader, so it no longer matters how TCP cut the bytes into Reads.
// A line longer than -max-line bytes, not valid UTF-8 or holding a
// control character gets an error line instead, and the server never
// buffers more than one line's worth.
// Run the server, then the client in a second terminal:
//
//	go run ./labs/04-protocol server
//	go run ./labs/04-protocol client -split 2
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
const lab = "04-protocol"

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
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: go run ./labs/%s [server|client] [flags]\n", lab)
		flag.PrintDefaults()
	}
	flag.CommandLine.Parse(args)
	if (mode != "server" && mode != "client") || flag.NArg() > 0 ||
		maxLine < 1 {
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
