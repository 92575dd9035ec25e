package sockets

import (
	"bytes"
	"testing"
)

// mibTable4 is a MIB_TCPTABLE_OWNER_PID as GetExtendedTcpTable returns
// it on a little-endian Windows machine, written out field by field:
// a chat server's listener and one connection on port 3008, the
// client's end, and a connection in TIME_WAIT that no process owns.
var mibTable4 = bytes.Join([][]byte{
	{4, 0, 0, 0}, // dwNumEntries
	// dwState LISTEN, 0.0.0.0:3008, remote 0.0.0.0:0, pid 1234
	{2, 0, 0, 0}, {0, 0, 0, 0}, {0x0b, 0xc0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0xd2, 0x04, 0, 0},
	// ESTABLISHED, 127.0.0.1:3008 -> 127.0.0.1:50000, pid 1234
	{5, 0, 0, 0}, {127, 0, 0, 1}, {0x0b, 0xc0, 0, 0}, {127, 0, 0, 1}, {0xc3, 0x50, 0, 0}, {0xd2, 0x04, 0, 0},
	// ESTABLISHED, 127.0.0.1:50000 -> 127.0.0.1:3008, pid 70000
	{5, 0, 0, 0}, {127, 0, 0, 1}, {0xc3, 0x50, 0, 0}, {127, 0, 0, 1}, {0x0b, 0xc0, 0, 0}, {0x70, 0x11, 0x01, 0},
	// TIME_WAIT, 127.0.0.1:50001 -> 127.0.0.1:3009, pid 0
	{11, 0, 0, 0}, {127, 0, 0, 1}, {0xc3, 0x51, 0, 0}, {127, 0, 0, 1}, {0x0b, 0xc1, 0, 0}, {0, 0, 0, 0},
}, nil)

// mibTable6 is a MIB_TCP6TABLE_OWNER_PID with a dual-stack listener on
// [::]:3008 and the connection an IPv4 client made to it, seen from
// the server as ::ffff:127.0.0.1.
var mibTable6 = bytes.Join([][]byte{
	{2, 0, 0, 0},
	// ucLocalAddr ::, scope 0, port 3008, ucRemoteAddr ::, scope 0, port 0, LISTEN, pid 1234
	make([]byte, 16), {0, 0, 0, 0}, {0x0b, 0xc0, 0, 0}, make([]byte, 16), {0, 0, 0, 0}, {0, 0, 0, 0}, {2, 0, 0, 0}, {0xd2, 0x04, 0, 0},
	// ::ffff:127.0.0.1:3008 -> ::ffff:127.0.0.1:50000, ESTABLISHED, pid 1234
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, {0, 0, 0, 0}, {0x0b, 0xc0, 0, 0},
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, {0, 0, 0, 0}, {0xc3, 0x50, 0, 0}, {5, 0, 0, 0}, {0xd2, 0x04, 0, 0},
}, nil)

func TestParseMIBTCPTable(t *testing.T) {
	t.Run("IPv4 rows give addresses, ports in network order, states and pids", func(t *testing.T) {
		got, err := parseMIBTCPTable(mibTable4, false, Filter{All: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []Socket{
			{Kind: TCP, Family: "IPv4", LocalAddr: "0.0.0.0", LocalPort: 3008, State: "LISTEN", PID: 1234},
			{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 3008, RemoteAddr: "127.0.0.1", RemotePort: 50000, State: "ESTABLISHED", PID: 1234},
			{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50000, RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "ESTABLISHED", PID: 70000},
			{Kind: TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 50001, RemoteAddr: "127.0.0.1", RemotePort: 3009, State: "TIME_WAIT"},
		}
		checkSockets(t, got, want)
	})
	t.Run("IPv6 rows mark IPv4-mapped addresses", func(t *testing.T) {
		got, err := parseMIBTCPTable(mibTable6, true, Filter{Ports: []int{3008}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []Socket{
			{Kind: TCP, Family: "IPv6", LocalAddr: "::", LocalPort: 3008, State: "LISTEN", PID: 1234},
			{Kind: TCP, Family: "IPv6", LocalAddr: "::ffff:127.0.0.1", LocalPort: 3008, RemoteAddr: "::ffff:127.0.0.1", RemotePort: 50000, State: "ESTABLISHED", PID: 1234, V4Mapped: true},
		}
		checkSockets(t, got, want)
	})
	t.Run("a port filter keeps the rows with the port at either end", func(t *testing.T) {
		got, err := parseMIBTCPTable(mibTable4, false, Filter{Ports: []int{3009}}, nil)
		if err != nil || len(got) != 1 || got[0].State != "TIME_WAIT" {
			t.Errorf("got %v:\n%s", err, lsofTable(got))
		}
	})
	t.Run("a count larger than the rows is an error, and nothing is read past the buffer", func(t *testing.T) {
		for name, buf := range map[string][]byte{
			"empty":              nil,
			"count only":         {1, 0, 0, 0},
			"one row cut short":  mibTable4[:4+23],
			"count near 4 Gi":    append([]byte{0xff, 0xff, 0xff, 0xff}, mibTable4[4:]...),
			"IPv6 row cut short": mibTable6[:len(mibTable6)-1],
		} {
			if got, err := parseMIBTCPTable(buf, name == "IPv6 row cut short", Filter{All: true}, nil); err == nil {
				t.Errorf("%s: no error; got %d rows", name, len(got))
			}
		}
	})
	t.Run("an unknown state is named by its number", func(t *testing.T) {
		buf := bytes.Clone(mibTable4)
		buf[4] = 99
		got, err := parseMIBTCPTable(buf, false, Filter{All: true}, nil)
		if err != nil || got[0].State != "UNKNOWN(99)" {
			t.Errorf("got %v, %v", got, err)
		}
	})
}

// checkSockets fails t unless got and want hold the same sockets.
func checkSockets(t testing.TB, got, want []Socket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d sockets, want %d:\n%s", len(got), len(want), lsofTable(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("socket %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
