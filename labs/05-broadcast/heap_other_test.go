//go:build !unix

package main

import "os"

// heapSignal is nil: Node takes no signal for a heap snapshot here.
var heapSignal os.Signal
