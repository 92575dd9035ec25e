package docs

// This file runs the hour of the lesson plan as a teacher does: every
// command of "Before class" and "What to show, in order", in the order of
// the page, each in the terminal the page names, from the root of the
// repository.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTeachingRehearsal runs the commands of the hour in order, and
// stops each program where the page says so ("Ctrl-C in the **server**
// terminal"); the rest run to the end of the hour. A terminal runs one
// program at a time, so a command in a terminal where another still runs
// fails, and so does a program that claims a port or a socket path that
// another one holds. The labs' folder /run/user/1000 stands for a new
// private folder, bin/ for a new folder of the test. Each chat client
// types hello once it is welcome. Commands of other programs (nc, sudo
// tcpdump, sudo setcap) are not run; their terminal is busy all the same
// until the page stops them.
func TestTeachingRehearsal(t *testing.T) {
	if os.Getenv(teachNetns) == "" {
		if teachRehearseInNetns(t) {
			return
		}
	} else if err := teachLoopbackUp(); err != nil {
		t.Fatalf("in a network namespace of its own, lo stays down: %v", err)
	}
	data, err := os.ReadFile(teachDoc)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := teachSteps(string(data))
	if err != nil {
		t.Fatal(err)
	}
	// The hour has more than this; fewer means the extraction broke.
	if len(steps) < 15 {
		t.Fatalf("found only %d commands in the hour: %q", len(steps), steps)
	}
	for _, port := range teachPlanPorts(steps) {
		ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			t.Skipf("port %d is taken by a program outside this test "+
				"(%v): the hour cannot be rehearsed here", port, err)
		}
		ln.Close()
	}
	r := teachNewRehearsal(t)
	for _, s := range steps {
		r.do(t, s)
	}
	r.end(t)
}

// teachNetns is set in the environment of a rehearsal that runs in a
// network namespace of its own.
const teachNetns = "SOCKETLAB_REHEARSAL_NETNS"

func TestTeachingSteps(t *testing.T) {
	page := "# Plan\n\n### Before class\n\nIn the **server** terminal:\n\n" +
		"```sh\ngo build -o bin/inspect ./cmd/inspect\n\n" +
		"bin/inspect demo -once\n```\n\n" +
		"```text\nbin/inspect is output here\n```\n\n" +
		"Press Ctrl-C in the **server** terminal, and in the\n**client** " +
		"terminal:\n\n```sh\nprintf 'hi\\n' | bin/08-dual client\n```\n\n" +
		"Then press\nCtrl-D in the **client** terminal.\n\n" +
		"## Questions to ask\n\nCtrl-C in the **server** terminal.\n\n" +
		"```sh\nbin/08-dual server\n```\n"
	got, err := teachSteps(page)
	if err != nil {
		t.Fatal(err)
	}
	want := []teachStep{
		{term: "server", cmd: "go build -o bin/inspect ./cmd/inspect"},
		{term: "server", cmd: "bin/inspect demo -once"},
		{term: "server", key: "Ctrl-C"},
		{term: "client", cmd: `printf 'hi\n' | bin/08-dual client`},
		{term: "client", key: "Ctrl-D"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("teachSteps = %q, want %q", got, want)
	}
	_, err = teachSteps(strings.Replace(page, "In the **server** terminal:",
		"In a terminal:", 1))
	if err == nil {
		t.Error("commands that name no terminal were taken")
	}
}

// A teachStep is one step of the hour in one terminal: a command run
// there, or a key that stops what runs there.
type teachStep struct {
	term string
	cmd  string // a command line
	key  string // or "Ctrl-C", "Ctrl-D" or "q"
}

// teachTerminal matches the name of a terminal in the lesson's prose.
var teachTerminal = regexp.MustCompile(`\*\*([a-z]+)\*\*\s+terminal`)

// teachKey matches a key pressed in a terminal, in the lesson's prose.
var teachKey = regexp.MustCompile(
	"(Ctrl-C|Ctrl-D|`q`) in the \\*\\*([a-z]+)\\*\\* terminal")

// teachSteps returns the steps of the hour, from "### Before class" to
// "## Questions to ask": the lines of its ```sh blocks, each in the
// terminal that the paragraph before its block names last, and the keys
// its paragraphs press, in the order of the page.
func teachSteps(text string) ([]teachStep, error) {
	start := strings.Index(text, "\n### Before class")
	end := strings.Index(text, "\n## Questions to ask")
	if start < 0 || end < start {
		return nil, errors.New("no section from \"### Before class\" " +
			"to \"## Questions to ask\"")
	}
	var steps []teachStep
	var para []string // the last paragraph of prose
	keys := func() {  // the keys of the paragraph that ends
		for _, m := range teachKey.FindAllStringSubmatch(
			strings.Join(para, " "), -1) {
			steps = append(steps, teachStep{term: m[2],
				key: strings.Trim(m[1], "`")})
		}
	}
	inFence, term, blank := false, "", false
	for line := range strings.SplitSeq(text[start:end]+"\n", "\n") {
		switch {
		case inFence && strings.HasPrefix(line, "```"):
			inFence, para = false, nil
		case inFence:
			if cmd := strings.TrimSpace(line); term != "" && cmd != "" {
				steps = append(steps, teachStep{term: term, cmd: cmd})
			}
		case strings.HasPrefix(line, "```"):
			if !blank {
				keys()
			}
			inFence, term = true, ""
			if line != "```sh" {
				continue
			}
			names := teachTerminal.FindAllStringSubmatch(
				strings.Join(para, " "), -1)
			if len(names) == 0 {
				return nil, fmt.Errorf("the commands after %q name no "+
					"terminal", strings.Join(para, " "))
			}
			term = names[len(names)-1][1]
		case strings.TrimSpace(line) == "":
			if !blank {
				keys()
			}
			blank = true
		default:
			if blank {
				para, blank = nil, false
			}
			para = append(para, line)
		}
	}
	return steps, nil
}

// teachPlanPorts returns the TCP ports that the hour's commands name,
// and 3008, the labs' default.
func teachPlanPorts(steps []teachStep) []int {
	ports := []int{3008}
	re := regexp.MustCompile(`(?:^|[\s:])(\d{4,5})(?:\s|$)`)
	for _, s := range steps {
		for _, m := range re.FindAllStringSubmatch(s.cmd, -1) {
			var n int
			fmt.Sscan(m[1], &n)
			if !slices.Contains(ports, n) {
				ports = append(ports, n)
			}
		}
	}
	return ports
}

// teachRehearsal is the hour in progress.
type teachRehearsal struct {
	root    string                // the repository's root
	bins    string                // the folder that stands for bin/
	home    string                // the labs' folder: /run/user/1000
	running map[string]*teachProg // what runs in each terminal
	started []*teachProg          // every program started, in order
}

func teachNewRehearsal(t *testing.T) *teachRehearsal {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	r := &teachRehearsal{root: root, running: make(map[string]*teachProg)}
	// Short folders: a socket path must fit in about 108 bytes. Both
	// are 0700, as a private folder of the labs must be.
	for _, dir := range []*string{&r.bins, &r.home} {
		if *dir, err = os.MkdirTemp("", "sl"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(*dir) })
	}
	// Registered after the folders', so it runs before their removal.
	t.Cleanup(func() {
		for _, p := range r.started {
			p.kill()
		}
	})
	return r
}

