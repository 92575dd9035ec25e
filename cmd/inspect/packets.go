package main

import (
	"context"
	"errors"
	"io"
)

// runPackets is not written yet.
func runPackets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("inspect packets: not written yet")
}
