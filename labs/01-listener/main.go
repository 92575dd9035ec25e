// Lab 01-listener opens a TCP listener and reports every connection.
//
// It is the Go counterpart of Node's net.createServer().listen(3008):
// net.Listen opens the listening socket, and a loop around Accept plays
// the part of the 'connection' event. Run it with
//
//	go run ./labs/01-listener server
//
// and connect from a second terminal with `nc 127.0.0.1 3008`.
// Stop the server with Ctrl-C.
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
const lab = "01-listener"

func main() {
	// The first argument picks the side; flags follow it.
	mode, args := "server", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		mode, args = args[0], args[1:]
	}
	addr := flag.String("addr", "127.0.0.1:3008", "TCP `address` to listen on")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: go run ./labs/%s [server] [flags]\n", lab)
		flag.PrintDefaults()
	}
	flag.CommandLine.Parse(args)
	if mode != "server" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	// Ctrl-C (SIGINT) and SIGTERM cancel ctx, and serve then returns.
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.SetFlags(0)
	logger := log.New(os.Stdout, "", 0)

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