// local rewrites a word of the page for this test: bin/ and the labs'
// folder become the test's own.
func (r *teachRehearsal) local(word string) string {
	word = strings.ReplaceAll(word, "/run/user/1000", r.home)
	if strings.HasPrefix(word, "bin/") {
		word = r.bins + "/" + strings.TrimPrefix(word, "bin/")
	}
	return word
}

// do runs one step of the hour.
func (r *teachRehearsal) do(t *testing.T, s teachStep) {
	t.Helper()
	if s.key != "" {
		t.Logf("%s: %s", s.term, s.key)
		r.stop(t, s.term, s.key)
		return
	}
	if p := r.running[s.term]; p != nil {
		t.Errorf("%s: the page runs %q where %q still runs, and does not "+
			"say to stop it", s.term, s.cmd, p.step.cmd)
		r.stop(t, s.term, "")
	}
	line, input, piped := s.cmd, "", false
	if in, cmd, ok := strings.Cut(s.cmd, " | "); ok &&
		strings.HasPrefix(in, "printf ") {
		words, err := teachSplit(in)
		if err != nil || len(words) != 2 {
			t.Fatalf("%s: %q is not printf 'TEXT'", s.term, in)
		}
		line, input, piped = cmd, strings.ReplaceAll(words[1], `\n`, "\n"),
			true
	}
	words, err := teachSplit(line)
	if err != nil {
		t.Fatal(err)
	}
	for i := range words {
		words[i] = r.local(words[i])
	}
	notRun := &teachProg{step: s} // a program this test does not run
	switch {
	case strings.Contains(line, "|"):
		t.Logf("%s$ %s   (not run here)", s.term, s.cmd)
		r.running[s.term] = notRun
	case words[0] == "go" || words[0] == "chmod":
		t.Logf("%s$ %s", s.term, s.cmd)
		r.finish(t, s, words)
	case strings.HasPrefix(words[0], r.bins+"/"):
		t.Logf("%s$ %s", s.term, s.cmd)
		if p := r.start(t, s, words, input, piped); p != nil {
			r.running[s.term] = p
		}
	default:
		t.Logf("%s$ %s   (not run here)", s.term, s.cmd)
		if words[0] != "sudo" || words[1] != "setcap" {
			r.running[s.term] = notRun
		}
	}
}

