package docs

// This file keeps the lesson plan docs/teaching/tcp-vs-ipc.md true: every
// lab or inspect command it shows must name a real program and flags that
// program accepts, every output it marks must be what the real programs
// print now, and every line must fit a projector of 100 columns. Run
// `go test ./docs -run TestTeachingOutputs -update` to rewrite the marked
// outputs from fresh runs; the prose around them is never touched. The
// hour itself is run, command by command, by teaching_rehearsal_test.go.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// teachDoc is the lesson plan, relative to this package's folder.
const teachDoc = "teaching/tcp-vs-ipc.md"

// teachWait bounds every wait for a program: its exit, or its next line.
const teachWait = 30 * time.Second

// teachOutputs produce, by running the real programs, the text of each
// output the lesson marks with <!-- output: NAME -->. Each returns the
// text as the lesson shows it: ports, client ports and temporary paths
// replaced by the defaults a learner would see (3008, 50001,
// /run/user/1000/socketlab.sock), nothing else changed.
var teachOutputs = map[string]func(t *testing.T, b *teachBins) string{
	"dual-stack":    teachDualStack,
	"two-doors":     teachTwoDoors,
	"addr-in-use":   teachAddrInUse,
	"live-socket":   teachLiveSocket,
	"capture-eperm": teachCaptureEPERM,
	"socket-eperm":  teachSocketEPERM,
	"stale-client":  teachStaleClient,
	"stale-server":  teachStaleServer,
}

func TestTeachingCommands(t *testing.T) {
	data, err := os.ReadFile(teachDoc)
	if err != nil {
		t.Fatal(err)
	}
	cmds := teachCommands(string(data))
	// The lesson shows far more than this; fewer means the extraction
	// broke, and the test would check nothing.
	if len(cmds) < 10 {
		t.Fatalf("found only %d lab and inspect commands in %s: %q",
			len(cmds), teachDoc, cmds)
	}
	b := teachNewBins(t)
	for _, cmd := range cmds {
		t.Run(cmd, func(t *testing.T) { teachCheckCommand(t, b, cmd) })
	}
}

func TestTeachingOutputs(t *testing.T) {
	data, err := os.ReadFile(teachDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	marked := regexp.MustCompile(`(?m)^<!-- output: ([a-z0-9-]+) -->$`).
		FindAllStringSubmatch(text, -1)
	var names []string
	for _, m := range marked {
		names = append(names, m[1])
	}
	for name := range teachOutputs {
		if !slices.Contains(names, name) {
			t.Errorf("%s has no output marked %q, which this test "+
				"produces", teachDoc, name)
		}
	}
	b := teachNewBins(t)
	updated := text
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			produce := teachOutputs[name]
			if produce == nil {
				t.Fatalf("%s marks an output %q that no run in this "+
					"test produces", teachDoc, name)
			}
			s := section{marker: "output: " + name}
			start, end, err := s.find(updated)
			if err != nil {
				t.Fatal(err)
			}
			want := "```text\n" + produce(t, b) + "```\n"
			got := updated[start:end]
			switch {
			case got == want:
			case *update:
				updated = updated[:start] + want + updated[end:]
			default:
				t.Errorf("the output %q is not what the programs "+
					"print now; run go test ./docs -update\n%s",
					name, showDiff(got, want))
			}
		})
	}
	if *update && updated != text {
		if err := os.WriteFile(teachDoc, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", teachDoc)
	}
}

