package main

import (
	"context"
	"errors"
	"io"
)

// runTap is not written yet.
func runTap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("inspect tap: not written yet")
}
