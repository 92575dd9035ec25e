package main

import (
	"math"
	"syscall"
	"time"
)

// raiseNoFile returns the largest uint64: a socket on Windows is a
// handle, and Windows has no per-process limit on open handles to raise.
// Memory and free ports bound the clients instead.
func raiseNoFile() (uint64, error) {
	return math.MaxUint64, nil
}

// selfCPU returns the CPU time swarm itself has used: its user and
// kernel times, from GetProcessTimes.
func selfCPU() time.Duration {
	var created, exited, kernel, user syscall.Filetime
	h, err := syscall.GetCurrentProcess()
	if err == nil {
		err = syscall.GetProcessTimes(h, &created, &exited, &kernel, &user)
	}
	if err != nil {
		return 0
	}
	// A Filetime counts 100 ns intervals in two 32-bit halves.
	ticks := func(ft syscall.Filetime) int64 {
		return int64(ft.HighDateTime)<<32 | int64(ft.LowDateTime)
	}
	return time.Duration(ticks(kernel)+ticks(user)) * 100
}
