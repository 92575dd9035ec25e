package ui

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
)

func TestModelStaysBounded(t *testing.T) {
	t.Run("the ring keeps only the newest packets", func(t *testing.T) {
		m := NewModel(Options{RingSize: 4})
		m.AddPackets(conversation())
		if m.Len() != 4 || m.at(0).p.Index != 7 || m.at(3).p.Index != 10 {
			t.Errorf("ring holds %d packets, #%d..#%d; want 4, #7..#10", m.Len(), m.at(0).p.Index, m.at(3).p.Index)
		}
		if got := len(m.Packets()); got != 4 {
			t.Errorf("Packets returned %d", got)
		}
	})

	t.Run("payloads are cut to PayloadKeep and frames just after", func(t *testing.T) {
		m := NewModel(Options{PayloadKeep: 8})
		p := seg(1, client, server, capture.PSH|capture.ACK, 1, 1, strings.Repeat("x", 1000))
		p.Frame = make([]byte, 1066)
		m.AddPackets([]capture.Packet{p})
		got := m.at(0).p
		if len(got.Payload) != 8 || got.Len != 1000 || len(got.Frame) != 8+frameHeadroom {
			t.Errorf("kept %d payload bytes and %d frame bytes of Len %d", len(got.Payload), len(got.Frame), got.Len)
		}
	})

	// tapData is a tap data event of connection conn, text sent in d.
	tapData := func(conn uint64, d tap.Dir, text string) TapEvent {
		return TapEvent{Tap: "tap.sock → chat.sock", Event: tap.Event{Time: t0, Conn: conn,
			Kind: tap.Data, Dir: d, Len: len(text), Data: []byte(text)}}
	}
	t.Run("a conversation keeps its newest bytes", func(t *testing.T) {
		m := NewModel(Options{StreamBytes: 10})
		for i := 0; i < 5; i++ {
			m.AddTapEvents([]TapEvent{tapData(1, tap.ClientToServer, "abcde")})
		}
		m.AddTapEvents([]TapEvent{tapData(1, tap.ServerToClient, "0123456789ABC")})
		s := m.streams[connKey{tap: "tap.sock → chat.sock", conn: 1}]
		if s.bytes != 10 || s.dropped != 28 || string(s.chunks[0].data) != "3456789ABC" {
			t.Errorf("stream keeps %d bytes (%q), dropped %d", s.bytes, s.chunks[0].data, s.dropped)
		}
	})

	t.Run("only the most recent conversations are kept", func(t *testing.T) {
		m := NewModel(Options{Streams: 2})
		for i := 0; i < 5; i++ {
			m.AddTapEvents([]TapEvent{tapData(uint64(i+1), tap.ClientToServer, "hi")})
		}
		if len(m.streams) != 2 {
			t.Errorf("%d conversations kept, want 2", len(m.streams))
		}
	})

	t.Run("connection state is forgotten with the packets", func(t *testing.T) {
		m := NewModel(Options{RingSize: 100})
		for i := 0; i < maxConns+500; i++ {
			c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)}), 40000)
			m.AddPackets([]capture.Packet{seg(i+1, c, server, capture.SYN, 0, 0, "")})
		}
		if len(m.conns) > maxConns {
			t.Errorf("%d connection states kept, limit %d", len(m.conns), maxConns)
		}
	})
}

func TestModelNamesDirections(t *testing.T) {
	cases := []struct {
		name string
		p    capture.Packet
		opt  Options
		want capture.Dir
	}{
		{"the sender of a SYN is the client",
			seg(1, server, client, capture.SYN, 0, 0, ""), Options{ServerPorts: []int{3008}}, capture.ClientToServer},
		{"without a SYN the server port decides",
			seg(1, server, client, capture.ACK, 0, 0, ""), Options{ServerPorts: []int{3008}}, capture.ServerToClient},
		{"without a SYN or server ports the lower port is the server's",
			seg(1, client, server, capture.ACK, 0, 0, ""), Options{}, capture.ClientToServer},
		{"the capture's own direction wins",
			func() capture.Packet {
				p := seg(1, client, server, capture.ACK, 0, 0, "")
				p.Dir = capture.ServerToClient
				return p
			}(), Options{ServerPorts: []int{3008}}, capture.ServerToClient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := NewModel(c.opt)
			m.AddPackets([]capture.Packet{c.p})
			if got := m.at(0).dir; got != c.want {
				t.Errorf("direction %v, want %v", got, c.want)
			}
		})
	}
}

func TestModelExplainsOddPackets(t *testing.T) {
	m := NewModel(Options{})
	bad := capture.Packet{Index: 1, Time: t0, Malformed: "truncated TCP header (12 of 20 bytes)"}
	rst := seg(2, server, client, capture.RST|capture.ACK, 1, 1, "")
	withData := seg(3, client, server, capture.FIN|capture.PSH|capture.ACK, 1, 1, "bye\n")
	m.AddPackets([]capture.Packet{bad, rst, withData})
	for i, want := range []string{
		"malformed: truncated TCP header (12 of 20 bytes)",
		"server aborts the connection (RST)",
		"teardown: client sends 4 bytes, then has no more to send (FIN)",
	} {
		if got := m.at(i).note; !strings.HasPrefix(got, want) {
			t.Errorf("packet %d: note %q, want it to start with %q", i+1, got, want)
		}
	}
	u := New(Options{})
	u.m.AddPackets([]capture.Packet{bad})
	if got := screenText(draw(t, u, 120, 30)); !strings.Contains(got, "malformed packet: truncated TCP header") {
		t.Errorf("malformed packet not shown:\n%s", got)
	}
}