func TestTeachingLinks(t *testing.T) {
	data, err := os.ReadFile(teachDoc)
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`).
		FindAllStringSubmatch(string(data), -1)
	for _, m := range links {
		target := m[1]
		if strings.Contains(target, "://") {
			continue
		}
		path := filepath.Join(filepath.Dir(teachDoc), target)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s links to %s, which is missing: %v", teachDoc,
				target, err)
		}
	}
}

// teachCommands returns the lab and inspect commands of the lesson: the
// lines of its fenced code blocks and its inline code spans that run
// `go run ./labs/…`, `go run ./cmd/inspect`, a built `bin/inspect` or a
// built lab (`bin/08-dual`), without a "$ " prompt, "sudo ", the input
// piped in (`printf 'hello\n' | `) or a trailing comment. Output blocks
// (marked or not) hold no such lines at their start.
func teachCommands(text string) []string {
	var cmds []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, "$ ")
		s = strings.TrimPrefix(s, "sudo ")
		if _, cmd, ok := strings.Cut(s, " | "); ok &&
			strings.HasPrefix(s, "printf ") {
			s = cmd
		}
		if i := strings.Index(s, " #"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if teachIsCommand(s) && !slices.Contains(cmds, s) {
			cmds = append(cmds, s)
		}
	}
	inFence := false
	var prose strings.Builder
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			add(line)
		} else {
			prose.WriteString(line)
		}
	}
	for _, m := range regexp.MustCompile("`([^`]+)`").
		FindAllStringSubmatch(prose.String(), -1) {
		add(strings.ReplaceAll(m[1], "\n", " "))
	}
	return cmds
}

func teachIsCommand(s string) bool {
	return strings.HasPrefix(s, "go run ./labs/") ||
		strings.HasPrefix(s, "go run ./cmd/inspect") ||
		strings.HasPrefix(s, "bin/inspect") ||
		teachBuiltLab.MatchString(s)
}

// teachBuiltLab matches a command that runs a lab built into bin/, such
// as `bin/08-dual server`; its first group is the lab's folder.
var teachBuiltLab = regexp.MustCompile(`^bin/(\d\d-[a-z0-9-]+)(\s|$)`)

// teachCheckCommand checks that cmd names a lab folder that exists, or
// the inspector, and only flags that program lists in its help, each
// with a value when it takes one; then runs the program with the same
// arguments followed by -h, which must parse them all and exit 0.
func teachCheckCommand(t *testing.T, b *teachBins, cmd string) {
	words, err := teachSplit(cmd)
	if err != nil {
		t.Fatal(err)
	}
	var bin string
	var pre, args []string // pre: the side or subcommand, if any
	switch {
	case strings.HasPrefix(cmd, "go run ./labs/") ||
		teachBuiltLab.MatchString(cmd):
		lab, rest := strings.TrimPrefix(words[0], "bin/"), words[1:]
		if words[0] == "go" {
			lab, rest = strings.TrimPrefix(words[2], "./labs/"), words[3:]
		}
		if fi, err := os.Stat(filepath.Join("..", "labs", lab,
			"main.go")); err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("no lab folder labs/%s with a main.go", lab)
		}
		bin, args = b.get(t, "./labs/"+lab), rest
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			side := args[0]
			ok := side == "server" || side == "client"
			if lab == "01-listener" {
				ok = side == "server"
			}
			if !ok {
				t.Fatalf("labs/%s has no side %q", lab, side)
			}
			pre, args = args[:1], args[1:]
		}
	default:
		bin, args = b.get(t, "./cmd/inspect"), words[1:]
		if words[0] == "go" {
			if words[2] != "./cmd/inspect" {
				t.Fatalf("%s is not the inspector", words[2])
			}
			args = words[3:]
		}
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			switch args[0] {
			case "sockets", "packets", "tap", "demo":
			default:
				t.Fatalf("inspect has no command %q", args[0])
			}
			pre, args = args[:1], args[1:]
		}
	}
	run := append(slices.Clone(pre), args...)
	help, code := teachRun(t, nil, bin, append(run, "-h")...)
	if code != 0 {
		t.Fatalf("%s %s -h exited with status %d:\n%s", bin,
			strings.Join(run, " "), code, help)
	}
	flags := teachFlags(help)
	if len(flags) == 0 {
		t.Fatalf("no flags found in the help of %q:\n%s", cmd, help)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			t.Errorf("%q is not a flag nor a flag's value", a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, ok := flags[name]
		switch {
		case !ok:
			t.Errorf("the flag -%s is not in the program's help:\n%s",
				name, help)
		case takesValue && !hasValue:
			if i+1 == len(args) {
				t.Errorf("the flag -%s needs a value", name)
			}
			i++
		}
	}
}

// teachFlags returns the flags listed in a Go flag package help text,
// each with whether it takes a value ("  -path file") or not ("  -once",
// "  -x\tdescription").
func teachFlags(help string) map[string]bool {
	flags := make(map[string]bool)
	re := regexp.MustCompile(`^  -([^\s=]+)( \S+)?`)
	for line := range strings.Lines(help) {
		if m := re.FindStringSubmatch(line); m != nil {
			flags[m[1]] = m[2] != ""
		}
	}
	return flags
}

