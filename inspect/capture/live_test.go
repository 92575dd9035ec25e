//go:build linux

package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// liveLo opens a capture on lo for ports, or skips the test when the
// process may not capture.
func liveLo(t testing.TB, ports ...int) *Source {
	t.Helper()
	src, err := Live(Config{Interface: "lo", Ports: ports})
	if errors.Is(err, ErrPermission) {
		t.Skipf("live capture on lo needs CAP_NET_RAW (run as root, as CI does): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// collect reads packets from src in a goroutine until done reports true
// for the packets so far, or fails the test after timeout.
func collect(t testing.TB, src *Source, timeout time.Duration, done func([]Packet) bool) []Packet {
	t.Helper()
	ch := make(chan Packet, 1024)
	errc := make(chan error, 1)
	go func() {
		defer close(ch)
		var p Packet
		for {
			if err := src.Next(&p); err != nil {
				errc <- err
				return
			}
			ch <- p.Copy()
		}
	}()
	t.Cleanup(func() {
		src.Close()
		for range ch {
		}
	})
	var got []Packet
	deadline := time.After(timeout)
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				t.Fatalf("capture ended after %d packets: %v", len(got), <-errc)
			}
			got = append(got, p)
			if done(got) {
				return got
			}
		case <-deadline:
			for _, p := range got {
				t.Log(Line(&p))
			}
			t.Fatalf("timed out after %v with %d packets", timeout, len(got))
		}
	}
}

// listen starts a TCP listener on 127.0.0.1 that serve handles, one
// connection at a time, and returns its port.
func listen(t testing.TB, network, addr string, serve func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port
}

// finished reports whether both sides sent a FIN and the last FIN was
// acknowledged by a packet that came after it.
func finished(ps []Packet) bool {
	fins := 0
	for i, p := range ps {
		if p.Flags&FIN != 0 {
			fins++
			if fins == 2 {
				return i < len(ps)-1
			}
		}
	}
	return false
}

func TestLiveLoopback(t *testing.T) {
	t.Run("with the TPACKET_V3 ring", func(t *testing.T) { liveExchange(t, true, true) })
	t.Run("with recvmmsg, as without a ring", func(t *testing.T) { liveExchange(t, false, false) })
	t.Run("with recvmmsg when the ring is set up but cannot be mapped", func(t *testing.T) {
		mmapRing = func(int, int64, int, int, int) ([]byte, error) { return nil, syscall.ENOMEM }
		defer func() { mmapRing = unix.Mmap }()
		liveExchange(t, true, false)
	})
}

