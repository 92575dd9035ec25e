package ui

import (
	"context"
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// RunEnv is what Run takes from the outside world. Its zero value runs
// on the terminal.
type RunEnv struct {
	// Screen, when set, is drawn on instead of the terminal: a test
	// passes a tcell.SimulationScreen.
	Screen tcell.Screen
	// Ready, when set, is called with the application just before its
	// event loop starts, for example to set an after-draw function in a
	// test.
	Ready func(*tview.Application)
}

// Run shows u until the user quits (q, Ctrl-C) or ctx is done, and
// returns nil then, or the error that kept the screen from opening.
//
// flush runs on a goroutine of its own and is the only one that hands
// the UI what sources sent: it calls apply with a batch at most once per
// frame, and apply returns once the UI goroutine has applied the batch
// and drawn it. flush must return when its context is done; Run waits
// for it before it stops the event loop, so that apply never waits for
// a loop that is gone, and it stops the loop from inside, so that a stop
// asked for before the loop started is not lost. When the screen cannot
// open, Run returns at once and flush may still be waiting in apply.
func (u *UI) Run(ctx context.Context, env RunEnv, flush func(ctx context.Context, apply func(*Batch))) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	app := tview.NewApplication().SetRoot(u, true)
	if env.Screen != nil {
		app.SetScreen(env.Screen)
	}
	u.Quit = cancel
	app.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyCtrlC { // tview would stop by itself
			cancel()
			return nil
		}
		return ev
	})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		flush(ctx, func(b *Batch) {
			app.QueueUpdateDraw(func() { u.Apply(b) })
		})
	}()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		<-flushed
		app.QueueUpdate(func() { app.Stop() })
	}()
	if env.Ready != nil {
		env.Ready(app)
	}
	if err := app.Run(); err != nil {
		return fmt.Errorf("terminal UI: %w", err)
	}
	<-stopped
	return nil
}