// teachSplit splits a shell command line into words, honouring single
// and double quotes (enough for the lesson's commands: no escapes).
func teachSplit(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// teachBins builds the programs a test runs, each once, into a temporary
// folder that the test removes.
type teachBins struct {
	dir  string
	bins map[string]string
}

func teachNewBins(t *testing.T) *teachBins {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Another user (nobody, for the permission test) must be able to
	// run what is built here.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &teachBins{dir: dir, bins: make(map[string]string)}
}

// get returns the path of the program built from pkg (a path relative to
// the repository root, such as ./labs/08-dual), building it first.
func (b *teachBins) get(t testing.TB, pkg string) string {
	t.Helper()
	return b.at(t, pkg, filepath.Join(b.dir, filepath.Base(pkg)))
}

// at builds pkg to the path out (once) and returns out.
func (b *teachBins) at(t testing.TB, pkg, out string) string {
	t.Helper()
	if p, ok := b.bins[out]; ok {
		return p
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", out,
		pkg)
	cmd.Dir = ".."
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	b.bins[out] = out
	return out
}

// teachRun runs bin with args (prefixed by the words of wrap, such as a
// setpriv command, when wrap is not nil), with no input, and returns its
// standard output and error together and its exit status.
func teachRun(t testing.TB, wrap []string, bin string, args ...string) (
	string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), teachWait)
	defer cancel()
	argv := append(append(slices.Clone(wrap), bin), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s did not end within %v:\n%s", argv, teachWait, out)
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", argv, err)
	}
	return string(out), 0
}

// A teachProc is a long-running program (a lab server) whose output the
// test reads line by line.
type teachProc struct {
	cmd   *exec.Cmd
	lines chan string
	ended bool
}

// teachStart starts bin with args; its standard output and error arrive
// on one stream of lines. The test's cleanup kills it if it still runs.
func teachStart(t testing.TB, bin string, args ...string) *teachProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &teachProc{cmd: cmd, lines: make(chan string, 64)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if !p.ended {
			cmd.Process.Kill()
			for range p.lines {
			}
			cmd.Wait()
		}
	})
	return p
}

// next returns the program's next line of output.
func (p *teachProc) next(t testing.TB) string {
	t.Helper()
	timer := time.NewTimer(teachWait)
	defer timer.Stop()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatalf("%s ended before printing the line we wait for",
				p.cmd.Path)
		}
		return l
	case <-timer.C:
		t.Fatalf("%s printed nothing for %v", p.cmd.Path, teachWait)
	}
	return ""
}

// stop sends SIGTERM and waits for the program to end; it returns what
// it printed meanwhile and fails the test unless it exits 0.
func (p *teachProc) stop(t testing.TB) string {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	timer := time.NewTimer(teachWait)
	defer timer.Stop()
	for open := true; open; {
		select {
		case l, ok := <-p.lines:
			if open = ok; ok {
				rest.WriteString(l + "\n")
			}
		case <-timer.C:
			t.Fatalf("%s did not stop within %v of SIGTERM", p.cmd.Path,
				teachWait)
		}
	}
	p.ended = true
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("%s after SIGTERM: %v\n%s", p.cmd.Path, err, rest.String())
	}
	return rest.String()
}

// teachPorts replaces port numbers after ":" or "port:" by the ones the
// lesson shows, as given in ports (real → shown).
func teachPorts(s string, ports map[int]int) string {
	re := regexp.MustCompile(`(:|port: +)(\d+)\b`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		if shown, ok := ports[n]; ok {
			return sub[1] + strconv.Itoa(shown)
		}
		return m
	})
}

// teachSockDir returns a new short folder for socket files that another
// user may enter; the test removes it.
func teachSockDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// teachPath replaces the test's socket path by the labs' default, as
// user 1000 on a usual Linux machine sees it.
func teachPath(s, path string) string {
	return strings.ReplaceAll(s, path, "/run/user/1000/socketlab.sock")
}

