package stream

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/inspect/capture"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recording returns the packets of a pcap file in inspect/capture's
// testdata, copied.
func recording(t testing.TB, name string) []capture.Packet {
	t.Helper()
	src, err := capture.OpenFile("../capture/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ps []capture.Packet
	var p capture.Packet
	for {
		err := src.Next(&p)
		if err == io.EOF {
			return ps
		}
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p.Copy())
	}
}

// feed adds packets to a new Tracker and flushes it.
func feed(cfg Config, ps []capture.Packet) *Tracker {
	tr := New(cfg)
	for i := range ps {
		tr.Add(&ps[i])
	}
	tr.FlushAll()
	return tr
}

// sides joins the chunks of each direction.
func sides(c Conversation) (toServer, toClient []byte) {
	for _, ch := range c.Chunks {
		if ch.Dir == capture.ClientToServer {
			toServer = append(toServer, ch.Data...)
		} else {
			toClient = append(toClient, ch.Data...)
		}
	}
	return
}

func only(t testing.TB, tr *Tracker) Conversation {
	t.Helper()
	all := tr.Conversations()
	if len(all) != 1 {
		t.Fatalf("%d conversations, want 1", len(all))
	}
	c, ok := tr.Conversation(all[0].Client, all[0].Server)
	if !ok {
		t.Fatal("Conversation does not find the conversation Conversations lists")
	}
	return c
}

func TestRecordedEcho(t *testing.T) {
	ps := recording(t, "echo4.pcap")
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	want := []Chunk{
		{capture.ClientToServer, []byte("hello\n")},
		{capture.ServerToClient, []byte("HELLO\n")},
		{capture.ClientToServer, []byte("how are you?\n")},
		{capture.ServerToClient, []byte("HOW ARE YOU?\n")},
		{capture.ClientToServer, binary},
		{capture.ServerToClient, asciiUpper(binary)},
	}
	t.Run("the conversation alternates as it was sent", func(t *testing.T) {
		c := only(t, feed(Config{}, ps))
		if c.Client != netip.MustParseAddrPort("127.0.0.1:57200") || c.Server.Port() != 39008 {
			t.Errorf("client %v, server %v", c.Client, c.Server)
		}
		if len(c.Chunks) != len(want) {
			t.Fatalf("%d chunks, want %d: %q", len(c.Chunks), len(want), c.Chunks)
		}
		for i := range want {
			if c.Chunks[i].Dir != want[i].Dir || !bytes.Equal(c.Chunks[i].Data, want[i].Data) {
				t.Errorf("chunk %d = %v %q, want %v %q", i, c.Chunks[i].Dir, c.Chunks[i].Data, want[i].Dir, want[i].Data)
			}
		}
		if !c.Closed || c.Dropped != 0 || c.Missing != 0 || c.Bytes != [2]int64{275, 275} {
			t.Errorf("closed %v, dropped %d, missing %d, bytes %v", c.Closed, c.Dropped, c.Missing, c.Bytes)
		}
	})
	t.Run("without the SYN the server is the side on a filter port", func(t *testing.T) {
		c := only(t, feed(Config{Ports: []int{39008}}, ps[3:]))
		if c.Client.Port() != 57200 || c.Server.Port() != 39008 {
			t.Errorf("client %v, server %v", c.Client, c.Server)
		}
		if c.Chunks[0].Dir != capture.ClientToServer || string(c.Chunks[0].Data) != "hello\n" {
			t.Errorf("first chunk %v %q", c.Chunks[0].Dir, c.Chunks[0].Data)
		}
	})
	t.Run("starting at the server's reply the server is still the server", func(t *testing.T) {
		c := only(t, feed(Config{Ports: []int{39008}}, ps[5:]))
		if c.Server.Port() != 39008 || c.Chunks[0].Dir != capture.ServerToClient {
			t.Errorf("server %v, first chunk %v %q", c.Server, c.Chunks[0].Dir, c.Chunks[0].Data)
		}
	})
	t.Run("a small limit keeps the newest bytes and counts the rest", func(t *testing.T) {
		c := only(t, feed(Config{MaxBytes: 300}, ps))
		toServer, toClient := sides(c)
		if len(toServer)+len(toClient) != 300 || c.Dropped != 550-300 {
			t.Fatalf("kept %d bytes, dropped %d; want 300 and 250", len(toServer)+len(toClient), c.Dropped)
		}
		if !bytes.Equal(toClient, asciiUpper(binary)) || !bytes.Equal(toServer, binary[256-44:]) {
			t.Errorf("kept the wrong bytes: %q / %q", toServer, toClient)
		}
	})
	t.Run("a snapshot does not change when more arrives", func(t *testing.T) {
		tr := New(Config{})
		for i := range ps[:4] {
			tr.Add(&ps[i])
		}
		snap := only(t, tr)
		for i := range ps[4:] {
			tr.Add(&ps[4+i])
		}
		if len(snap.Chunks) != 1 || string(snap.Chunks[0].Data) != "hello\n" {
			t.Errorf("snapshot changed: %q", snap.Chunks)
		}
	})
}

