//go:build !linux

package capture

import (
	"errors"
	"time"
)

// liveReader is not available off Linux.
type liveReader struct{}

func openLive(cfg Config) (*liveReader, LinkType, error) {
	return nil, 0, errors.New("capture: live capture needs Linux; open a pcap file with -r instead")
}

func (*liveReader) next() ([]byte, time.Time, int, error) {
	return nil, time.Time{}, 0, errSourceClosed
}
func (*liveReader) stats() uint64 { return 0 }
func (*liveReader) close() error  { return nil }
