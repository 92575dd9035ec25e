package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/tap"
)

// tapUI returns a UI holding the fixture table, the fixture TCP
// conversation and a real relay's report of the same chat over IPC.
func tapUI(t testing.TB) *UI {
	t.Helper()
	u := fullUI(t)
	u.m.AddTapEvents(relayChat(t, t0.Add(2*time.Millisecond), 100*time.Millisecond))
	return u
}

func TestTapTrafficInTheViews(t *testing.T) {
	u := tapUI(t)
	t.Run("the relay reported the conversation chunk by chunk", func(t *testing.T) {
		var got []string
		for i := 0; i < u.m.n; i++ {
			if r := u.m.at(i); r.tap != nil {
				got = append(got, r.tap.kind.String()+" "+r.dir.String())
			}
		}
		want := "open ?|data server→client|data server→client|data client→server|" +
			"data server→client|half-close client→server|half-close server→client|close ?"
		if strings.Join(got, "|") != want {
			t.Errorf("tap rows\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
	})
	u.m.selected, u.m.follow = u.m.at(u.m.n-5).seq, false // Ada's "hi there"
	t.Run("tap rows sit beside captured packets, marked tap, with the banner", func(t *testing.T) {
		s := draw(t, u.packets, 150, 21)
		golden(t, "tap-packets", screenText(s))
		x, y := findText(t, s, "tap data")
		if _, _, st, _ := s.GetContent(x, y); fg(st) != u.m.opt.Theme.Tap {
			t.Errorf("the kind column of a tap row is %v, want the tap colour", fg(st))
		}
		x, y = findText(t, s, "server→client /tmp/sl/chat.sock")
		if _, _, st, _ := s.GetContent(x, y); fg(st) != u.m.opt.Theme.Server {
			t.Errorf("a tap row's direction is %v, want the server colour", fg(st))
		}
	})
	t.Run("the bytes pane dumps a tap chunk and says where it came from", func(t *testing.T) {
		got := screenText(draw(t, u.bytes, 78, 9))
		golden(t, "tap-bytes", got)
		inDocs(t, "tap-bytes", got)
	})
	t.Run("the stream pane shows the tap conversation under the banner", func(t *testing.T) {
		s := draw(t, u.stream, 90, 9)
		golden(t, "tap-stream", screenText(s))
		inDocs(t, "tap-stream", screenText(s))
		x, y := findText(t, s, "→ hi there")
		if _, _, st, _ := s.GetContent(x, y); fg(st) != u.m.opt.Theme.Client {
			t.Errorf("client text is %v, want the client colour", fg(st))
		}
	})
	t.Run("the status bar counts tap events", func(t *testing.T) {
		got := screenText(draw(t, u.status, 150, 2))
		if !strings.Contains(got, "10 packets + 8 tap events seen") {
			t.Errorf("status bar:\n%s", got)
		}
	})
	t.Run("Enter on a tap row narrows to its connection", func(t *testing.T) {
		u := tapUI(t)
		u.m.selected, u.m.follow = u.m.at(u.m.n-1).seq, false
		press(u, key(tcell.KeyTab, 0), key(tcell.KeyEnter, 0))
		if u.m.Len() != 8 || u.m.Narrow() != "tap connection #1" {
			t.Errorf("narrowed to %q: %d rows, want tap connection #1: 8", u.m.Narrow(), u.m.Len())
		}
		press(u, key(tcell.KeyEscape, 0))
		if u.m.Len() != 18 {
			t.Errorf("Esc: %d rows, want 18", u.m.Len())
		}
	})
	t.Run("saving writes captured packets only", func(t *testing.T) {
		if n := len(u.m.Packets()); n != 10 {
			t.Errorf("Packets() returned %d, want the 10 captured", n)
		}
	})
}

func TestTapEventsPassThroughABatcher(t *testing.T) {
	b := NewBatcher(4, 0)
	data := []byte("hello\n")
	b.AddTapEvents([]TapEvent{{Tap: "t", Event: tap.Event{Time: t0, Conn: 1, Kind: tap.Data,
		Dir: tap.ClientToServer, Len: 6, Data: data}}})
	copy(data, "XXXXXX") // the source reuses its buffer
	batch := b.take()
	if batch == nil || len(batch.Taps) != 1 || string(batch.Taps[0].Data) != "hello\n" {
		t.Fatalf("batch %+v", batch)
	}
	m := NewModel(Options{})
	m.Apply(batch)
	if m.Len() != 1 || m.tapSeen != 1 {
		t.Errorf("model has %d rows, %d tap events", m.Len(), m.tapSeen)
	}
	t.Run("more events than a batch holds are counted as skipped", func(t *testing.T) {
		for i := 0; i < 10; i++ {
			b.AddTapEvents([]TapEvent{{Tap: "t", Event: tap.Event{Conn: 1, Kind: tap.Open}}})
		}
		batch := b.take()
		if len(batch.Taps) > 4 || batch.Skipped == 0 {
			t.Errorf("%d events pending, %d skipped", len(batch.Taps), batch.Skipped)
		}
	})
	t.Run("events lost by the relay are shown", func(t *testing.T) {
		m := NewModel(Options{})
		m.AddTapEvents([]TapEvent{{Tap: "t", Event: tap.Event{Conn: 2, Kind: tap.Data,
			Dir: tap.ServerToClient, Len: 3, Data: []byte("abc"), Dropped: 7}}})
		if r := m.at(0); !strings.Contains(r.note, "7 tap events lost") || m.tapLost != 7 {
			t.Errorf("note %q, lost %d", r.note, m.tapLost)
		}
	})
	t.Run("a chunk longer than the data kept is marked in the stream", func(t *testing.T) {
		m := NewModel(Options{})
		m.AddTapEvents([]TapEvent{{Tap: "t", Event: tap.Event{Conn: 3, Kind: tap.Data,
			Dir: tap.ClientToServer, Len: 10, Data: []byte("abc")}}})
		s := m.streams[connKey{tap: "t", conn: 3}]
		if s == nil || len(s.chunks) != 2 || s.chunks[1].gap != 7 {
			t.Errorf("stream %+v", s)
		}
	})
	t.Run("paused, tap events are counted and held back", func(t *testing.T) {
		m := NewModel(Options{})
		m.SetPaused(true)
		m.AddTapEvents([]TapEvent{{Tap: "t", Event: tap.Event{Conn: 1, Kind: tap.Open}}})
		if m.Len() != 0 || m.held != 1 {
			t.Errorf("%d rows, %d held", m.Len(), m.held)
		}
	})
}

// inDocs fails the test unless docs/inspect.md shows picture as drawn.
func inDocs(t testing.TB, name, picture string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), picture) {
		t.Errorf("docs/inspect.md does not show testdata/%s.golden as drawn now", name)
	}
}

func fg(st tcell.Style) tcell.Color {
	c, _, _ := st.Decompose()
	return c
}

func TestApplyListsTapEventsAmongPacketsByTime(t *testing.T) {
	ps := conversation() // 10 packets, 150 µs apart from t0
	at := func(us int) TapEvent {
		return TapEvent{Tap: "t", Event: tap.Event{Time: t0.Add(time.Duration(us) * time.Microsecond),
			Conn: 1, Kind: tap.Open}}
	}
	m := NewModel(Options{ServerPorts: []int{3008}})
	m.Apply(&Batch{Packets: ps, Taps: []TapEvent{at(-10), at(200), at(201), at(5000)}})
	var got []string
	for i := 0; i < m.Len(); i++ {
		got = append(got, packetCell(m, m.at(i), 0))
	}
	want := "t1 1 2 t2 t3 3 4 5 6 7 8 9 10 t4"
	if strings.Join(got, " ") != want {
		t.Errorf("order %s, want %s", strings.Join(got, " "), want)
	}
}
