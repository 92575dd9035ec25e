package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/cmd/internal/testout"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// swarmJSON runs swarm with args and -json and returns its report.
func swarmJSON(tb testing.TB, args ...string) report {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	var errs testout.Buffer
	err := run(ctx, append(args, "-json"), &out, &errs)
	if err != nil {
		tb.Fatalf("swarm %s: %v\n%s", strings.Join(args, " "), err, errs.String())
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		tb.Fatalf("decoding the report: %v\n%s", err, out.String())
	}
	return r
}

// load is a short run of 12 clients, 3 of them sending.
var load = []string{"-clients", "12", "-senders", "3", "-size", "100",
	"-duration", "300ms", "-settle", "5s"}

func args(tb testing.TB, addr []string, more ...string) []string {
	tb.Helper()
	a := append(append([]string{}, addr...), load...)
	return append(a, more...)
}

func ratio(r report) float64 {
	if r.Deliveries.Ratio == nil {
		return -1
	}
	return *r.Deliveries.Ratio
}

// checkHonest checks what holds for every run: nothing is received that
// was not expected, and the counts add up.
func checkHonest(tb testing.TB, r report) {
	tb.Helper()
	d := r.Deliveries
	if d.Received > d.Expected || d.Missing != d.Expected-d.Received {
		tb.Errorf("received %d, expected %d, missing %d: do not add up",
			d.Received, d.Expected, d.Missing)
	}
	if r.Problems.Unexpected != 0 {
		tb.Errorf("%d unexpected deliveries", r.Problems.Unexpected)
	}
}

func TestCorrectServer(t *testing.T) {
	for _, mode := range []struct {
		name    string
		network string
		extra   []string
	}{
		{"a TCP server gets every line through a window", "tcp", nil},
		{"a Unix socket server gets every line through a window", "unix", nil},
		{"a TCP server gets every line at a fixed rate", "tcp",
			[]string{"-rate", "200"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			_, addr := startServer(t, mode.network, correct)
			r := swarmJSON(t, args(t, addr, mode.extra...)...)
			checkHonest(t, r)
			if r.Network != mode.network || r.Clients.Connected != 12 ||
				r.Clients.Failed != 0 {
				t.Errorf("network %s, %d connected, %d failed; want %s, 12, 0",
					r.Network, r.Clients.Connected, r.Clients.Failed, mode.network)
			}
			if r.Settle.SawProbe != 12 || r.Settle.Of != 12 {
				t.Errorf("settle: %d of %d saw a probe, want 12 of 12",
					r.Settle.SawProbe, r.Settle.Of)
			}
			// Every receiver expects every line but its own.
			want := r.Lines.Sent*12 - r.Lines.Sent
			d := r.Deliveries
			if r.Lines.Sent < 3 || d.Expected != want || ratio(r) != 1 ||
				!d.Drained {
				t.Errorf("sent %d, expected %d (want %d), received %d, "+
					"drained %v: want all delivered", r.Lines.Sent, d.Expected,
					want, d.Received, d.Drained)
			}
			p := r.Problems
			if p.Gaps+p.Duplicates+p.Echoes+p.Corrupt+p.Unknown+
				p.Disconnected != 0 {
				t.Errorf("problems reported for a correct server: %+v", p)
			}
			// 12 welcomes and 11+10+...+1 joined notices.
			if r.Other.Notices < 12+66 {
				t.Errorf("%d notices, want at least 78", r.Other.Notices)
			}
			if r.Latency.P50MS <= 0 || r.Latency.P99MS < r.Latency.P50MS ||
				r.Latency.MaxMS < r.Latency.P99MS {
				t.Errorf("latency %+v is not ordered", r.Latency)
			}
			if mode.extra != nil && r.Lines.Sent > 3*200 {
				t.Errorf("sent %d lines at 200/s for 0.3s", r.Lines.Sent)
			}
		})
	}
}

