package main

import (
	"context"
	"errors"
	"io"
)

// runDemo is not written yet.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("inspect demo: not written yet")
}
