package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// prompt is shown before the line you type, when you type on a terminal.
const prompt = "> "

// A screen is the client's stdin and stdout, shared by its two
// goroutines. A line from the server may arrive while you type, and it
// must not land in the middle of your line, nor wipe it out of view.
// The terminal cannot help: it echoes your keys and keeps your line to
// itself until you press Enter. So on a terminal the screen puts stdin
// in raw mode, where each key comes to us as you press it and nothing
// is echoed, and golang.org/x/term's Terminal edits the line for us: it
// shows it after the prompt on the last line, and draws it again below
// each message. Elsewhere (a pipe, a file) bytes pass as they are, with
// no prompt.
type screen struct {
	in      io.Reader
	w       io.Writer
	term    *term.Terminal // nil unless stdin and stdout are a terminal
	restore func()         // puts the terminal back as it was
	typed   []byte         // what is left of the last line read
}

// newScreen returns the screen of stdin and stdout. On a terminal it
// puts stdin in raw mode; close puts it back.
func newScreen(stdin io.Reader, stdout io.Writer) (*screen, error) {
	s := &screen{in: stdin, w: stdout, restore: func() {}}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		return s, nil
	}
	tty := stdin.(*os.File)
	var old *term.State
	var err error
	width, height := 0, 0
	control(tty, func(fd int) {
		old, err = term.MakeRaw(fd)
		width, height, _ = term.GetSize(fd)
	})
	if err != nil {
		return nil, err
	}
	s.restore = sync.OnceFunc(func() {
		control(tty, func(fd int) { term.Restore(fd, old) })
	})
	s.term = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{keys{stdin}, stdout}, prompt)
	if width > 0 {
		s.term.SetSize(width, height)
	}
	return s, nil
}

// Read reads what you type: on a terminal, one whole line at a time,
// once you press Enter. Ctrl-D on an empty line is the end (io.EOF);
// Ctrl-C returns errInterrupt.
func (s *screen) Read(p []byte) (int, error) {
	if s.term == nil {
		return s.in.Read(p)
	}
	if len(s.typed) == 0 {
		line, err := s.term.ReadLine()
		if err != nil {
			// No more typing: no prompt, and the terminal as it was.
			s.term.SetPrompt("")
			s.restore()
			return 0, err
		}
		s.typed = []byte(line + "\n")
	}
	n := copy(p, s.typed)
	s.typed = s.typed[n:]
	return n, nil
}

// show prints one line from the server.
func (s *screen) show(line string) {
	if s.term != nil {
		fmt.Fprintln(s.term, line)
		return
	}
	fmt.Fprintln(s.w, line)
}

// end prints the client's last line, with no prompt after it.
func (s *screen) end(line string) {
	if s.term != nil {
		s.term.SetPrompt("")
		fmt.Fprintln(s.term, line)
		// Erase what was typed and not sent, drawn again below the line.
		fmt.Fprint(s.w, "\r\x1b[K")
		return
	}
	fmt.Fprintln(s.w, line)
}

// stop ends the line you were typing, when the client stops before the
// server hangs up: the shell's prompt then starts on a line of its own.
func (s *screen) stop() {
	if s.term != nil {
		fmt.Fprint(s.w, "\r\n")
	}
}

// close puts the terminal back as it was. Every way out of the client
// must pass here: a terminal left in raw mode echoes nothing.
func (s *screen) close() {
	s.restore()
}

// errInterrupt is what reading a terminal in raw mode returns for
// Ctrl-C, which is then a key like any other, not a signal.
var errInterrupt = errors.New("interrupted")

// keys reads a terminal in raw mode: it passes on the keys before a
// Ctrl-C (byte 3), then returns errInterrupt.
type keys struct{ r io.Reader }

func (k keys) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if i := bytes.IndexByte(p[:n], 3); i >= 0 {
		return i, errInterrupt
	}
	return n, err
}

// isTerminal reports whether v is a terminal, not a file or a pipe.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	tty := false
	if ok {
		control(f, func(fd int) { tty = term.IsTerminal(fd) })
	}
	return tty
}

// control runs fn with f's file descriptor. (f.Fd would put f in
// blocking mode, and closing f could then no longer end a Read.)
func control(f *os.File, fn func(fd int)) {
	if c, err := f.SyscallConn(); err == nil {
		c.Control(func(fd uintptr) { fn(int(fd)) })
	}
}
