package main

import (
	"context"
	"errors"
	"io"
)

// runTUI is not written yet.
func runTUI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("inspect tui: not written yet")
}
