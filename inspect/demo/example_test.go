package demo_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/socketlab/socketlab/inspect/demo"
	"github.com/socketlab/socketlab/inspect/tap"
)

// This example plays the opening conversation once, quickly, and prints
// what Grace heard and how many bytes the tap saw her send.
func Example() {
	d, err := demo.Start(context.Background(), demo.Config{
		Pace: time.Millisecond,
		Once: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	events := d.TapEvents(1024) // a UI would read these as they come
	sent := 0
	for ev := range events { // closed when the demo has stopped
		if ev.Kind == tap.Data && ev.Dir == tap.ClientToServer {
			sent += ev.Len
		}
	}
	if err := d.Stop(); err != nil {
		log.Fatal(err)
	}
	for _, l := range d.Transcript("Grace") {
		if l.Kind == demo.Received {
			fmt.Println(l.Text)
		}
	}
	fmt.Println("the tap saw Grace send", sent, "bytes")
	// Output:
	// Welcome to the chat, you are User 3!
	// User 1: hello over TCP
	// User 2: hello over a Unix socket
	// User 1: my bytes cross lo as TCP segments: capture sees them
	// User 2: mine stay in the kernel: no port, no packets
	// User 2: bye!
	// User 2 left!
	// User 1 left!
	// the tap saw Grace send 99 bytes
}
