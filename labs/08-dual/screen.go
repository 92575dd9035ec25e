package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// prompt is shown before the line you type, when you type on a terminal.
const prompt = "> "

// A screen is the client's stdout, shared by its two goroutines. On a
// terminal it keeps a prompt on the last line. A line from the server
// would land in the middle of what you are typing, so show first erases
// the line ("\r" goes back to its start, "\x1b[K" clears to its end),
// then prints the message and draws the prompt again below it.
// NOTE: what you had typed is erased from view, not from the terminal's
// line buffer: Enter still sends it, and Ctrl-R shows it again.
type screen struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
}

func newScreen(stdin io.Reader, stdout io.Writer) *screen {
	return &screen{w: stdout, tty: isTerminal(stdin) && isTerminal(stdout)}
}

// show prints one line from the server.
func (s *screen) show(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprintf(s.w, "\r\x1b[K%s\n%s", line, prompt)
		return
	}
	fmt.Fprintln(s.w, line)
}

// end prints the client's last line, with no prompt after it.
func (s *screen) end(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprint(s.w, "\r\x1b[K")
	}
	fmt.Fprintln(s.w, line)
}

// prompt draws the prompt, on a terminal.
func (s *screen) prompt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tty {
		fmt.Fprint(s.w, prompt)
	}
}

// isTerminal reports whether v is a terminal (a character device), not
// a file or a pipe.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