// finish runs a command that ends by itself (a build, a chmod), which
// must succeed.
func (r *teachRehearsal) finish(t *testing.T, s teachStep, words []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, words[0], words[1:]...)
	cmd.Dir = r.root
	// The hour's go build stamps no version control data, which would
	// need git to trust this copy of the repository.
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %s: %v\n%s", s.term, s.cmd, err, out)
	}
}

// start starts a program of bin/ and waits until it is ready, or, for
// one that ends by itself (-once, or input piped in), until it ends.
func (r *teachRehearsal) start(t *testing.T, s teachStep, words []string,
	input string, piped bool) *teachProg {
	t.Helper()
	p := &teachProg{step: s, out: &teachOutput{}, done: make(chan struct{})}
	p.cmd = exec.Command(words[0], words[1:]...)
	p.cmd.Dir = r.root
	p.cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+r.home)
	side := ""
	if len(words) > 1 && !strings.HasPrefix(words[1], "-") {
		side = words[1]
	}
	var tty *os.File
	switch {
	case filepath.Base(words[0]) == "inspect" && side == "":
		// The inspector's screen needs a terminal.
		ptmx, t2, err := teachOpenPTY()
		if err != nil {
			t.Skipf("%s: %s needs a terminal: %v", s.term, s.cmd, err)
		}
		tty, p.keys = t2, ptmx
		p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = tty, tty, tty
		p.cmd.SysProcAttr = teachTTYAttr()
	case piped:
		p.cmd.Stdin = strings.NewReader(input)
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	default:
		stdin, err := p.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdin = stdin
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %s: %v", s.term, s.cmd, err)
	}
	r.started = append(r.started, p)
	if tty != nil {
		tty.Close()
		go io.Copy(p.out, p.keys)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()

	ready := teachReady(words, side)
	ends := piped || slices.Contains(words, "-once")
	if ends {
		p.wait(t)
	}
	switch ok := p.waitFor(t, ready); {
	case ok && !p.ended():
		if side == "client" && p.stdin != nil {
			// Welcome: the teacher types a line.
			io.WriteString(p.stdin, "hello\n")
		}
		return p
	case p.err == nil && ok && ends:
		return nil
	case side == "packets" && strings.Contains(p.out.String(),
		"operation not permitted"):
		t.Logf("%s: no capture privilege here; the capture is not "+
			"rehearsed:\n%s", s.term, p.out)
		return &teachProg{step: s}
	}
	t.Fatalf("%s: %s ended (%v) without getting ready:\n%s", s.term,
		s.cmd, p.err, p.out)
	return nil
}

// teachReady returns what tells that a program of the hour is ready: a
// server listens, a client is in the room, the tap or the capture runs,
// the screen's taps listen.
func teachReady(words []string, side string) func(string) bool {
	has := func(s string) func(string) bool {
		return func(out string) bool { return strings.Contains(out, s) }
	}
	switch side {
	case "server":
		// A lab prints its "Listening on" lines once all its doors
		// are open.
		return has("Listening on ")
	case "client":
		return has("Welcome to the chat")
	case "tap":
		return has("tap: Ctrl-C stops")
	case "packets":
		return has("inspect: listening on ")
	case "demo":
		return has("Ctrl-C stops.")
	case "":
		var taps []string
		for i, w := range words {
			if v, ok := strings.CutPrefix(w, "-tap="); ok {
				taps = append(taps, v)
			} else if w == "-tap" && i+1 < len(words) {
				taps = append(taps, words[i+1])
			}
		}
		return func(string) bool {
			for _, tap := range taps {
				listen, _, _ := strings.Cut(tap, "=")
				fi, err := os.Stat(listen)
				if err != nil || fi.Mode().Type() != fs.ModeSocket {
					return false
				}
			}
			return true
		}
	}
	return func(string) bool { return true }
}

// teachSeen lists, for the programs of the hour that watch others, what
// each must have shown before it is stopped: the capture of part 2 a
// whole TCP conversation with a line of chat, the tap of part 6 a
// client's line and its end. If the page started them after their
// client, they never show it.
var teachSeen = map[string][]string{
	"packets": {"Flags [S],", "hello", "Flags [F."},
	"tap":     {`c>s 6 bytes "hello\n"`, "half-close c>s", " close\n"},
}