func TestIdleConnectionIsNotClosed(t *testing.T) {
	ps := recording(t, "echo4.pcap")
	tr := New(Config{})
	for i := range ps[:6] { // up to the first reply
		tr.Add(&ps[i])
	}
	tr.Flush(ps[5].Time.Add(time.Hour)) // every connection is idle now
	if c := only(t, tr); c.Closed {
		t.Error("an idle connection was marked closed by Flush")
	}
	for i := range ps[6:] {
		tr.Add(&ps[6+i])
	}
	tr.FlushAll()
	c := only(t, tr)
	toServer, toClient := sides(c)
	if !c.Closed || len(toServer) != 275 || len(toClient) != 275 {
		t.Errorf("after the idle flush: closed %v, %d and %d bytes; want closed, 275 each way", c.Closed, len(toServer), len(toClient))
	}
}

func TestConversationLimit(t *testing.T) {
	echo, reset := recording(t, "echo4.pcap"), recording(t, "reset4.pcap")
	tr := feed(Config{MaxConversations: 1}, append(echo, reset...))
	c := only(t, tr)
	if c.Server.Port() != 39009 {
		t.Errorf("kept the conversation with %v, want the newer one on port 39009", c.Server)
	}
	if !c.Closed {
		t.Error("the reset conversation is not marked closed")
	}
	if _, ok := tr.Conversation(echo[0].Src, echo[0].Dst); ok {
		t.Error("the older conversation is still there")
	}
}

// TestLiveTransfer captures a 3 MiB upload and a 100 KiB reply on lo and
// checks that reassembly rebuilds both byte for byte.
func TestLiveTransfer(t *testing.T) {
	up := make([]byte, 3<<20)
	down := make([]byte, 100<<10)
	rand.Read(up)
	rand.Read(down)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	src, err := capture.Live(capture.Config{Interface: "lo", Ports: []int{port}})
	if errors.Is(err, capture.ErrPermission) {
		t.Skipf("live capture on lo needs CAP_NET_RAW (run as root, as CI does): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		got := make([]byte, len(up))
		if _, err := io.ReadFull(c, got); err != nil {
			served <- err
			return
		}
		_, err = c.Write(down)
		served <- err
	}()

	tr := New(Config{Ports: []int{port}, MaxBytes: 8 << 20})
	captured := make(chan error, 1)
	go func() {
		var p capture.Packet
		fins := 0
		for {
			if err := src.Next(&p); err != nil {
				captured <- err
				return
			}
			tr.Add(&p)
			if p.Flags&capture.FIN != 0 {
				fins++
			}
			if fins == 2 && p.Flags == capture.ACK {
				captured <- nil // the ACK of the second FIN
				return
			}
		}
	}()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(up); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(down))); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case err := <-captured:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		drops := src.Stats().Drops
		src.Close()
		<-captured
		t.Fatalf("the capture did not see the teardown within 20s (kernel drops: %d)", drops)
	}
	src.Close()
	tr.FlushAll()

	conv, ok := tr.Conversation(c.LocalAddr().(*net.TCPAddr).AddrPort(), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
	if !ok {
		t.Fatal("no conversation for the connection")
	}
	toServer, toClient := sides(conv)
	if !bytes.Equal(toServer, up) {
		t.Errorf("client→server: rebuilt %d bytes, sent %d; equal: %v", len(toServer), len(up), bytes.Equal(toServer, up))
	}
	if !bytes.Equal(toClient, down) {
		t.Errorf("server→client: rebuilt %d bytes, sent %d", len(toClient), len(down))
	}
	if conv.Missing != 0 || conv.Dropped != 0 || src.Stats().Drops != 0 {
		t.Errorf("missing %d, dropped %d, kernel drops %d", conv.Missing, conv.Dropped, src.Stats().Drops)
	}
}

// asciiUpper upper-cases ASCII letters only, as the Python echo server
// that recorded the file did (bytes.ToUpper also changes UTF-8).
func asciiUpper(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
