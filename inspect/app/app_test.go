package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/ui"
)

// wait bounds every wait of these tests.
const wait = 20 * time.Second

// recording is a real chat recorded on lo: 24 packets.
var recording = filepath.Join("..", "ui", "testdata", "lab06-chat.pcap")

// readAll returns copies of every packet of the pcap file at path, and
// the file's link type and snap length.
func readAll(t testing.TB, path string) ([]capture.Packet, capture.LinkType, int) {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
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
	return ps, src.LinkType(), src.SnapLen()
}

func TestSavedPcapReadsBack(t *testing.T) {
	ps, link, snap := readAll(t, recording)
	t.Chdir(t.TempDir())
	path, err := SavePcap(link, snap, ps)
	if err != nil {
		t.Fatal(err)
	}
	back, _, _ := readAll(t, path)
	if len(back) != len(ps) || len(back) != 24 {
		t.Fatalf("read back %d packets of %d saved, want 24", len(back), len(ps))
	}
	for i := range back {
		if !bytes.Equal(back[i].Frame, ps[i].Frame) || back[i].Flags != ps[i].Flags {
			t.Errorf("packet %d differs after saving", i+1)
		}
	}
}

func TestSocketFilterWatchesTheTaps(t *testing.T) {
	f := socketFilter(Config{Ports: []int{3008}, Paths: []string{"/tmp/b.sock"},
		Taps: []Tap{{Listen: "/tmp/a.sock", To: "/tmp/b.sock"}, {Listen: ":4000", To: "127.0.0.1:3008"}}})
	if fmt.Sprint(f.Ports) != "[3008 4000]" || fmt.Sprint(f.Paths) != "[/tmp/b.sock /tmp/a.sock]" {
		t.Errorf("filter %+v", f)
	}
}

func TestTapHint(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"the tap the UI runs, on a socket path", Config{Paths: []string{"/srv/chat.sock"},
			Taps: []Tap{{Listen: "127.0.0.1:4000", To: "127.0.0.1:3008"},
				{Listen: "/srv/tap.sock", To: "/srv/chat.sock"}}}, "/srv/tap.sock=/srv/chat.sock"},
		{"else a tap beside the first path watched", Config{Paths: []string{"/srv/a/chat.sock", "/srv/b.sock"}},
			"/srv/a/tap.sock=/srv/a/chat.sock"},
		{"none without a path", Config{Ports: []int{3008}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tapHint(c.cfg); got != c.want {
				t.Errorf("tapHint(%+v) = %q, want %q", c.cfg, got, c.want)
			}
		})
	}
}

// floodFile writes a pcap file of n packets, the frames of the recording
// over and over, each a microsecond after the one before, and returns
// its path and the frames in order.
func floodFile(t testing.TB, n int) (string, [][]byte) {
	t.Helper()
	ps, link, snap := readAll(t, recording)
	path := filepath.Join(t.TempDir(), "flood.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := capture.NewWriter(f, link, snap)
	if err != nil {
		t.Fatal(err)
	}
	start := ps[0].Time
	frames := make([][]byte, n)
	for i := range n {
		p := ps[i%len(ps)]
		p.Time = start.Add(time.Duration(i) * time.Microsecond)
		if err := w.WritePacket(&p); err != nil {
			t.Fatal(err)
		}
		frames[i] = p.Frame
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return path, frames
}

// liveFile is a pcap file read as if it were a live capture: Run does
// not wait for the UI. Its first Next waits for start; the Next that
// finds the end of the file closes end.
type liveFile struct {
	*capture.Source
	start <-chan struct{}
	end   chan struct{}
	once  sync.Once
	first sync.Once
}

func (s *liveFile) Next(p *capture.Packet) error {
	s.first.Do(func() { <-s.start })
	err := s.Source.Next(p)
	if errors.Is(err, io.EOF) {
		s.once.Do(func() { close(s.end) })
	}
	return err
}

// screenText returns the screen as lines of text, read on the UI
// goroutine.
func screenText(a *tview.Application, s tcell.SimulationScreen) string {
	var b strings.Builder
	a.QueueUpdate(func() {
		cells, w, h := s.GetContents()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if rs := cells[y*w+x].Runes; len(rs) > 0 {
					b.WriteString(string(rs))
				} else {
					b.WriteByte(' ')
				}
			}
			b.WriteByte('\n')
		}
	})
	return b.String()
}

