package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/ui"
)

// LivePerFrame is the most packets of a live capture the flusher lists
// per frame: 20 frames a second make 10,000 rows a second, more than
// anyone reads. Under a flood the newest are listed and the rest only
// counted (and kept for w); packets of a file are all listed, at most
// FilePerFrame a frame.
const (
	LivePerFrame = 500
	FilePerFrame = 2000
)

// Env is what Run takes from the outside world; tests replace parts of
// it. Its zero value runs on the terminal and opens the source Config
// names.
type Env struct {
	ui.RunEnv
	// IsTerminal reports whether stdout is a terminal; nil checks it.
	IsTerminal func(stdout io.Writer) bool
	// Open opens the packet source; nil opens the live capture or the
	// file of Config. It returns no source (and a status that says why)
	// when there is nothing to capture from.
	Open func(Config) (Source, ui.Status, error)
}

// Run opens the terminal UI on what cfg describes: the socket table, the
// packets, the selected packet's bytes and the conversation. It refuses
// a stdout that is not a terminal, starts the relays of cfg.Taps that
// need starting, and returns when the user quits (q, Ctrl-C) or ctx is
// done, once every goroutine it started has ended, every relay it
// started is closed (its socket file removed) and the terminal is
// restored. Errors before the screen opens (a bad pcap file, a tap that
// cannot listen) are returned as they are; a pcap file found broken
// while it is shown is reported in the status bar and returned once the
// user quits.
func Run(ctx context.Context, cfg Config, stdout io.Writer, env Env) error {
	cfg = cfg.withDefaults()
	isTerminal := env.IsTerminal
	if isTerminal == nil {
		isTerminal = stdoutIsTerminal
	}
	if env.Screen == nil && !isTerminal(stdout) {
		return errors.New("the terminal UI needs a terminal, and standard output " +
			"is not one; for scripts and pipes use `inspect sockets` (the socket " +
			"table) or `inspect packets` (one line per packet)")
	}
	relays, err := startTaps(cfg.Taps)
	if err != nil {
		return err
	}
	var closeRelays sync.Once
	defer closeRelays.Do(func() { closeAll(relays) })
	openSource := env.Open
	if openSource == nil {
		openSource = open
	}
	src, status, err := openSource(cfg)
	if err != nil {
		return err
	}
	if len(cfg.Taps) > 0 {
		status.Source += fmt.Sprintf(" + %d tap", len(cfg.Taps))
		if len(cfg.Taps) > 1 {
			status.Source += "s"
		}
	}

	var tracked []int
	if !cfg.All {
		tracked = cfg.Ports
	}
	f := &flusher{
		tracker: stream.New(stream.Config{Ports: tracked,
			MaxBytes: ui.DefaultStreamBytes, MaxConversations: ui.DefaultStreams}),
		b:       ui.NewBatcher(cfg.Ring, ui.DefaultPayloadKeep),
		perTick: LivePerFrame,
		sample:  true,
	}
	if status.File {
		f.perTick, f.sample = FilePerFrame, false
	}
	theme := ui.DefaultTheme()
	if cfg.Contrast {
		theme = ui.HighContrastTheme()
	}
	u := ui.New(ui.Options{
		RingSize:      cfg.Ring,
		ServerPorts:   cfg.Ports,
		Conversations: f.tracker,
		SocketsHint:   socketsHint(cfg),
		PacketsHint:   packetsHint(cfg),
		TapHint:       tapHint(cfg),
		Theme:         theme,
		Compare:       cfg.Compare,
	})
	u.Model().SetStatus(status)
	if src != nil {
		f.store = newStore(cfg.Ring, DefaultStoreBytes)
		// Read now: the source's LinkType belongs to the reading goroutine.
		link, snap, s := src.LinkType(), src.SnapLen(), f.store
		u.Save = func() (ui.Saved, error) {
			ps, captured := s.packets()
			path, err := SavePcap(link, snap, ps)
			return ui.Saved{Path: path, Packets: len(ps), Captured: captured}, err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pollSockets(ctx, f.b, socketFilter(cfg), src)
	}()
	var readErr error // what broke the source, returned once the UI ends
	if src != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readErr = readPackets(ctx, src, f.store, f.b, status)
		}()
	}
	for i, t := range cfg.Taps {
		name, events := tapName(t), t.Events
		if relays[i] != nil {
			r := relays[i]
			events = r.Events()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.Serve(ctx) // closes events when it returns
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			readTap(ctx, name, events, f.b)
		}()
	}

	runErr := u.Run(ctx, env.RunEnv, f.run)
	cancel()
	if src != nil {
		src.Close() // wakes a Next waiting for a packet
	}
	closeRelays.Do(func() { closeAll(relays) })
	wg.Wait()
	if src != nil {
		// A live source frees its memory when Next returns io.EOF after
		// Close; the reader may have stopped before that.
		var p capture.Packet
		src.Next(&p)
	}
	if runErr != nil {
		return runErr
	}
	return readErr
}

