//go:build unix

package main

import (
	"os"
	"syscall"
)

// heapSignal asks Node for a heap snapshot, with the option that
// startNodeServerWithHeap gives it.
var heapSignal os.Signal = syscall.SIGUSR2