func TestAFloodIsCountedAndSavedWhileTheUIIsBlocked(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	const n = 6000
	flood, frames := floodFile(t, n)
	t.Chdir(t.TempDir())

	blocked, release := make(chan struct{}), make(chan struct{})
	var blockOnce sync.Once
	drawn := make(chan struct{}, 1)
	src := &liveFile{start: blocked, end: make(chan struct{})}
	screen := tcell.NewSimulationScreen("UTF-8")
	apps := make(chan *tview.Application, 1)
	env := Env{
		RunEnv: ui.RunEnv{Screen: screen, Ready: func(a *tview.Application) {
			screen.SetSize(160, 45)
			a.SetAfterDrawFunc(func(tcell.Screen) {
				// The first draw blocks the UI until the test lets go.
				blockOnce.Do(func() {
					close(blocked)
					<-release
				})
				select {
				case drawn <- struct{}{}:
				default:
				}
			})
			apps <- a
		}},
		Open: func(cfg Config) (Source, ui.Status, error) {
			s, err := capture.OpenFile(flood)
			src.Source = s
			return src, ui.Status{Source: "live lo", Filter: filterText(cfg), Capture: "capturing"}, err
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Ports: []int{3008}, Paths: []string{"/nonexistent/x.sock"}}, io.Discard, env)
	}()
	a := <-apps

	// The reader takes the whole flood while the UI cannot draw.
	select {
	case <-src.end:
	case <-time.After(wait):
		close(release)
		t.Fatal("the capture reader waited for a blocked UI")
	}
	close(release)

	waitFor := func(re *regexp.Regexp) string {
		t.Helper()
		deadline := time.After(wait)
		for {
			got := screenText(a, screen)
			if re.MatchString(got) {
				return got
			}
			select {
			case <-drawn:
			case <-deadline:
				t.Fatalf("the screen never matched %s:\n%s", re, got)
			}
		}
	}
	waitFor(regexp.MustCompile(fmt.Sprintf(`\b%d packets seen\b.*\b\d+ not listed \(UI behind\)`, n)))
	screen.InjectKey(tcell.KeyRune, 'w', tcell.ModNone)
	got := waitFor(regexp.MustCompile(`saved \d+ packets to (\S+\.pcap)`))
	m := regexp.MustCompile(`saved (\d+) packets to (\S+\.pcap)`).FindStringSubmatch(got)
	if m[1] != fmt.Sprint(n) {
		t.Errorf("w saved %s packets, want all %d captured", m[1], n)
	}
	back, _, _ := readAll(t, m[2])
	if len(back) != n {
		t.Fatalf("the saved file holds %d packets, want %d", len(back), n)
	}
	for i := range back {
		if !bytes.Equal(back[i].Frame, frames[i]) {
			t.Fatalf("packet %d of the saved file differs from the one captured", i+1)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not stop")
	}
	goleak.VerifyNone(t, opt)
}

func TestAFileIsListedWhole(t *testing.T) {
	// More packets than a frame lists: a file waits for the screen, so
	// every packet is listed, none only counted.
	opt := goleak.IgnoreCurrent()
	const n = 3 * FilePerFrame
	file, _ := floodFile(t, n)
	screen := tcell.NewSimulationScreen("UTF-8")
	apps := make(chan *tview.Application, 1)
	drawn := make(chan struct{}, 1)
	env := Env{RunEnv: ui.RunEnv{Screen: screen, Ready: func(a *tview.Application) {
		screen.SetSize(160, 45)
		a.SetAfterDrawFunc(func(tcell.Screen) {
			select {
			case drawn <- struct{}{}:
			default:
			}
		})
		apps <- a
	}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Ports: []int{3008}, Paths: []string{"/nonexistent/x.sock"}, File: file},
			io.Discard, env)
	}()
	a := <-apps
	want := fmt.Sprintf("Packets (%d)", n)
	deadline := time.After(wait)
	for {
		got := screenText(a, screen)
		if strings.Contains(got, want) && strings.Contains(got, "end of file") {
			if strings.Contains(got, "not listed") {
				t.Errorf("a file's packets were passed over:\n%s", got)
			}
			break
		}
		select {
		case <-drawn:
		case <-deadline:
			t.Fatalf("the screen never showed %q and the end of the file:\n%s", want, got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
	goleak.VerifyNone(t, opt)
}
