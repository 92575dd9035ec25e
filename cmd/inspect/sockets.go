package main

import (
	"context"
	"errors"
	"io"
)

// runSockets is not written yet.
func runSockets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("inspect sockets: not written yet")
}
