package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	natsd "github.com/nats-io/nats-server/v2/server"
	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

// startNATS starts a NATS server, in this process, listening on the TCP
// address listen (port 0: any free port). It asks every client for the
// token: on a shared machine anyone may connect to a port, and whoever
// is on the bus can speak for any server. It returns the URL to join it
// with, token included.
func startNATS(listen, token string, logger *log.Logger) (*natsd.Server,
	string, error) {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, "", err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, "", fmt.Errorf("port %q: %v", portText, err)
	}
	if port == 0 {
		port = natsd.RANDOM_PORT // NATS takes 0 for its default, 4222
	}
	ns, err := natsd.NewServer(&natsd.Options{Host: host, Port: port,
		Authorization: token, NoSigs: true})
	if err != nil {
		return nil, "", err
	}
	ns.SetLogger(natsLog{logger}, false, false)
	ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		ns.Shutdown()
		// The listen error itself went to the log, just before.
		return nil, "", fmt.Errorf("the bus could not listen on %s "+
			"(is another bus there? pick another port with -listen)",
			listen)
	}
	addr := ns.Addr().String()
	return ns, "nats://" + token + "@" + addr, nil
}

// runBus runs a NATS server on listen until ctx is done; with servers,
// also n chat servers on it, on consecutive ports from addr, called a,
// b, c and so on. The bus asks for the token in the URL busURL, if it
// has one, so that a bus started again takes back the servers that
// were on it; else for a token nobody can guess, made up here.
func runBus(ctx context.Context, listen, busURL string, n int,
	addr string, logger *log.Logger, cfg chat.Config,
	heartbeat time.Duration, servers bool) error {
	token := rand.Text()
	if u, err := url.Parse(busURL); err == nil && u.User != nil &&
		!servers {
		token = u.User.Username()
	}
	ns, busURL, err := startNATS(listen, token, logger)
	if err != nil {
		return err
	}
	defer ns.WaitForShutdown()
	defer ns.Shutdown()
	logger.Printf("NATS listening on %v", ns.Addr())
	if !servers {
		logger.Printf("Join it with (and keep the token to yourself):")
		logger.Printf("  export SOCKETLAB_NATS=%s", busURL)
		<-ctx.Done()
		return nil
	}

	// Every server listens before any serves, so that a port in use
	// stops them all before anyone is let in.
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("port %q: %v", portText, err)
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for i := range n {
		p := port + i
		if port == 0 {
			p = 0 // any free port, for each
		}
		at := net.JoinHostPort(host, strconv.Itoa(p))
		ln, err := net.Listen("tcp", at)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%v\n(is another server still running? "+
				"stop it, or pick other ports with -addr)", err)
		}
		if err != nil {
			return err
		}
		lns = append(lns, ln)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, n)
	for i, ln := range lns {
		name := string(rune('a' + i))
		l := log.New(logger.Writer(), name+": ", 0)
		bus := chat.BusConfig{URL: busURL, Name: name,
			Heartbeat: heartbeat}
		go func() {
			errc <- serve(ctx, []net.Listener{ln}, l, cfg, bus)
		}()
	}
	lns = nil // serve closes them now
	for range n {
		if e := <-errc; e != nil && err == nil {
			err = e
			cancel() // One server failed: stop the others too.
		}
	}
	return err
}

// redact returns the NATS URLs in urls without their tokens, for a log.
func redact(urls string) string {
	var out []string
	for u := range strings.SplitSeq(urls, ",") {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil {
			p.User = nil
			u = p.String()
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}

// natsLog writes the NATS server's warnings and errors to the log;
// notices, debug and trace lines are left out.
type natsLog struct{ *log.Logger }

func (l natsLog) Noticef(string, ...any)    {}
func (l natsLog) Debugf(string, ...any)     {}
func (l natsLog) Tracef(string, ...any)     {}
func (l natsLog) Warnf(f string, v ...any)  { l.Printf("nats: "+f, v...) }
func (l natsLog) Errorf(f string, v ...any) { l.Printf("nats: "+f, v...) }
func (l natsLog) Fatalf(f string, v ...any) { l.Printf("nats: "+f, v...) }
