package ui

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/stream"
)

// The screenshots in docs/img, drawn at a common terminal size.
const (
	shotW = 120
	shotH = 36
)

// sessionUI returns the UI as `inspect -r lab06-chat.pcap -tap
// /tmp/sl/tap.sock=/tmp/sl/chat.sock` shows a class session: the packets
// of the recorded lab session (a TCP client of the chat room: handshake,
// "hi there", teardown) and, interleaved by time, what a real tap relay
// reported of the same chat over a Unix socket (relayChat). The socket
// table is the one `inspect sockets` lists for such a session, with
// fixed inodes and pids.
func sessionUI(t testing.TB, th Theme) *UI {
	t.Helper()
	src, err := capture.OpenFile(filepath.Join("testdata", "lab06-chat.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.SetPorts([]int{3008})
	var ps []capture.Packet
	for {
		var p capture.Packet
		err := src.Next(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p.Copy())
	}
	evs := relayChat(t, ps[0].Time.Add(50*time.Millisecond), 150*time.Millisecond)

	tr := stream.New(stream.Config{Ports: []int{3008}})
	u := New(Options{ServerPorts: []int{3008}, Conversations: tr, Theme: th})
	m := u.Model()
	m.SetStatus(Status{Source: "file lab06-chat.pcap + 1 tap",
		Filter: "tcp port 3008 + unix " + fixtureChat, LinkType: "Ethernet",
		Capture: "end of file", Done: true})
	m.SetSockets(sessionTable())
	// Feed both sources in time order, one at a time, as the TUI's
	// batches would.
	for len(ps) > 0 || len(evs) > 0 {
		if len(evs) == 0 || len(ps) > 0 && ps[0].Time.Before(evs[0].Time) {
			tr.Add(&ps[0])
			m.AddPackets(ps[:1])
			ps = ps[1:]
			continue
		}
		m.AddTapEvents(evs[:1])
		evs = evs[1:]
	}
	tr.FlushAll()
	m.SetStats(capture.Stats{Packets: 24})
	// Select Ada's "hi there" through the tap, in the Packets pane.
	for i := m.Len() - 1; i >= 0; i-- {
		if r := m.at(i); r.tap != nil && r.dir == capture.ClientToServer && r.p.Len > 0 {
			m.selected, m.follow = r.seq, false
			break
		}
	}
	u.setFocus(panePackets)
	return u
}

// sessionTable is the socket table of the session: the chat room's TCP
// listener (dual-stack) and Unix listener, the tap's listener, and the
// Unix pairs of the tapped client (Ada to the tap, the tap to the room).
func sessionTable() sockets.Snapshot {
	const room, relay, nc = 5150, 5200, 5301
	return sockets.Snapshot{Taken: t0, Sockets: []sockets.Socket{
		{Kind: sockets.TCP, Family: "IPv6", LocalAddr: "::", LocalPort: 3008,
			State: "LISTEN", SendQ: 4096, Inode: 81001, DualStack: true, PID: room, Process: "08-dual"},
		{Kind: sockets.TCP, Family: "IPv4", LocalAddr: "127.0.0.1", LocalPort: 57526,
			RemoteAddr: "127.0.0.1", RemotePort: 3008, State: "TIME_WAIT"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: fixtureChat,
			State: "LISTEN", Inode: 81002, PID: room, Process: "08-dual"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: fixtureTap,
			State: "LISTEN", Inode: 81101, PID: relay, Process: "inspect"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: fixtureTap,
			State: "ESTABLISHED", Inode: 81102, PeerInode: 81103, PID: relay, Process: "inspect"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", State: "ESTABLISHED",
			Inode: 81103, PeerInode: 81102, PID: nc, Process: "nc"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", Path: fixtureChat,
			State: "ESTABLISHED", Inode: 81003, PeerInode: 81104, PID: room, Process: "08-dual"},
		{Kind: sockets.Unix, Family: "unix", Type: "stream", State: "ESTABLISHED",
			Inode: 81104, PeerInode: 81003, PID: relay, Process: "inspect"},
	}}
}

// screenshot draws u at the screenshot size and returns the screen.
func screenshot(t testing.TB, u *UI) tcell.SimulationScreen {
	t.Helper()
	return draw(t, u, shotW, shotH)
}

// svgGolden compares the SVG of s with docs/img/name.svg, or rewrites the
// file when the test runs with -update.
func svgGolden(t testing.TB, name string, s tcell.SimulationScreen) {
	t.Helper()
	var got bytes.Buffer
	if err := WriteSVG(&got, s); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "img", name+".svg")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s is not what the views draw now (run go test -update if the change is right); the screen now:\n%s",
			path, screenText(s))
	}
}

