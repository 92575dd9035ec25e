//go:build !linux && !darwin && !freebsd

package capture

import (
	"runtime"
	"time"
)

// liveReader is not available here: this program captures live on
// Linux, macOS and FreeBSD only.
type liveReader struct{}

func openLive(cfg Config) (*liveReader, LinkType, error) {
	return nil, 0, &UnsupportedError{OS: runtime.GOOS}
}

func (*liveReader) next() ([]byte, time.Time, int, error) {
	return nil, time.Time{}, 0, errSourceClosed
}
func (*liveReader) stats() uint64 { return 0 }
func (*liveReader) close() error  { return nil }