// liveExchange captures a short TCP exchange on lo and checks it. ring
// says whether Live may ask for a ring, wantRing whether it gets one.
func liveExchange(t *testing.T, ring, wantRing bool) {
	useRing = ring
	defer func() { useRing = true }()
	marker := []byte("socketlab-marker-7f3a")
	port := listen(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64)
		io.ReadFull(c, buf[:len(marker)])
		c.Close()
	})
	src := liveLo(t, port)
	if src.LinkType().String() != "Ethernet" {
		t.Errorf("link type of lo = %v, want Ethernet", src.LinkType())
	}
	if got := src.r.(*liveReader).ring != nil; got != wantRing {
		t.Errorf("reading from a ring: %v, want %v", got, wantRing)
	}
	if n := src.r.(*liveReader).rcvbuf(); n < DefaultBufferBytes {
		t.Errorf("receive buffer is %d bytes, want at least %d", n, DefaultBufferBytes)
	}

	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(marker); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, c) // until the server's FIN
	c.Close()

	got := collect(t, src, 10*time.Second, finished)
	for _, p := range got {
		t.Log(Line(&p))
	}

	t.Run("the handshake comes first", func(t *testing.T) {
		want := []Flags{SYN, SYN | ACK, ACK}
		for i, f := range want {
			if got[i].Flags != f {
				t.Errorf("packet %d has flags %v, want %v", i+1, got[i].Flags, f)
			}
		}
		if got[0].Dir != ClientToServer || got[1].Dir != ServerToClient {
			t.Errorf("directions %v, %v; want client→server, server→client", got[0].Dir, got[1].Dir)
		}
		if got[0].Seq != 0 || got[1].Ack != 1 || got[2].Seq != 1 || got[2].Ack != 1 {
			t.Errorf("relative numbers: SYN seq %d, SYN-ACK ack %d, ACK seq %d ack %d; want 0, 1, 1, 1",
				got[0].Seq, got[1].Ack, got[2].Seq, got[2].Ack)
		}
	})
	t.Run("each packet appears exactly once", func(t *testing.T) {
		type id struct {
			dir      Dir
			seq, ack uint32
			flags    Flags
			n        int
		}
		seen := map[id]int{}
		for i, p := range got {
			k := id{p.Dir, p.RawSeq, p.RawAck, p.Flags, p.Len}
			if j, ok := seen[k]; ok {
				t.Errorf("packet %d repeats packet %d: %s", i+1, j+1, Line(&p))
			}
			seen[k] = i
		}
	})
	t.Run("the marker is in one packet", func(t *testing.T) {
		n := 0
		for _, p := range got {
			if bytes.Contains(p.Payload, marker) {
				n++
				if p.Flags != PSH|ACK || p.Seq != 1 || p.Len != len(marker) {
					t.Errorf("marker packet: %s", Line(&p))
				}
			}
		}
		if n != 1 {
			t.Errorf("marker seen in %d packets, want 1", n)
		}
	})
	src.Close()
	if st := src.Stats(); st.Drops != 0 || st.Packets != uint64(len(got)) {
		t.Errorf("stats %+v, want %d packets and no drops", st, len(got))
	}
}

func TestLiveCloseUnblocksNext(t *testing.T) {
	src := liveLo(t, 1) // nothing talks on port 1
	errc := make(chan error)
	go func() {
		var p Packet
		errc <- src.Next(&p)
	}()
	src.Close()
	select {
	case err := <-errc:
		if err != io.EOF {
			t.Errorf("Next after Close = %v, want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next still waits 5s after Close")
	}
}

// mapping returns the line of /proc/self/maps for the mapping that
// starts at addr, or "" when none does.
func mapping(t testing.TB, addr uintptr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("%x-", addr)
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

func TestLiveCloseGivesTheRingBack(t *testing.T) {
	t.Run("Close with no Next after it unmaps the ring", func(t *testing.T) {
		src := liveLo(t, 1)
		rg := src.r.(*liveReader).ring
		if rg == nil {
			t.Skip("the kernel gave no ring")
		}
		addr := uintptr(unsafe.Pointer(&rg.mem[0]))
		if m := mapping(t, addr); !strings.Contains(m, "socket:") {
			t.Fatalf("before Close, the ring's mapping is %q, want the packet socket's", m)
		}
		src.Close()
		if m := mapping(t, addr); strings.Contains(m, "socket:") {
			t.Errorf("after Close, the packet socket is still mapped: %q", m)
		}
		var p Packet
		if err := src.Next(&p); err != io.EOF {
			t.Errorf("Next after Close = %v, want io.EOF", err)
		}
		if m := mapping(t, addr); m != "" {
			t.Errorf("after Next, the ring's place is still mapped: %q", m)
		}
	})
	t.Run("the packet read before Close stays readable after it", func(t *testing.T) {
		marker := []byte("socketlab-close-marker")
		port := listen(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.Copy(io.Discard, c)
			c.Close()
		})
		src := liveLo(t, port)
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(marker); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		var p Packet
		for !bytes.Equal(p.Payload, marker) {
			if time.Now().After(deadline) {
				t.Fatal("the marker was not captured in 10s")
			}
			if err := src.Next(&p); err != nil {
				t.Fatal(err)
			}
		}
		src.Close()
		if !bytes.Equal(p.Payload, marker) {
			t.Errorf("after Close the payload reads %q, want %q", p.Payload, marker)
		}
	})
}

func TestHtonsOnEitherByteOrder(t *testing.T) {
	// ETH_P_ALL (0x0003) as the socket field holds it: bytes 00 03.
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		v := toNetwork(order, unix.ETH_P_ALL)
		b := make([]byte, 2)
		order.PutUint16(b, v)
		if b[0] != 0x00 || b[1] != 0x03 {
			t.Errorf("%v: bytes % x, want 00 03", order, b)
		}
	}
}