func TestScreenshotsAreTrue(t *testing.T) {
	t.Run("the main screen with a captured TCP client and a tapped IPC client", func(t *testing.T) {
		s := screenshot(t, sessionUI(t, DefaultTheme()))
		golden(t, "session", screenText(s))
		svgGolden(t, "inspect", s)
	})
	t.Run("the compare view puts the two connections side by side", func(t *testing.T) {
		u := sessionUI(t, DefaultTheme())
		press(u, key(tcell.KeyRune, 'v'))
		s := screenshot(t, u)
		golden(t, "compare", screenText(s))
		svgGolden(t, "compare", s)
	})
	t.Run("the compare view in the high-contrast theme", func(t *testing.T) {
		u := sessionUI(t, HighContrastTheme())
		press(u, key(tcell.KeyRune, 'v'))
		s := screenshot(t, u)
		if got, want := screenText(s), screenText(screenshot(t, func() *UI {
			u := sessionUI(t, DefaultTheme())
			press(u, key(tcell.KeyRune, 'v'))
			return u
		}())); got != want {
			t.Errorf("the theme changed the text, not only the colours:\n%s", got)
		}
		svgGolden(t, "compare-contrast", s)
	})
}

func TestDocsShowTheScreenshots(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"inspect", "compare", "compare-contrast"} {
		if !bytes.Contains(doc, []byte("](img/"+name+".svg)")) {
			t.Errorf("docs/inspect.md does not show img/%s.svg", name)
		}
	}
}

func TestWriteSVG(t *testing.T) {
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	defer s.Fini()
	s.SetSize(4, 1)
	s.SetContent(0, 0, '<', nil, tcell.StyleDefault.Foreground(tcell.ColorRed))
	s.SetContent(1, 0, '&', nil, tcell.StyleDefault.Foreground(tcell.ColorRed))
	s.SetContent(2, 0, 'x', nil, tcell.StyleDefault.Reverse(true))
	s.Show()
	var b bytes.Buffer
	if err := WriteSVG(&b, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`width="36" height="19"`,
		`fill="#ff0000" textLength="18" lengthAdjust="spacingAndGlyphs" xml:space="preserve">&lt;&amp;</text>`,
		`<rect x="18" y="0" width="9" height="19" fill="#d0d0d0"/>`, // reversed: light background
		`fill="#101010" textLength="9"`, // and dark text
	} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("SVG lacks %s:\n%s", want, b.String())
		}
	}
}

func TestHighContrastTheme(t *testing.T) {
	th := HighContrastTheme()
	// WCAG 2 asks for a contrast ratio of at least 4.5 for text; every
	// colour text is drawn in must reach it on the black background.
	colors := map[string]tcell.Color{"Text": th.Text, "Dim": th.Dim, "Header": th.Header,
		"Border": th.Border, "Focus": th.Focus, "Client": th.Client, "Server": th.Server,
		"Handshake": th.Handshake, "Teardown": th.Teardown, "Reset": th.Reset,
		"Listen": th.Listen, "Open": th.Open, "Closing": th.Closing, "Warning": th.Warning,
		"OK": th.OK, "Tap": th.Tap}
	for name, c := range colors {
		if r := contrastRatio(c, tcell.ColorBlack); r < 4.5 {
			t.Errorf("%s (%v) has contrast %.2f on black, want at least 4.5", name, c, r)
		}
	}
	if r := contrastRatio(th.StatusText, th.StatusBack); r < 7 {
		t.Errorf("the status bar has contrast %.2f, want at least 7", r)
	}
	fg, bg, _ := th.Selected.Decompose()
	if r := contrastRatio(fg, bg); r < 7 {
		t.Errorf("the selected row has contrast %.2f, want at least 7", r)
	}
	if contrastRatio(th.Client, th.Server) < 1.3 {
		t.Error("client and server colours are too close in brightness to tell apart in greyscale")
	}
	if l := strings.Join(helpLegend(th), "\n"); !strings.Contains(l, "Yellow: client→server.  Magenta: server→client.") {
		t.Errorf("the help does not name the theme's colours:\n%s", l)
	}
	names := []string{colorName(th.Client), colorName(th.Server)}
	if slices.Contains(names, colorName(th.Tap)) {
		t.Errorf("the tap colour %s is a direction colour too", colorName(th.Tap))
	}
}

// contrastRatio is WCAG 2's contrast ratio of two colours, from 1 to 21.
func contrastRatio(a, b tcell.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c tcell.Color) float64 {
	r, g, b := c.TrueColor().RGB()
	lin := func(v int32) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