func TestBrokenServers(t *testing.T) {
	drain := []string{"-drain", "500ms"}
	t.Run("a server that drops every 10th line shows gaps", func(t *testing.T) {
		_, addr := startServer(t, "tcp", dropTenth)
		// Not every line arrives, so the drain waits until none has for
		// 2s, up to its limit. A short limit would cut off lines still on
		// their way to a reader that lags (the window paces only one
		// observer), and lower the ratio for a reason other than drops.
		r := swarmJSON(t, args(t, addr, "-drain", "10s")...)
		checkHonest(t, r)
		if x := ratio(r); x < 0.8 || x > 0.95 || r.Problems.Gaps == 0 {
			t.Errorf("ratio %.3f, %d gaps; want about 0.9 and gaps\n"+
				"deliveries %+v\nproblems %+v", x, r.Problems.Gaps,
				r.Deliveries, r.Problems)
		}
		if r.Problems.Gaps > r.Deliveries.Missing {
			t.Errorf("%d gaps but only %d missing", r.Problems.Gaps,
				r.Deliveries.Missing)
		}
	})
	t.Run("a server that duplicates lines shows duplicates", func(t *testing.T) {
		_, addr := startServer(t, "tcp", duplicate)
		r := swarmJSON(t, args(t, addr)...)
		checkHonest(t, r)
		d := r.Problems.Duplicates
		if ratio(r) != 1 || d == 0 || d > r.Deliveries.Received {
			t.Errorf("ratio %.3f, %d duplicates of %d received\n"+
				"deliveries %+v\nproblems %+v", ratio(r), d,
				r.Deliveries.Received, r.Deliveries, r.Problems)
		}
	})
	t.Run("a server that echoes to the sender shows echoes", func(t *testing.T) {
		_, addr := startServer(t, "tcp", echo)
		r := swarmJSON(t, args(t, addr)...)
		checkHonest(t, r)
		e := r.Problems.Echoes
		if ratio(r) != 1 || e == 0 || e > r.Lines.Sent+r.Other.Probes {
			t.Errorf("ratio %.3f, %d echoes of %d sent\n"+
				"deliveries %+v\nproblems %+v", ratio(r), e,
				r.Lines.Sent, r.Deliveries, r.Problems)
		}
	})
	t.Run("a server that changes bytes shows corrupt lines", func(t *testing.T) {
		_, addr := startServer(t, "tcp", corrupt)
		r := swarmJSON(t, args(t, addr, drain...)...)
		checkHonest(t, r)
		c := r.Problems.Corrupt
		if c == 0 || ratio(r) >= 1 || c > r.Deliveries.Missing {
			t.Errorf("ratio %.3f, %d corrupt, %d missing", ratio(r), c,
				r.Deliveries.Missing)
		}
	})
	t.Run("a server that never sends delivers nothing", func(t *testing.T) {
		_, addr := startServer(t, "tcp", stall)
		r := swarmJSON(t, args(t, addr, "-settle", "300ms", "-drain",
			"300ms")...)
		checkHonest(t, r)
		d := r.Deliveries
		if r.Settle.SawProbe != 0 || d.Received != 0 || d.Expected == 0 ||
			ratio(r) != 0 || d.Drained {
			t.Errorf("settle %d, expected %d, received %d, drained %v; "+
				"want 0, >0, 0, false", r.Settle.SawProbe, d.Expected,
				d.Received, d.Drained)
		}
	})
}

func TestSlowClients(t *testing.T) {
	t.Run("slow clients are cut off and kept out of the count",
		func(t *testing.T) {
			_, addr := startServerWait(t, "unix", correct,
				300*time.Millisecond)
			r := swarmJSON(t, append(addr, "-clients", "8", "-senders", "2",
				"-slow", "2", "-size", "4000", "-duration", "1s",
				"-settle", "5s")...)
			checkHonest(t, r)
			if r.Slow == nil || r.Slow.Clients != 2 || r.Slow.CutOff != 2 ||
				!r.Slow.Checked {
				t.Fatalf("slow: %+v, want 2 clients, both cut off", r.Slow)
			}
			// Six readers: each sender reaches five, the others six.
			want := r.Lines.Sent*6 - r.Lines.Sent
			if r.Deliveries.Receivers != 6 || r.Deliveries.Expected != want {
				t.Errorf("%d receivers expected %d, want 6 and %d",
					r.Deliveries.Receivers, r.Deliveries.Expected, want)
			}
		})
}

func TestJSONShape(t *testing.T) {
	_, addr := startServer(t, "tcp", correct)
	ctx := context.Background()
	var out bytes.Buffer
	var errs testout.Buffer
	a := append(addr, "-clients", "3", "-senders", "1", "-duration", "50ms",
		"-slow", "1", "-server-pid", strconv.Itoa(os.Getpid()), "-json")
	if err := run(ctx, a, &out, &errs); err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	doc = make(map[string]map[string]any)
	for k, v := range top {
		var m map[string]any
		if json.Unmarshal(v, &m) == nil {
			doc[k] = m
		}
	}
	want := map[string][]string{
		"config":     {"clients", "senders", "rate", "window", "size"},
		"clients":    {"connected", "failed", "connect_p50_ms", "connect_p99_ms"},
		"lines":      {"sent", "per_second"},
		"deliveries": {"expected", "received", "missing", "ratio", "per_second"},
		"latency":    {"p50_ms", "p99_ms", "max_ms"},
		"problems": {"gaps", "duplicates", "echoes", "corrupt",
			"disconnected_by_server"},
		"slow":   {"clients", "cut_off", "still_connected"},
		"server": {"pid", "rss_peak_bytes", "cpu_seconds"},
		"swarm":  {"cpu_seconds", "rss_peak_bytes"},
	}
	for section, keys := range want {
		for _, k := range keys {
			if _, ok := doc[section][k]; !ok {
				t.Errorf("JSON has no %s.%s:\n%s", section, k, out.String())
			}
		}
	}
	if rss, _ := doc["server"]["rss_peak_bytes"].(float64); rss <= 0 {
		t.Errorf("server.rss_peak_bytes = %v, want > 0", rss)
	}
	// The server keeps up with a trickle: the slow client stays.
	if n, _ := doc["slow"]["still_connected"].(float64); n != 1 {
		t.Errorf("slow.still_connected = %v, want 1", n)
	}
}