func TestLiveCloseWhileReading(t *testing.T) {
	// A reader that keeps reading, and looks at every byte it gets,
	// while another goroutine closes the source: the ring is detached
	// under the reader's feet, and nothing may break.
	port := listen(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(c, c)
		c.Close()
	})
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // traffic until the test ends
		buf := make([]byte, 1400)
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.SetDeadline(time.Now().Add(time.Second))
			if _, err := c.Write(buf); err != nil {
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
		}
	}()
	for round := range 20 {
		src := liveLo(t, port)
		read := make(chan int, 1)
		done := make(chan error, 1)
		go func() {
			var p Packet
			n, sum := 0, 0
			for {
				if err := src.Next(&p); err != nil {
					done <- err
					return
				}
				for _, b := range p.Frame {
					sum += int(b)
				}
				if n++; n == 10 {
					read <- sum
				}
			}
		}()
		select {
		case <-read:
		case err := <-done:
			t.Fatalf("round %d: Next = %v before 10 packets", round, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: 10 packets not captured in 10s", round)
		}
		src.Close()
		select {
		case err := <-done:
			if err != io.EOF {
				t.Fatalf("round %d: Next after Close = %v, want io.EOF", round, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Next still runs 5s after Close", round)
		}
	}
}

func TestLiveAny(t *testing.T) {
	for _, ring := range []bool{true, false} {
		name := "with the TPACKET_V3 ring, every packet comes once with its SLL2 header"
		if !ring {
			name = "with recvmmsg, every packet comes once with its SLL2 header"
		}
		t.Run(name, func(t *testing.T) {
			useRing = ring
			defer func() { useRing = true }()
			marker := []byte("socketlab-any-marker")
			port := listen(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.ReadFull(c, make([]byte, len(marker)))
				c.Close()
			})
			src, err := Live(Config{Interface: "any", Ports: []int{port}})
			if errors.Is(err, ErrPermission) {
				t.Skipf("live capture needs CAP_NET_RAW: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { src.Close() })
			if src.LinkType() != LinkLinuxSLL2 {
				t.Errorf("link type %v, want Linux SLL2", src.LinkType())
			}
			if got := src.r.(*liveReader).ring != nil; got != ring {
				t.Errorf("reading from a ring: %v, want %v", got, ring)
			}
			c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write(marker); err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, c)
			c.Close()
			got := collect(t, src, 10*time.Second, finished)

			lo := uint32(loopbackIndex())
			pr := NewPrinter(PrintOptions{Time: TimeNone})
			seen := map[string]int{}
			for i, p := range got {
				line := string(pr.AppendLine(nil, &p))
				t.Log(line)
				if p.Link != LinkLinuxSLL2 || p.Malformed != "" || len(p.Frame) < sll2Len {
					t.Fatalf("packet %d: link %v, %q", i+1, p.Link, p.Malformed)
				}
				if idx := binary.BigEndian.Uint32(p.Frame[4:8]); idx != lo || p.Frame[10] != unix.PACKET_HOST {
					t.Errorf("packet %d: interface %d, type %d; want lo (%d), arriving (0)", i+1, idx, p.Frame[10], lo)
				}
				if p.WireLen != len(p.Frame) {
					t.Errorf("packet %d: %d bytes on the wire, %d captured", i+1, p.WireLen, len(p.Frame))
				}
				if j, ok := seen[line]; ok {
					t.Errorf("packet %d repeats packet %d: %s", i+1, j+1, line)
				}
				seen[line] = i
				if bytes.Equal(p.Payload, marker) && (p.Seq != 1 || p.Flags != PSH|ACK) {
					t.Errorf("marker packet: %s", line)
				}
			}
			if got[0].Flags != SYN || got[1].Flags != SYN|ACK {
				t.Errorf("the capture does not start with the handshake")
			}
		})
	}
}
