package main

import (
	"context"
	"log"
	"net"
	"time"

	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

// serve runs one chat room on all the listeners at once, until ctx is
// done: TCP clients and Unix socket clients meet in the same room. With
// a bus.URL, the room is also one with the rooms of the other servers
// on that NATS bus. At the end serve closes the listeners, tells every
// client that the server is shutting down, waits (at most 5 seconds) for
// their queues to be written, leaves the bus, and returns nil.
func serve(ctx context.Context, lns []net.Listener, logger *log.Logger,
	cfg chat.Config, bus chat.BusConfig) error {
	cfg.Logger, bus.Logger = logger, logger
	var b *chat.Bus
	if bus.URL != "" {
		b = chat.NewBus(bus)
		cfg.Relay = b
	}
	room := chat.NewRoom(cfg)
	if b != nil {
		if err := b.Connect(room); err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			return err
		}
		defer b.Close()
		logger.Printf("On the bus %s as %s", redact(bus.URL), bus.Name)
	}

	// Each door has its own accept loop, in room.Serve. The door's name
	// is the listener's network, "tcp" or "unix", and this is the last
	// time anyone looks at it: after Accept, a client is a net.Conn.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The server says where it listens, every door, before it lets
	// anyone in: its first lines are its addresses, however fast the
	// first client is.
	for _, ln := range lns {
		describe(logger, ln.Addr())
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- room.Serve(ctx, ln, ln.Addr().Network()) }()
	}
	var err error
	for range lns {
		if e := <-errc; e != nil && err == nil {
			err = e
			cancel() // One door broke: close the others too.
		}
	}

	// Every door is closed. Say goodbye; cut off whoever is not done
	// reading it after 5 seconds.
	bye, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	room.Shutdown(bye)
	return err
}

// describe prints a listener's address: address, family and port for
// TCP, as Node's server.address() shows them; just a path for a Unix
// domain socket, which Node's server.address() gives as a string, and Go
// as a *net.UnixAddr.
func describe(logger *log.Logger, addr net.Addr) {
	logger.Printf("Listening on %v", addr)
	switch a := addr.(type) {
	case *net.TCPAddr:
		logger.Printf("  address: %v", a.IP)
		logger.Printf("  family:  %s", family(a.IP))
		logger.Printf("  port:    %d", a.Port)
	case *net.UnixAddr:
		logger.Printf("  network: %s", a.Network())
		logger.Printf("  address: %s (a path: no IP, no family, no port)",
			a.Name)
		logger.Printf("  ln.Addr(): %#v", a)
	}
}

// family returns "IPv4" or "IPv6", as Node's address().family does.
func family(ip net.IP) string {
	if ip.To4() != nil {
		return "IPv4"
	}
	return "IPv6"
}
