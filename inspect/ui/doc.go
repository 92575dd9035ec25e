// Package ui is the inspector's terminal user interface, built on
// github.com/rivo/tview. It is the only socketlab package that imports
// tview.
//
// The package knows nothing about where sockets and packets come from.
// Sources publish plain values — a sockets.Snapshot, capture.Packet
// batches, TapEvents from tap relays, capture.Stats and a
// Status — through the Sink interface. A Batcher collects them from any number of goroutines and
// hands them to the UI at a bounded frame rate; a Model holds them on the
// UI goroutine; each pane (sockets, packets, bytes, stream, status bar,
// help) is a view that draws from the Model, so every view can be drawn
// onto a tcell.SimulationScreen in a test with hand-built values.
//
// Every string a view shows that did not come from this package — a
// socket path or process name, a payload, a tap event, a Status field,
// a hint in Options — is shown literally: control characters and bytes
// that are not UTF-8 as their escapes, and no square bracket read as a
// tview tag (package visible; views that parse tags use visible.Tview,
// the others visible.String). So sources hand their text over as they
// have it, without escaping it themselves. Where a view lays out text in
// lines (a hint, a conversation), a newline ends a line instead.
//
// Tap events (package tap) are listed in the Packets pane beside the
// captured packets, marked as tap traffic, and their data makes up a tap
// conversation in the Bytes and Stream panes, under tap.Banner: the bytes
// of a Unix domain socket, which capture on lo never sees. The compare
// view (the v key, or Options.Compare) puts one TCP connection beside one
// tap connection. HighContrastTheme is a Theme for projectors. WriteSVG
// draws a simulation screen as an SVG image; the screenshots in docs/img
// are made with it, and a test keeps them equal to what the views draw.
//
// A typical program wires it like this:
//
//	u := ui.New(ui.Options{...})
//	b := ui.NewBatcher(size, 0)
//	go source(b) // calls b.AddPackets, b.SetSockets, …
//	err := u.Run(ctx, ui.RunEnv{}, func(ctx context.Context, apply func(*ui.Batch)) {
//		b.Run(ctx, time.NewTicker(ui.FrameInterval).C, apply)
//	})
//
// Run owns the tview application and stops it cleanly. Package app is
// the real wiring: a capture store that the reader fills without waiting
// for the screen, the sockets, the taps, and the stop sequence.
//
// Unless stated otherwise, methods of Model, UI and the views must be
// called on the UI goroutine (inside QueueUpdate or an input handler).
// Batcher methods may be called from any goroutine.
package ui