// teachPort returns the number at the end of a line like "  port:    3008".
func teachPort(t testing.TB, line string) int {
	t.Helper()
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "port:" {
		t.Fatalf("want a line \"  port:    N\", got %q", line)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// teachUntil reads lines from p up to the first that matches pattern,
// and returns them, that one included.
func teachUntil(t testing.TB, p *teachProc, pattern string) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var lines []string
	for {
		lines = append(lines, p.next(t))
		if re.MatchString(lines[len(lines)-1]) {
			return lines
		}
	}
}

func teachJoin(lines []string) string { return strings.Join(lines, "\n") + "\n" }

// teachDualStack runs lab 01 on every address (":0", a free port) and
// connects once over IPv4. The lesson gives lab 01 port 3001.
func teachDualStack(t *testing.T, b *teachBins) string {
	p := teachStart(t, b.get(t, "./labs/01-listener"), "server",
		"-addr", ":0")
	lines := teachUntil(t, p, `^  port: `)
	port := teachPort(t, lines[len(lines)-1])
	conn, err := net.Dial("tcp4", net.JoinHostPort("127.0.0.1",
		strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	client := conn.LocalAddr().(*net.TCPAddr).Port
	lines = append(lines, teachUntil(t, p, `^A new connection`)...)
	conn.Close()
	lines = append(lines, teachUntil(t, p, ` hung up$`)...)
	p.stop(t)
	return teachPorts(teachJoin(lines), map[int]int{port: 3001,
		client: 50001})
}

// teachTwoDoors runs lab 08 with both doors and lets one client in
// through each, TCP first.
func teachTwoDoors(t *testing.T, b *teachBins) string {
	path := filepath.Join(teachSockDir(t), "s.sock")
	p := teachStart(t, b.get(t, "./labs/08-dual"), "server",
		"-addr", "127.0.0.1:0", "-path", path)
	lines := teachUntil(t, p, `^  port: `)
	port := teachPort(t, lines[len(lines)-1])
	tcp, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1",
		strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	client := tcp.LocalAddr().(*net.TCPAddr).Port
	// The Unix door's block, printed at the start, comes first.
	lines = append(lines, teachUntil(t, p, ` is User 1$`)...)
	unix, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close()
	lines = append(lines, teachUntil(t, p, ` is User 2$`)...)
	p.stop(t)
	return teachPath(teachPorts(teachJoin(lines),
		map[int]int{port: 3008, client: 50001}), path)
}

// teachAddrInUse starts lab 01 on a port this test already listens on.
func teachAddrInUse(t *testing.T, b *teachBins) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	out, code := teachRun(t, nil, b.get(t, "./labs/01-listener"), "server",
		"-addr", ln.Addr().String())
	if code != 1 {
		t.Errorf("lab 01 on a busy port exited with %d, want 1", code)
	}
	return teachPorts(out, map[int]int{port: 3008})
}

// teachLiveSocket starts lab 08 on a socket path this test listens on.
func teachLiveSocket(t *testing.T, b *teachBins) string {
	path := filepath.Join(teachSockDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, code := teachRun(t, nil, b.get(t, "./labs/08-dual"), "server",
		"-addr", "", "-path", path)
	if code != 1 {
		t.Errorf("lab 08 on a live socket exited with %d, want 1", code)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the live server's socket file is gone: %v", err)
	}
	return teachPath(out, path)
}

// teachCaptureEPERM runs `inspect packets` without CAP_NET_RAW: as root,
// under setpriv with the capability taken away; otherwise as we are. The
// binary is built where `go run` puts its binaries (a folder named
// go-build…/b001/exe), which is how inspect tells that it was started by
// `go run`, so the text is the one a learner's `go run` prints.
func teachCaptureEPERM(t *testing.T, b *teachBins) string {
	var wrap []string
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("running as root, and setpriv (util-linux), needed " +
				"to drop CAP_NET_RAW, is not installed")
		}
		wrap = []string{setpriv, "--inh-caps=-all", "--ambient-caps=-all",
			"--bounding-set=-net_raw"}
	}
	run := filepath.Join(b.dir, "go-build1234567890", "b001", "exe")
	bin := b.at(t, "./cmd/inspect", filepath.Join(run, "inspect"))
	out, code := teachRun(t, wrap, bin, "packets", "-c", "1", "-port",
		"3008")
	if !strings.Contains(out, "operation not permitted") {
		t.Skipf("this process may capture without privileges; "+
			"inspect printed:\n%s", out)
	}
	if code != 1 {
		t.Errorf("inspect packets without CAP_NET_RAW exited with %d, "+
			"want 1", code)
	}
	return strings.ReplaceAll(out, b.dir, "/tmp")
}

// teachSocketEPERM connects lab 08's client to a socket file of mode
// 0600 that another user owns: as root, the client runs as nobody; as
// anyone else, the file's mode is 0000 (the owner is kept out then too).
func teachSocketEPERM(t *testing.T, b *teachBins) string {
	path := filepath.Join(teachSockDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	mode, wrap := os.FileMode(0o600), []string(nil)
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("running as root, and setpriv (util-linux), needed " +
				"to connect as another user, is not installed")
		}
		wrap = []string{setpriv, "--reuid=65534", "--regid=65534",
			"--clear-groups"}
	} else {
		mode = 0
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	out, code := teachRun(t, wrap, b.get(t, "./labs/08-dual"), "client",
		"-path", path)
	if code != 1 {
		t.Errorf("lab 08's client, kept out, exited with %d, want 1", code)
	}
	// A teacher's shared server is never on its default path, which is
	// private: the lesson shows a shared folder's path.
	return strings.ReplaceAll(out, path, "/srv/class/chat.sock")
}

// teachStaleFile leaves a socket file at path that nobody listens on, as
// a server killed with SIGKILL does.
func teachStaleFile(t testing.TB, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

// teachStaleClient connects lab 08's client to a stale socket file.
func teachStaleClient(t *testing.T, b *teachBins) string {
	path := filepath.Join(teachSockDir(t), "s.sock")
	teachStaleFile(t, path)
	out, code := teachRun(t, nil, b.get(t, "./labs/08-dual"), "client",
		"-path", path)
	if code != 1 {
		t.Errorf("lab 08's client on a stale file exited with %d, want 1",
			code)
	}
	return teachPath(out, path)
}

// teachStaleServer starts lab 08 (Unix door only) over a stale socket
// file, and stops it. What it prints up to its first client is its
// start.
func teachStaleServer(t *testing.T, b *teachBins) string {
	path := filepath.Join(teachSockDir(t), "s.sock")
	teachStaleFile(t, path)
	p := teachStart(t, b.get(t, "./labs/08-dual"), "server", "-addr", "",
		"-path", path)
	lines := teachUntil(t, p, `^Listening on `)
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, teachUntil(t, p, `^A new connection`)...)
	lines = lines[:len(lines)-1]
	conn.Close()
	p.stop(t)
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file is still there after SIGTERM (%v)", err)
	}
	return teachPath(teachJoin(lines), path)
}