func closeAll(relays []*tap.Relay) {
	for _, r := range relays {
		if r != nil {
			r.Close()
		}
	}
}

// stdoutIsTerminal reports whether w is a terminal.
func stdoutIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// flusher hands the UI what the sources sent, once per frame: the
// Batcher's socket tables, counters, statuses and tap events, and the
// packets new in the store.
type flusher struct {
	store   *store // nil without a packet source
	tracker *stream.Tracker
	b       *ui.Batcher
	perTick int  // packets listed per frame at most
	sample  bool // list the newest perTick and count the rest (live)

	scratch   []capture.Packet
	buf       []byte
	lastFlush time.Time
	ended     bool // the source said it is done
	flushed   bool // and the reassembly was flushed after its last packet
}

// run is the flush loop; ui.UI.Run runs it on its own goroutine.
func (f *flusher) run(ctx context.Context, apply func(*ui.Batch)) {
	tick := time.NewTicker(ui.FrameInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		f.takePackets()
		// Once the source has ended and every packet is taken, the
		// reassembly gives up on what it still waits for, and the
		// screen shows it even if nothing else arrives.
		redraw := false
		if f.ended && !f.flushed && (f.store == nil || f.store.pending() == 0) {
			f.tracker.FlushAll()
			f.flushed, redraw = true, true
		}
		applied := f.b.Flush(func(batch *ui.Batch) {
			if batch.Status != nil && batch.Status.Done {
				f.ended = true
			}
			apply(batch)
		})
		if redraw && !applied {
			apply(&ui.Batch{})
		}
	}
}

// takePackets feeds the reassembly every packet new in the store, and
// the Batcher the ones to list. A live capture lists the newest perTick
// and counts the others as not listed; a file lists the oldest perTick,
// and the rest wait for the next frame.
func (f *flusher) takePackets() {
	if f.store == nil {
		return
	}
	limit := f.perTick
	var skipped, listFrom uint64
	if f.sample {
		// So far behind that the reassembly cannot catch up in a frame:
		// pass over all but what the store holds at once.
		skipped = f.store.skipTo(uint64(len(f.store.slots)))
		pending := f.store.pending()
		if pending == 0 {
			f.b.AddSkipped(skipped)
			return
		}
		// Take what is there now, not what arrives meanwhile.
		limit = int(pending)
		listFrom = pending - min(pending, uint64(f.perTick))
	}
	var i uint64
	var one [1]capture.Packet
	lost := f.store.take(limit, &f.scratch, &f.buf, func(p *capture.Packet) {
		f.tracker.Add(p)
		// Now and then, by the capture's clock, let the reassembly give
		// up on segments it still waits for.
		if p.Time.Sub(f.lastFlush) > time.Second {
			f.tracker.Flush(p.Time.Add(-2 * time.Second))
			f.lastFlush = p.Time
		}
		if i >= listFrom {
			one[0] = *p
			f.b.AddPackets(one[:])
		} else {
			skipped++
		}
		i++
	})
	f.b.AddSkipped(skipped + lost)
}
