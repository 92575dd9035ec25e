package app

import (
	"os"
	"path/filepath"
	"time"

	"github.com/socketlab/socketlab/inspect/capture"
)

// SavePcap writes ps to a new pcap file in the current directory, or in
// the temporary directory if that fails, and returns its path. The file
// is made as inspect packets -w makes one (capture.Create): readable by
// its owner alone, never through a symbolic link, never over a file that
// exists.
func SavePcap(link capture.LinkType, snapLen int, ps []capture.Packet) (string, error) {
	name := "inspect-" + time.Now().Format("20060102-150405") + ".pcap"
	f, err := capture.Create(name, capture.CreateOptions{})
	if err != nil {
		name = filepath.Join(os.TempDir(), name)
		if f, err = capture.Create(name, capture.CreateOptions{}); err != nil {
			return "", err
		}
	}
	w, err := capture.NewWriter(f, link, snapLen)
	if err == nil {
		for i := range ps {
			if err = w.WritePacket(&ps[i]); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	return name, nil
}