func TestTextReport(t *testing.T) {
	_, addr := startServer(t, "tcp", correct)
	var out bytes.Buffer
	var errs testout.Buffer
	a := append(addr, "-clients", "3", "-senders", "1", "-duration", "50ms")
	if err := run(context.Background(), a, &out, &errs); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"clients", "settle", "lines",
		"deliveries", "latency", "problems", "other", "swarm"} {
		if !strings.Contains(out.String(), "\n"+topic+" ") {
			t.Errorf("no %q line in the report:\n%s", topic, out.String())
		}
	}
	if !strings.Contains(out.String(), "ratio 1.0000") {
		t.Errorf("report does not show ratio 1.0000:\n%s", out.String())
	}
}

func TestSourceAddresses(t *testing.T) {
	srv, addr := startServer(t, "tcp", correct)
	r := swarmJSON(t, append(addr, "-clients", "6", "-senders", "0",
		"-duration", "0s", "-src-ips", "3")...)
	if r.Clients.Connected != 6 {
		t.Fatalf("%d connected, want 6", r.Clients.Connected)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		if srv.remotes[ip] != 2 {
			t.Errorf("%d connections from %s, want 2 (all: %v)",
				srv.remotes[ip], ip, srv.remotes)
		}
	}
}

func TestInterrupt(t *testing.T) {
	_, addr := startServer(t, "tcp", correct)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stop the run, like Ctrl-C, once progress says it is sending.
	errs := &cancelOn{word: " send ", cancel: cancel}
	var out bytes.Buffer
	a := append(addr, "-clients", "4", "-senders", "2", "-duration", "1h",
		"-json")
	done := make(chan error, 1)
	go func() { done <- run(ctx, a, &out, errs) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("swarm did not stop within 30s of the interrupt")
	}
	if code := exitCode(err, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit code %d (%v), want 0", code, err)
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || r.Lines.Sent == 0 {
		t.Errorf("interrupted %v, %d lines sent; want true and some",
			r.Interrupted, r.Lines.Sent)
	}
	checkHonest(t, r)
}

// cancelOn calls cancel when something written to it contains word.
type cancelOn struct {
	testout.Buffer
	word   string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(c.word)) {
		c.cancel()
	}
	return c.Buffer.Write(p)
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no server address is a usage error", nil},
		{"both -addr and -path is a usage error",
			[]string{"-addr", "127.0.0.1:1", "-path", "/tmp/x"}},
		{"an unknown flag is a usage error", []string{"-nope"}},
		{"more senders than clients is a usage error",
			[]string{"-addr", "127.0.0.1:1", "-clients", "2", "-senders", "3"}},
		{"a line too short for its header is a usage error",
			[]string{"-addr", "127.0.0.1:1", "-size", "10"}},
		{"source addresses for a remote server are a usage error",
			[]string{"-addr", "10.0.0.1:1", "-src-ips", "2"}},
		{"source addresses for a Unix socket are a usage error",
			[]string{"-path", "/tmp/x", "-src-ips", "2"}},
		{"a stray argument is a usage error",
			[]string{"-addr", "127.0.0.1:1", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errs)
			if code := exitCode(err, &errs); code != 2 {
				t.Errorf("exit code %d (%v), want 2", code, err)
			}
			if !strings.Contains(errs.String(), "usage: swarm") {
				t.Errorf("stderr has no usage:\n%s", errs.String())
			}
		})
	}
	t.Run("a server pid that does not exist is an error", func(t *testing.T) {
		var out, errs bytes.Buffer
		err := run(context.Background(), []string{"-path", "/tmp/x",
			"-server-pid", "999999999"}, &out, &errs)
		if code := exitCode(err, &errs); code != 1 {
			t.Errorf("exit code %d (%v), want 1", code, err)
		}
		if !strings.Contains(errs.String(), "-server-pid") {
			t.Errorf("stderr does not name the flag:\n%s", errs.String())
		}
	})
	t.Run("an unreachable server is an error but not a usage error",
		func(t *testing.T) {
			r := swarmJSON(t, "-path", "/nonexistent/sl.sock", "-clients", "2",
				"-senders", "1", "-duration", "0s")
			if r.Clients.Failed != 2 || len(r.Clients.Errors) == 0 {
				t.Errorf("%d failed, errors %v; want 2 and the reason",
					r.Clients.Failed, r.Clients.Errors)
			}
		})
}
