package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// config is one run's settings, from the command line.
type config struct {
	network, address string
	addresses        []string // -addr's list; client i dials i mod len
	clients, senders int
	rate             float64
	duration         time.Duration
	size             int
	json             bool
	serverPID        int
	slow             int
	window           int
	connectTimeout   time.Duration
	settle, drain    time.Duration
	srcIPs           int
	cpuProfile       string
}

// maxPairs bounds clients×senders: each client keeps one counter per
// sender.
const maxPairs = 50_000_000

func parseArgs(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("swarm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "TCP address of the chat server, "+
		"host:port, or several separated by commas: client i dials "+
		"the address i mod their number (one room on many servers)")
	path := fs.String("path", "", "Unix socket path of the chat server")
	fs.IntVar(&c.clients, "clients", 100, "clients to connect")
	fs.IntVar(&c.senders, "senders", 10, "how many of the clients send")
	fs.Float64Var(&c.rate, "rate", 0,
		"lines per second per sender; 0 sends as fast as -window allows")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&c.size, "size", 128, "bytes per line, newline included")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON")
	fs.IntVar(&c.serverPID, "server-pid", 0,
		"measure this process's memory and CPU (Linux /proc)")
	fs.IntVar(&c.slow, "slow", 0, "clients that stop reading when sending starts")
	fs.IntVar(&c.window, "window", 16,
		"with -rate 0, lines a sender may have in flight")
	fs.DurationVar(&c.connectTimeout, "connect-timeout", 10*time.Second,
		"time allowed for each connect")
	fs.DurationVar(&c.settle, "settle", 30*time.Second,
		"time allowed for every client to see a probe line before sending")
	fs.DurationVar(&c.drain, "drain", 30*time.Second,
		"longest wait for lines in flight after sending stops "+
			"(it ends once all arrived, or none has for 2s)")
	fs.IntVar(&c.srcIPs, "src-ips", 0,
		"dial from 127.0.0.1 ... 127.0.0.N to get past ~28k ports per address")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "",
		"write swarm's own CPU profile to this file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: swarm -addr host:port[,...] | -path P "+
			"[-clients N] [-senders K] [-rate R] [-duration D] [-size B] "+
			"[-json] [-server-pid PID] [-slow M] [-window W]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	bad := func(format string, a ...any) (config, error) {
		fs.Usage()
		return c, usageError{fmt.Errorf(format, a...)}
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *addr == "" && *path == "":
		return bad("give the server's -addr or -path")
	case *addr != "" && *path != "":
		return bad("give -addr or -path, not both")
	case *addr != "":
		c.network, c.address = "tcp", *addr
		c.addresses = strings.Split(*addr, ",")
	default:
		c.network, c.address = "unix", *path
		c.addresses = []string{*path}
	}
	switch {
	case c.clients < 1:
		return bad("-clients must be at least 1")
	case c.senders < 0 || c.senders > c.clients:
		return bad("-senders must be between 0 and -clients (%d)", c.clients)
	case c.senders > 0 && c.clients < 2:
		return bad("sending needs at least 2 clients")
	case c.slow < 0 || c.senders+c.slow > c.clients:
		return bad("-slow must be between 0 and -clients minus -senders")
	case int64(c.clients)*int64(c.senders) > maxPairs:
		return bad("-clients × -senders must be at most %d", maxPairs)
	case c.rate < 0 || c.rate > 1e6:
		return bad("-rate must be between 0 and 1000000")
	case c.window < 1:
		return bad("-window must be at least 1")
	case c.duration < 0:
		return bad("-duration must not be negative")
	case c.size < minSize || c.size > maxSize:
		return bad("-size must be between %d and %d", minSize, maxSize)
	case c.connectTimeout <= 0 || c.settle < 0 || c.drain < 0:
		return bad("-connect-timeout must be positive, " +
			"-settle and -drain not negative")
	case c.serverPID < 0:
		return bad("-server-pid must be a process id")
	case c.srcIPs < 0 || c.srcIPs > 254:
		return bad("-src-ips must be between 0 and 254")
	}
	for _, a := range c.addresses {
		if c.network == "tcp" && a == "" {
			return bad("-addr has an empty address in %q", c.address)
		}
	}
	if c.srcIPs > 0 {
		if c.network != "tcp" {
			return bad("-src-ips works only with -addr")
		}
		for _, a := range c.addresses {
			host, _, err := net.SplitHostPort(a)
			ip := net.ParseIP(host)
			if err != nil || ip == nil || !ip.IsLoopback() ||
				ip.To4() == nil {
				return bad("-src-ips needs server addresses in "+
					"127.0.0.0/8, not %q", a)
			}
		}
	}
	return c, nil
}
