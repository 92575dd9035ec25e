package tap_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"

	"github.com/socketlab/socketlab/inspect/tap"
)

// This example relays a Unix socket echo server and prints what the tap
// saw of one short conversation.
func Example() {
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The real server: it echoes, then closes when the client has.
	real := filepath.Join(dir, "real.sock")
	ln, err := net.Listen("unix", real)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()

	r, err := tap.Listen(tap.Config{
		Listen: filepath.Join(dir, "tap.sock"),
		To:     real,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- r.Serve(ctx) }()

	// A client talks to the tap's path instead of the server's.
	c, err := net.Dial("unix", r.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprint(c, "hello\n")
	io.ReadFull(c, make([]byte, 6))
	c.(*net.UnixConn).CloseWrite()
	io.ReadAll(c)
	c.Close()

	for ev := range r.Events() {
		switch {
		case ev.Kind == tap.Data:
			fmt.Printf("#%d %v %v %d %q\n", ev.Conn, ev.Kind, ev.Dir, ev.Len, ev.Data)
		case ev.Dir != 0:
			fmt.Printf("#%d %v %v\n", ev.Conn, ev.Kind, ev.Dir)
		default:
			fmt.Printf("#%d %v\n", ev.Conn, ev.Kind)
		}
		if ev.Kind == tap.Close {
			stop()
		}
	}
	if err := <-served; err != nil {
		log.Fatal(err)
	}
	// Output:
	// #1 open
	// #1 data c>s 6 "hello\n"
	// #1 data s>c 6 "hello\n"
	// #1 half-close c>s
	// #1 half-close s>c
	// #1 close
}
