package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	natsd "github.com/nats-io/nats-server/v2/server"
	"github.com/socketlab/socketlab/labs/10-cluster/chat"
)

// startCluster runs lab 10's room on n servers joined by a NATS server,
// all in this process, until the test ends, and returns the swarm flag
// that spreads clients over the n addresses.
func startCluster(t testing.TB, n int) []string {
	t.Helper()
	ns, err := natsd.NewServer(&natsd.Options{Host: "127.0.0.1",
		Port: natsd.RANDOM_PORT, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	var addrs []string
	for i := range n {
		bus := chat.NewBus(chat.BusConfig{URL: ns.ClientURL(),
			Name: string(rune('a' + i))})
		room := chat.NewRoom(chat.Config{Relay: bus})
		if err := bus.Connect(room); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- room.Serve(ctx, ln, "tcp") }()
		t.Cleanup(func() {
			cancel()
			<-done
			room.Close()
			bus.Close()
		})
		addrs = append(addrs, ln.Addr().String())
	}
	return []string{"-addr", strings.Join(addrs, ",")}
}

func TestAcrossServers(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("clients spread over %d servers get every "+
			"line once", n),
			func(t *testing.T) {
				r := swarmJSON(t, args(t, startCluster(t, n))...)
				checkHonest(t, r)
				if r.Clients.Connected != 12 || r.Settle.SawProbe != 12 {
					t.Errorf("%d connected, %d saw a probe; want 12, 12",
						r.Clients.Connected, r.Settle.SawProbe)
				}
				want := r.Lines.Sent*12 - r.Lines.Sent
				d := r.Deliveries
				if r.Lines.Sent < 3 || d.Expected != want ||
					ratio(r) != 1 || !d.Drained {
					t.Errorf("sent %d, expected %d (want %d), received "+
						"%d, drained %v: want all delivered", r.Lines.Sent,
						d.Expected, want, d.Received, d.Drained)
				}
				p := r.Problems
				if p.Gaps+p.Duplicates+p.Echoes+p.Corrupt+p.Unknown+
					p.Disconnected != 0 {
					t.Errorf("problems across %d servers: %+v", n, p)
				}
			})
	}
}