// teachWide lists the marked outputs that may hold lines wider than a
// 100-column projector, each with the reason; the lesson says how they
// wrap. Everything else on the page fits in 100 columns.
var teachWide = map[string]string{
	"live-socket": "lab 08's message names the socket path and is one " +
		"line of 108 columns; the lesson says where it wraps",
}

func TestTeachingWidth(t *testing.T) {
	data, err := os.ReadFile(teachDoc)
	if err != nil {
		t.Fatal(err)
	}
	wide := "" // the marked output we are in, if it may be wide
	for i, line := range strings.Split(string(data), "\n") {
		if m := teachMarker.FindStringSubmatch(line); m != nil {
			wide = ""
			if m[1] == "" && teachWide[m[2]] != "" {
				wide = m[2]
			}
			continue
		}
		if n := teachColumns(line); n > 100 && wide == "" {
			t.Errorf("%s:%d is %d columns wide, more than a projector "+
				"shows:\n%s", teachDoc, i+1, n, line)
		}
	}
}

// teachMarker matches the comments around a marked output: its first
// group is "/" at the end of one, its second the output's name.
var teachMarker = regexp.MustCompile(`^<!-- (/?)output: ([a-z0-9-]+) -->$`)

// teachColumns returns how many columns a terminal gives line: one a
// character, and a tab up to the next multiple of 8.
func teachColumns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 8 - n%8
			continue
		}
		n++
	}
	return n
}
