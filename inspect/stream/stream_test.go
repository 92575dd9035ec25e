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
		{Dir: capture.ClientToServer, Data: []byte("hello\n")},
		{Dir: capture.ServerToClient, Data: []byte("HELLO\n")},
		{Dir: capture.ClientToServer, Data: []byte("how are you?\n")},
		{Dir: capture.ServerToClient, Data: []byte("HOW ARE YOU?\n")},
		{Dir: capture.ClientToServer, Data: binary},
		{Dir: capture.ServerToClient, Data: asciiUpper(binary)},
	}
	t.Run("the conversation alternates as it was sent", func(t *testing.T) {
		c := only(t, feed(Config{}, ps))
		if c.Client != netip.MustParseAddrPort("127.0.0.1:57200") || c.Server.Port() != 39008 {
			t.Errorf("client %v, server %v", c.Client, c.Server)
		}
		if len(c.Chunks) != len(want) {
			t.Fatalf("%d chunks, want %d: %v", len(c.Chunks), len(want), c.Chunks)
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
			t.Errorf("snapshot changed: %v", snap.Chunks)
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
		src.Close()
		<-captured
		drops := src.Stats().Drops
		if drops == 0 {
			t.Fatal("the capture did not see the teardown within 20s, and the kernel dropped nothing")
		}
		// What the capture holds stops short of the end: nothing in it
		// tells how many bytes were sent after, so there is nothing to
		// account for.
		t.Skipf("the kernel dropped %d packets and the capture saw no teardown within 20s", drops)
	}
	src.Close()
	tr.FlushAll()

	conv, ok := tr.Conversation(c.LocalAddr().(*net.TCPAddr).AddrPort(), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
	if !ok {
		t.Fatal("no conversation for the connection")
	}
	if drops := src.Stats().Drops; drops > 0 {
		// A loaded machine made the kernel drop packets, so bytes are
		// missing; but none may go unaccounted.
		t.Logf("the kernel dropped %d packets: checking that every byte is shown in its place or marked missing", drops)
		accounted(t, conv, capture.ClientToServer, up)
		accounted(t, conv, capture.ServerToClient, down)
		return
	}
	toServer, toClient := sides(conv)
	if !bytes.Equal(toServer, up) {
		t.Errorf("client→server: rebuilt %d bytes, sent %d; equal: %v", len(toServer), len(up), bytes.Equal(toServer, up))
	}
	if !bytes.Equal(toClient, down) {
		t.Errorf("server→client: rebuilt %d bytes, sent %d", len(toClient), len(down))
	}
	if conv.Missing != 0 || conv.Dropped != 0 {
		t.Errorf("missing %d, dropped %d", conv.Missing, conv.Dropped)
	}
}

// accounted checks that the chunks of direction d show the bytes sent
// at their places, with a gap marked wherever bytes are not shown, up to
// the end of what was sent (a lost FIN may count one more).
func accounted(t testing.TB, c Conversation, d capture.Dir, sent []byte) {
	t.Helper()
	at := int64(0)
	for _, ch := range c.Chunks {
		if ch.Dir != d {
			continue
		}
		if ch.Gap != 0 {
			at += ch.Gap
			continue
		}
		end := at + int64(len(ch.Data))
		if end > int64(len(sent)) || !bytes.Equal(ch.Data, sent[at:end]) {
			t.Errorf("%v: %d bytes shown at offset %d are not the bytes sent there", d, len(ch.Data), at)
			return
		}
		at = end
	}
	if at < int64(len(sent)) || at > int64(len(sent))+1 {
		t.Errorf("%v: shown and marked missing add up to %d bytes, sent %d", d, at, len(sent))
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

// analysisRecording returns the packets of a capture in inspect/analysis's
// testdata, copied.
func analysisRecording(t testing.TB, name string) []capture.Packet {
	t.Helper()
	return recording(t, "../../analysis/testdata/"+name)
}

func TestDataAfterAnyStart(t *testing.T) {
	ps := analysisRecording(t, "keepalive.pcap")
	// Frame 8 is the client's first keepalive: seq one below the next
	// byte. A capture that starts there must still show what follows,
	// at once, without waiting for a flush.
	tr := New(Config{Ports: []int{39101}})
	for i := range ps[7:14] {
		tr.Add(&ps[7+i])
	}
	c := only(t, tr)
	toServer, toClient := sides(c)
	if string(toServer) != "still there?\n" || string(toClient) != "STILL THERE?\n" {
		t.Errorf("after a keepalive start: %q and %q", toServer, toClient)
	}
	if c.Missing != 0 {
		t.Errorf("%d bytes counted missing; a keepalive hides none", c.Missing)
	}
}

// fakeClock is a wall clock that moves only when told.
type fakeClock struct{ now time.Time }

func (f *fakeClock) Now() time.Time { return f.now }

func TestHoleGivenUpByTime(t *testing.T) {
	ps := recording(t, "echo4.pcap")
	// Leave out frame 4, the client's "hello\n": the client's next
	// segment waits behind a 6-byte hole.
	var kept []capture.Packet
	kept = append(kept, ps[:3]...)
	kept = append(kept, ps[4:]...)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	// Give every packet the same capture time, so that only the wall
	// clock can end the wait.
	for i := range kept {
		kept[i].Time = ps[0].Time
	}
	tr := New(Config{Now: clock.Now})
	for i := range kept {
		if kept[i].Flags&capture.SYN == 0 && kept[i].Src.Port() == 39008 {
			// Hide the server's ACKs of the client's bytes, which would
			// say the hole reached the server.
			p := kept[i]
			p.Flags &^= capture.ACK
			tr.Add(&p)
			continue
		}
		tr.Add(&kept[i])
	}
	t.Run("a hole waits while it may still be filled", func(t *testing.T) {
		c := only(t, tr)
		toServer, _ := sides(c)
		if len(toServer) != 0 || c.Missing != 0 {
			t.Errorf("before the wait ends: %q sent, %d missing", toServer, c.Missing)
		}
	})
	t.Run("after the wait the hole shows in place and the bytes after it follow", func(t *testing.T) {
		clock.now = clock.now.Add(DefaultGiveUp)
		c := only(t, tr)
		if c.Missing != 6 {
			t.Errorf("%d bytes missing, want 6", c.Missing)
		}
		var first *Chunk
		for i := range c.Chunks {
			if c.Chunks[i].Dir == capture.ClientToServer {
				first = &c.Chunks[i]
				break
			}
		}
		if first == nil || first.Gap != 6 || len(first.Data) != 0 {
			t.Fatalf("the client's first chunk is %+v, want a 6-byte gap", first)
		}
		toServer, _ := sides(c)
		if !bytes.HasPrefix(toServer, []byte("how are you?\n")) {
			t.Errorf("after the hole: %q", toServer)
		}
	})
}

func TestHoleGivenUpByCaptureTime(t *testing.T) {
	ps := recording(t, "echo4.pcap")
	var kept []capture.Packet
	kept = append(kept, ps[:3]...)
	kept = append(kept, ps[4:]...)
	clock := &fakeClock{now: time.Unix(1000, 0)}
	tr := New(Config{Now: clock.Now})
	late := kept[len(kept)-1]
	for i := range kept[:len(kept)-1] {
		p := kept[i]
		if p.Flags&capture.SYN == 0 {
			p.Flags &^= capture.ACK // no ACK may end the wait
		}
		tr.Add(&p)
	}
	if c := only(t, tr); c.Missing != 0 {
		t.Fatalf("%d bytes missing before the wait ends", c.Missing)
	}
	// A packet a GiveUp later by the capture's clock ends the wait.
	late.Time = late.Time.Add(DefaultGiveUp)
	late.Flags &^= capture.ACK
	tr.Add(&late)
	if c := only(t, tr); c.Missing != 6 {
		t.Errorf("%d bytes missing after a later packet, want 6", c.Missing)
	}
}

func TestPendingIsBounded(t *testing.T) {
	// One segment, then many out of order after a hole: the Tracker
	// gives the hole up rather than hold more than MaxPending.
	base := capture.Packet{
		Src: netip.MustParseAddrPort("127.0.0.1:40000"), Dst: netip.MustParseAddrPort("127.0.0.1:3008"),
		Flags: capture.ACK | capture.PSH, Time: time.Unix(1, 0),
	}
	tr := New(Config{MaxPending: 1000, Now: func() time.Time { return time.Unix(1, 0) }})
	data := bytes.Repeat([]byte("x"), 100)
	for i := 0; i < 100; i++ {
		p := base
		p.RawSeq = uint32(1000 + i*200) // every other 100 bytes is missing
		p.Payload, p.Len = data, len(data)
		tr.Add(&p)
		tr.mu.Lock()
		held := 0
		for _, c := range tr.convs {
			held += c.halves[0].held
		}
		tr.mu.Unlock()
		if held > 1000 {
			t.Fatalf("after %d segments %d bytes wait, limit 1000", i+1, held)
		}
	}
	c := only(t, tr)
	if c.Missing == 0 || c.Bytes[0] < 5000 {
		t.Errorf("missing %d, shown %d: the holes were not given up", c.Missing, c.Bytes[0])
	}
}

func TestPendingOfAllConversationsIsBounded(t *testing.T) {
	tr := New(Config{MaxPending: 1000, MaxPendingTotal: 1500, MaxConversations: 8,
		Now: func() time.Time { return time.Unix(1, 0) }})
	data := bytes.Repeat([]byte("y"), 100)
	for i := 0; i < 400; i++ {
		// Eight clients take turns, then eight others, whose
		// conversations push the first ones out.
		port := 40000 + i%8
		if i >= 300 {
			port += 8
		}
		p := capture.Packet{
			Src:    netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
			Dst:    netip.MustParseAddrPort("127.0.0.1:3008"),
			Flags:  capture.ACK | capture.PSH,
			Time:   time.Unix(1, 0),
			RawSeq: uint32(1000 + (i/8)*200), Payload: data, Len: len(data),
		}
		tr.Add(&p)
		tr.mu.Lock()
		sum := 0
		for _, c := range tr.convs {
			sum += c.halves[0].held + c.halves[1].held
		}
		pending := tr.pending
		tr.mu.Unlock()
		if pending != sum || pending > 1500 {
			t.Fatalf("after %d segments: %d bytes counted waiting, %d held; limit 1500", i+1, pending, sum)
		}
	}
}

func TestBytesAcknowledgedButNeverCapturedAreMissing(t *testing.T) {
	ps := recording(t, "echo4.pcap")
	// Frame 11, the server's last 256 bytes, is left out, and so is
	// everything the server sent after it: only the client's FIN, which
	// acknowledges those bytes, says they were sent.
	kept := append(append([]capture.Packet(nil), ps[:10]...), ps[11])
	now := time.Unix(1000, 0)
	tr := New(Config{Now: func() time.Time { return now }})
	for i := range kept {
		kept[i].Time = ps[0].Time
		tr.Add(&kept[i])
	}
	server := func() []Chunk {
		c := only(t, tr)
		var out []Chunk
		for _, ch := range c.Chunks {
			if ch.Dir == capture.ServerToClient {
				out = append(out, ch)
			}
		}
		return out
	}
	if got := server(); got[len(got)-1].Gap != 0 {
		t.Fatalf("marked missing at once: %+v", got[len(got)-1])
	}
	now = now.Add(DefaultGiveUp)
	got := server()
	if last := got[len(got)-1]; last.Gap != 256 {
		t.Errorf("the server's last chunk is %+v, want 256 bytes marked missing", last)
	}
}