// stop stops the program that runs in term, if one does, with key, as
// the teacher does: "Ctrl-C" (SIGINT, or the key on a terminal), "Ctrl-D"
// (the end of a client's input), "q" (on the inspector's screen; a demo
// that runs without a terminal here, as a plain log, gets SIGINT), or ""
// for the key that fits. It must end with status 0.
func (r *teachRehearsal) stop(t *testing.T, term, key string) {
	t.Helper()
	p := r.running[term]
	delete(r.running, term)
	if p == nil {
		t.Errorf("%s: the page presses %s where nothing runs", term, key)
		return
	}
	if p.cmd == nil || p.ended() {
		return
	}
	words, _ := teachSplit(p.step.cmd)
	if len(words) > 1 {
		for _, want := range teachSeen[words[1]] {
			if !p.waitFor(t, func(out string) bool {
				return strings.Contains(out, want)
			}) {
				t.Errorf("%s: %s never showed %q: did the page start it "+
					"after the client it watches?\n%s", term, p.step.cmd,
					want, p.out)
			}
		}
	}
	if key == "" {
		key = "Ctrl-C"
		switch {
		case p.keys != nil:
			key = "q"
		case p.stdin != nil && strings.Contains(p.step.cmd, " client"):
			key = "Ctrl-D"
		}
	}
	switch {
	case p.keys != nil:
		keys := map[string]string{"Ctrl-C": "\x03", "Ctrl-D": "\x04", "q": "q"}
		p.keys.Write([]byte(keys[key]))
	case key == "Ctrl-D" && p.stdin != nil:
		p.stdin.Close()
	case key == "Ctrl-D":
		t.Errorf("%s: Ctrl-D does not stop %s", term, p.step.cmd)
		p.cmd.Process.Signal(os.Interrupt)
	default:
		p.cmd.Process.Signal(os.Interrupt)
	}
	p.wait(t)
	if p.keys == nil {
		t.Logf("%s: %s printed:\n%s", term, p.step.cmd, p.out)
	}
	if p.err != nil {
		t.Errorf("%s: %s ended with %v after %s:\n%s", term, p.step.cmd,
			p.err, key, p.out)
	}
}

// end stops every program still running, the last started first, and
// checks that none left a socket file in the labs' folder.
func (r *teachRehearsal) end(t *testing.T) {
	t.Helper()
	for _, p := range slices.Backward(r.started) {
		for term, q := range r.running {
			if q == p {
				r.stop(t, term, "")
			}
		}
	}
	left, err := os.ReadDir(r.home)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("the hour left %s behind in the labs' folder", e.Name())
	}
}

// A teachProg is a program of the hour, started in one terminal.
type teachProg struct {
	step  teachStep
	cmd   *exec.Cmd
	stdin io.WriteCloser // the keyboard of a program that reads lines
	keys  *os.File       // the keyboard and screen of a terminal program
	out   *teachOutput   // what it printed
	done  chan struct{}  // closed once it has ended
	err   error          // how it ended, once done is closed
}

func (p *teachProg) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for p to end; it fails the test after teachWait.
func (p *teachProg) wait(t testing.TB) {
	t.Helper()
	timer := time.NewTimer(teachWait)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		t.Fatalf("%s: %s did not end within %v:\n%s", p.step.term,
			p.step.cmd, teachWait, p.out)
	}
}

// waitFor waits until ok holds for what p printed (looking again at each
// output and every 50 ms, for files), or until p has ended; it reports
// whether ok holds. It fails the test after teachWait.
func (p *teachProg) waitFor(t testing.TB, ok func(string) bool) bool {
	t.Helper()
	timer := time.NewTimer(teachWait)
	defer timer.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		out, changed := p.out.get()
		if ok(out) {
			return true
		}
		select {
		case <-p.done:
			return ok(p.out.String())
		case <-changed:
		case <-tick.C:
		case <-timer.C:
			t.Fatalf("%s: %s was not ready within %v:\n%s", p.step.term,
				p.step.cmd, teachWait, out)
		}
	}
}

// kill ends p if it still runs, for a test that stopped half-way.
func (p *teachProg) kill() {
	if p.cmd.Process != nil && !p.ended() {
		p.cmd.Process.Kill()
		<-p.done
	}
	if p.keys != nil {
		p.keys.Close()
	}
}

// teachOutput collects what a program prints, from any goroutine, and
// says when more has come.
type teachOutput struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{} // closed at the next write
}

func (o *teachOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	if o.changed != nil {
		close(o.changed)
		o.changed = nil
	}
	return len(p), nil
}

// get returns what was printed so far, and a channel closed when more
// comes.
func (o *teachOutput) get() (string, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.changed == nil {
		o.changed = make(chan struct{})
	}
	return o.b.String(), o.changed
}

func (o *teachOutput) String() string {
	s, _ := o.get()
	return s
}
