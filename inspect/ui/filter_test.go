package ui

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
)

// frameOf builds the Ethernet frame of a TCP segment over IPv4 or IPv6
// as lo carries it: a zero Ethernet header, the IP header and a TCP
// header with 12 bytes of options (two NOPs and a timestamp).
func frameOf(src, dst netip.AddrPort, f capture.Flags, seq, ack uint32, win uint16, payload []byte) []byte {
	tcp := make([]byte, 32, 32+len(payload))
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ack)
	tcp[12] = 8 << 4 // 32 bytes
	tcp[13] = byte(f)
	binary.BigEndian.PutUint16(tcp[14:], win)
	copy(tcp[20:], []byte{1, 1, 8, 10})
	tcp = append(tcp, payload...)
	frame := make([]byte, 14)
	if src.Addr().Is4() {
		binary.BigEndian.PutUint16(frame[12:], 0x0800)
		ip := make([]byte, 20)
		ip[0], ip[8], ip[9] = 0x45, 64, 6
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
		s, d := src.Addr().As4(), dst.Addr().As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		frame = append(frame, ip...)
	} else {
		binary.BigEndian.PutUint16(frame[12:], 0x86dd)
		ip := make([]byte, 40)
		ip[0], ip[6], ip[7] = 0x60, 6, 64
		binary.BigEndian.PutUint16(ip[4:], uint16(len(tcp)))
		s, d := src.Addr().As16(), dst.Addr().As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
		frame = append(frame, ip...)
	}
	return append(frame, tcp...)
}

func TestPacketFilterExpressions(t *testing.T) {
	t.Run("an expression lists the packets it keeps, in the kernel's terms", func(t *testing.T) {
		tests := []struct {
			expr string
			want int
		}{
			{"tcp[tcpflags] & tcp-fin != 0", 2},
			{"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", 4},
			{"src port 3008", 4},
			{"len > 66", 2},
			{"tcp and not port 3008", 0},
			{"", 10},
		}
		for _, tt := range tests {
			u := fullUI(t)
			if err := u.m.SetFilter(tt.expr); err != nil {
				t.Fatal(err)
			}
			if got := u.m.Len(); got != tt.want {
				t.Errorf("%q lists %d packets, want %d", tt.expr, got, tt.want)
			}
			if got := len(u.m.shown); got != 7 {
				t.Errorf("%q changed the sockets shown: %d, want 7", tt.expr, got)
			}
		}
	})
	t.Run("packets that arrive later are filtered too", func(t *testing.T) {
		m := NewModel(Options{ServerPorts: []int{3008}})
		m.SetFilter("tcp[tcpflags] & tcp-syn != 0")
		m.AddPackets(conversation())
		if m.Len() != 2 {
			t.Errorf("%d listed, want the 2 SYNs", m.Len())
		}
	})
	t.Run("a malformed expression is refused and the previous filter stays", func(t *testing.T) {
		u := fullUI(t)
		u.m.SetFilter("src port 3008")
		if err := u.m.SetFilter("tcp port"); err == nil {
			t.Fatal("no error")
		}
		if u.m.Filter() != "src port 3008" || u.m.Len() != 4 {
			t.Errorf("filter %q lists %d, want the previous one's 4", u.m.Filter(), u.m.Len())
		}
	})
	t.Run("tap events are not packets: an expression leaves them out", func(t *testing.T) {
		u := tapUI(t)
		u.m.SetFilter("tcp")
		for i := 0; i < u.m.Len(); i++ {
			if u.m.at(i).tap != nil {
				t.Fatal("a tap row is listed")
			}
		}
		if u.m.Len() != 10 {
			t.Errorf("%d rows, want the 10 packets", u.m.Len())
		}
	})
}

func TestFilterKeys(t *testing.T) {
	t.Run("slash takes an expression; typed keys do not act as commands", func(t *testing.T) {
		u := fullUI(t)
		quit := false
		u.Quit = func() { quit = true }
		press(u, key(tcell.KeyRune, '/'))
		press(u, typeText("tcp[13] & 1 != 0 and not host 10.0.0.9 q")...)
		press(u, key(tcell.KeyBackspace2, 0), key(tcell.KeyBackspace2, 0), key(tcell.KeyEnter, 0))
		if quit {
			t.Fatal("q typed in the filter quit the program")
		}
		if u.m.Filter() != "tcp[13] & 1 != 0 and not host 10.0.0.9" || u.m.Len() != 2 {
			t.Errorf("filter %q lists %d packets, want the 2 FINs", u.m.Filter(), u.m.Len())
		}
		if len(u.m.shown) != 7 {
			t.Errorf("the packet filter left %d sockets, want all 7", len(u.m.shown))
		}
	})
	t.Run("a refused expression is said in the status line and comes back to be fixed", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyRune, '/'))
		press(u, typeText("port 3008")...)
		press(u, key(tcell.KeyEnter, 0))
		press(u, key(tcell.KeyRune, '/'), key(tcell.KeyCtrlU, 0))
		press(u, typeText("port 30x8")...)
		press(u, key(tcell.KeyEnter, 0))
		if u.m.Filter() != "port 3008" || u.m.Len() != 10 {
			t.Errorf("filter %q lists %d packets, want the previous filter's 10", u.m.Filter(), u.m.Len())
		}
		got := screenText(draw(t, u.status, 150, 2))
		if !strings.Contains(got, "column 6") {
			t.Errorf("the status line does not say where the mistake is:\n%s", got)
		}
		press(u, key(tcell.KeyRune, '/'))
		if u.input.GetText() != "port 30x8" {
			t.Errorf("/ opens on %q, want the refused text", u.input.GetText())
		}
	})
	t.Run("s filters the sockets by words, and leaves the packets alone", func(t *testing.T) {
		u := fullUI(t)
		press(u, key(tcell.KeyRune, 's'))
		press(u, typeText("LISTEN unix")...)
		press(u, key(tcell.KeyEnter, 0))
		if n := len(u.m.shown); u.m.SocketsFilter() != "listen unix" || n == 0 || n == 7 {
			t.Errorf("sockets filter %q shows %d of 7, want the listening Unix sockets", u.m.SocketsFilter(), n)
		}
		if u.m.Len() != 10 || u.m.Filter() != "" {
			t.Errorf("the sockets filter changed the packets: %d listed, filter %q", u.m.Len(), u.m.Filter())
		}
		if got := screenText(draw(t, u.status, 150, 2)); !strings.Contains(got, "sockets: listen unix") {
			t.Errorf("the status line does not show the sockets filter:\n%s", got)
		}
	})
	t.Run("Esc clears the narrowing, then the packet filter, then the sockets filter", func(t *testing.T) {
		u := fullUI(t)
		u.m.SetFilter("tcp")
		u.m.SetSocketsFilter("unix")
		press(u, key(tcell.KeyEscape, 0))
		if u.m.Filter() != "" || u.m.SocketsFilter() != "unix" {
			t.Errorf("first Esc: filter %q, sockets %q", u.m.Filter(), u.m.SocketsFilter())
		}
		press(u, key(tcell.KeyEscape, 0))
		if u.m.SocketsFilter() != "" || len(u.m.shown) != 7 {
			t.Errorf("second Esc: sockets %q, %d shown", u.m.SocketsFilter(), len(u.m.shown))
		}
	})
}
