package app

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/ui"
)

// socketsEvery is how often the UI reads the socket table: often enough
// that a socket seen in a class shows on the screen within a second.
const socketsEvery = 500 * time.Millisecond

// Source is what Run reads packets from: a *capture.Source, live or a
// file. Next fills p with the next packet, borrowing its bytes until the
// next call, and returns io.EOF once the source is closed or a file
// ends; Close wakes a Next that waits.
type Source interface {
	Next(p *capture.Packet) error
	Stats() capture.Stats
	Close() error
	LinkType() capture.LinkType
	SnapLen() int
	// Unread says what of a file was not read, or "".
	Unread() string
}

var _ Source = (*capture.Source)(nil)

// open opens the pcap file or the live capture. Without the capture
// privilege, or on a system without live capture, it returns no source
// and a status that says why (and how to get the privilege): the UI
// still shows the socket table and the taps.
func open(cfg Config) (Source, ui.Status, error) {
	st := ui.Status{Filter: filterText(cfg)}
	if cfg.File != "" {
		src, err := capture.OpenFile(cfg.File)
		if err != nil {
			return nil, st, err
		}
		if !cfg.All && !cfg.FilterAlone {
			src.SetPorts(cfg.Ports)
		}
		src.SetFilter(cfg.Filter)
		st.Source, st.Capture, st.File = "file "+cfg.File, "reading", true
		st.LinkType = src.LinkType().String()
		return src, st, nil
	}
	st.Source = "live " + cfg.Iface
	var ports []int
	if !cfg.All && !cfg.FilterAlone {
		ports = cfg.Ports
	}
	src, err := capture.Live(capture.Config{Interface: cfg.Iface, Ports: ports, Filter: cfg.Filter})
	if err == nil && ports == nil && !cfg.All {
		src.SetPorts(cfg.Ports) // they still tell client from server
	}
	if err != nil {
		st, ok := captureOff(st, err, capture.Host)
		if !ok {
			return nil, st, err
		}
		return nil, st, nil
	}
	st.Capture, st.LinkType = "capturing", src.LinkType().String()
	return src, st, nil
}

// captureOff returns the status for a live capture that failed to open
// with err on the platform p, and whether the UI goes on without it: it
// does when the privilege is missing or p offers no live capture, and
// then the socket table, the taps and files still work.
func captureOff(st ui.Status, err error, p capture.Platform) (ui.Status, bool) {
	switch {
	case errors.Is(err, capture.ErrPermission):
		st.Capture = "capture off: " + p.Lacks
		st.Problem = capture.PermissionProblem()
		st.Help = capture.PermissionHelp()
		return st, true
	case errors.Is(err, capture.ErrUnsupported):
		st.Source = "no live capture"
		st.Capture = "capture off: none on this system"
		st.Problem = err.Error()
		return st, true
	}
	return st, false
}

// readPackets copies every packet of src into s until src ends or is
// closed. A live capture never waits for the UI: the store forgets its
// oldest packets instead, since the kernel would drop new ones. A file
// waits for the flusher, so that the UI lists every packet. At the end it
// hands b the final counters and status, and returns the error that
// stopped src, if one did: a broken file, a capture that failed.
func readPackets(ctx context.Context, src Source, s *store, b *ui.Batcher, st ui.Status) error {
	var p capture.Packet
	for {
		if st.File {
			s.waitRoom(ctx)
		}
		err := src.Next(&p)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF) && st.File:
				st.Capture, st.Done = "end of file", true
				st.Problem = src.Unread()
				err = nil
			case errors.Is(err, io.EOF):
				return nil // closed: the UI is stopping
			default:
				st.Capture, st.Problem, st.Done = "stopped", err.Error(), true
			}
			b.SetStats(src.Stats())
			b.SetStatus(st)
			return err
		}
		s.add(&p)
	}
}

// pollSockets reads the socket table, and the capture's counters, until
// ctx is done. It passes them on only when they changed, so that an idle
// screen is not redrawn; a table that cannot be read is passed on with
// its Problem.
func pollSockets(ctx context.Context, b *ui.Batcher, f sockets.Filter, src Source) {
	t := time.NewTicker(max(socketsEvery, sockets.MinInterval))
	defer t.Stop()
	var last sockets.Snapshot
	var lastStats capture.Stats
	for first := true; ; first = false {
		snap := readSockets(f)
		if first || !slices.Equal(snap.Sockets, last.Sockets) || snap.Problem != last.Problem {
			b.SetSockets(snap)
			last = snap
		}
		if src != nil {
			if st := src.Stats(); st != lastStats {
				b.SetStats(st)
				lastStats = st
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readSockets reads the socket table for f. A table that cannot be read
// (a system without one, a tool that is missing) is an empty snapshot
// whose Problem says why, so that the pane says it instead of waiting.
func readSockets(f sockets.Filter) sockets.Snapshot {
	snap, err := sockets.Read(f)
	if err != nil {
		return sockets.Snapshot{Taken: time.Now(), Problem: err.Error()}
	}
	return snap
}

// readTap hands the events of one tap to b until events is closed or ctx
// is done.
func readTap(ctx context.Context, name string, events <-chan tap.Event, b *ui.Batcher) {
	var one [1]ui.TapEvent
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			one[0] = ui.TapEvent{Tap: name, Event: ev}
			b.AddTapEvents(one[:])
		}
	}
}
