// Package app runs the inspector's terminal UI: it opens the packet
// source (a live capture or a pcap file), the tap relays and the socket
// table, feeds what they deliver to package ui, and stops all of it
// cleanly when the user quits. cmd/inspect only parses flags into a
// Config and calls Run.
//
// The goroutines and what they own:
//
//   - the capture reader takes each packet from the source and copies it
//     into a bounded store (the newest Config.Ring packets, at most
//     DefaultStoreBytes of frames). It never waits for the UI, so a slow
//     screen costs no kernel drops; only a file, which can wait, waits
//     for the flusher to take half the store.
//   - the flusher, once per frame (ui.FrameInterval), takes what is new
//     in the store, feeds all of it to the stream reassembly, and hands
//     the UI a sample: at most LivePerFrame packets of a live capture, the
//     newest; the others are counted as not listed. Only the flusher
//     touches the application, through ui.UI.Run.
//   - the socket poller reads the socket table and the capture's
//     counters twice a second; one goroutine per tap reads its events.
//
// The status bar counts every packet the source delivered, listed or
// not, and w saves every packet the store keeps, whatever the list shows
// or the pause held.
package app
