package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/cmd/internal/testout"
	"github.com/socketlab/socketlab/inspect/tap"
)

// demoWait bounds every wait in the demo tests.
const demoWait = 30 * time.Second

func TestDemoFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"an unknown flag is a usage error", []string{"-x"}, "flag provided but not defined: -x"},
		{"a pace of zero is a usage error", []string{"-pace", "0s"}, "-pace 0s"},
		{"a pace that is not a duration is a usage error", []string{"-pace", "fast"}, `invalid value "fast"`},
		{"an extra argument is a usage error", []string{"more"}, `unexpected argument "more"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"demo"}, tc.args...), io.Discard, io.Discard)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usageError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if code := exitCode(err, io.Discard); code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
		})
	}

	t.Run("-h prints the help and exits 0", func(t *testing.T) {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"demo", "-h"}, &stdout, io.Discard)
		if !errors.Is(err, flag.ErrHelp) || exitCode(err, io.Discard) != 0 {
			t.Errorf("err = %v, want flag.ErrHelp (exit 0)", err)
		}
		for _, want := range []string{"usage: inspect demo", "-pace", "-no-ui", "-contrast", "-once", "-compare"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("help lacks %q:\n%s", want, stdout.String())
			}
		}
	})
}

func TestDemoCompareFlag(t *testing.T) {
	t.Run("-compare asks the UI for the compare view", func(t *testing.T) {
		cfg, err := parseDemoFlags([]string{"-compare", "-contrast"}, io.Discard)
		if err != nil || !cfg.compare || !cfg.contrast {
			t.Errorf("parseDemoFlags(-compare -contrast) = %+v, %v", cfg, err)
		}
		if cfg, _ := parseDemoFlags(nil, io.Discard); cfg.compare {
			t.Errorf("the compare view is on by default")
		}
	})

	t.Run("the UI opens on the compare view and q leaves nothing behind", func(t *testing.T) {
		demoNoLeaks(t)
		screen := tcell.NewSimulationScreen("UTF-8")
		apps := make(chan *tview.Application, 1)
		drawn := make(chan struct{}, 1)
		env := tuiEnv{screen: screen, ready: func(app *tview.Application) {
			screen.SetSize(160, 45)
			app.SetAfterDrawFunc(func(tcell.Screen) {
				select {
				case drawn <- struct{}{}:
				default:
				}
			})
			apps <- app
		}}
		out := &testout.Buffer{}
		done := make(chan error, 1)
		go func() {
			done <- runDemoWith(context.Background(), []string{"-compare", "-pace", "1ms"}, out, out, env)
		}()
		var app *tview.Application
		select {
		case app = <-apps:
		case err := <-done:
			t.Fatalf("runDemo returned %v before the UI opened:\n%s", err, out)
		case <-time.After(demoWait):
			t.Fatal("the UI never opened")
		}
		// Both sides of the compare view, and none of the panes.
		text := demoWaitScreen(t, app, screen, drawn, "TCP over lo", "IPC (Unix socket) via tap",
			"ON THE WIRE (lo)")
		if strings.Contains(text, "Packets (") {
			t.Errorf("the Packets pane is drawn beside the compare view:\n%s", text)
		}
		screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("runDemo: %v\n%s", err, out)
			}
		case <-time.After(demoWait):
			t.Fatal("the demo's UI did not stop")
		}
	})
}

func TestDemoPlainLog(t *testing.T) {
	demoNoLeaks(t)
	out := &testout.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo", "-no-ui", "-pace", "1ms"}, out, out) }()

	// Wait for a whole visitor round, the last visitor coming through
	// the tap, then stop as Ctrl-C would.
	out.WaitFor(t, `(?m) Radia +tap +left`)
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(demoWait):
		t.Fatalf("runDemo still running %v after cancel:\n%s", demoWait, out)
	}
	text := out.String()
	if err != nil {
		t.Fatalf("runDemo: %v\n%s", err, text)
	}

	t.Run("it says how to watch the room", func(t *testing.T) {
		m := regexp.MustCompile(`(?m)^  go run \./cmd/inspect -port (\d+) -path (\S+) -path (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no inspect command in the output:\n%s", text)
		}
		if !strings.Contains(text, "unix door  "+m[2]+"\n") ||
			!strings.Contains(text, "tap        "+m[3]+" -> "+m[2]+"\n") {
			t.Errorf("the command's paths %s and %s are not the Unix door and the tap", m[2], m[3])
		}
		if !strings.Contains(text, "needs root") || !strings.Contains(text, "go build -o bin/inspect ./cmd/inspect") {
			t.Errorf("the hint does not say what capture needs:\n%s", text)
		}
		if !strings.Contains(text, "tcp door   127.0.0.1:"+m[1]+"\n") {
			t.Errorf("the command's port %s is not the TCP door's", m[1])
		}
		if _, err := os.Lstat(m[2]); !os.IsNotExist(err) {
			t.Errorf("the chat's socket file %s is still there (%v)", m[2], err)
		}
		if !strings.Contains(text, "(-no-ui: plain log)") {
			t.Errorf("the output does not say why it is a plain log")
		}
	})

	t.Run("it shows the banner once and the tapped bytes", func(t *testing.T) {
		if n := strings.Count(text, tap.Banner); n != 1 {
			t.Errorf("the tap banner appears %d times, want once", n)
		}
		for _, want := range []string{
			`tap #1   c>s 44 bytes "hello over a Unix socket too, through a tap\n"`,
			` Grace   tap   < User 1: hello over TCP`,
			` Linus   unix  > hello over a Unix socket`,
			` Ada     tcp   < User 3: hello over a Unix socket too, through a tap`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the output lacks %q:\n%s", want, text)
			}
		}
		if !regexp.MustCompile(`(?m)^\S+ room {10}\S`).MatchString(text) {
			t.Errorf("the output has none of the room's log lines:\n%s", text)
		}
	})

	t.Run("a Unix side's end is called end of stream, never a FIN", func(t *testing.T) {
		for _, want := range []string{
			"half-close c>s: end of stream passed on (shutdown)",
			" Linus   unix  left: sent EOF (shutdown write), got EOF, closed",
			" Radia   tap   left: sent EOF (shutdown write), got EOF, closed",
			" Ken     tcp   left: sent FIN, got FIN, closed",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the output lacks %q:\n%s", want, text)
			}
		}
		if bad := regexp.MustCompile(`(?m)^\S+ (tap #\d+ +half-close|\S+ +(unix|tap) +left:).*FIN.*$`).FindString(text); bad != "" {
			t.Errorf("a Unix side speaks of a FIN: %q", bad)
		}
	})

	t.Run("it says whether the UI could capture", func(t *testing.T) {
		if !regexp.MustCompile(`(?m)^  capture    (on|off): `).MatchString(text) {
			t.Errorf("no capture line in the output:\n%s", text)
		}
	})

	t.Run("it ends with a summary", func(t *testing.T) {
		if !regexp.MustCompile(`demo: stopped after \d+ clients joined`).MatchString(text) {
			t.Errorf("no summary at the end:\n%s", text)
		}
	})
}

func TestDemoOnce(t *testing.T) {
	demoNoLeaks(t)
	out := &testout.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"demo", "-once", "-pace", "1ms"}, out, out)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runDemo: %v\n%s", err, out)
		}
	case <-time.After(demoWait):
		t.Fatalf("-once still running after %v:\n%s", demoWait, out)
	}
	want := "demo: stopped after 3 clients joined and 7 chat lines; " +
		"the tap relayed 99 bytes c>s and 246 bytes s>c\n"
	if text := out.String(); !strings.HasSuffix(text, want) {
		t.Errorf("the output does not end with %q:\n%s", want, text)
	}
}

func TestDemoOpensTheUI(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(cancel context.CancelFunc, screen tcell.SimulationScreen)
	}{
		{"q quits and leaves nothing behind", func(_ context.CancelFunc, s tcell.SimulationScreen) {
			s.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
		}},
		{"SIGTERM quits and leaves nothing behind", func(cancel context.CancelFunc, _ tcell.SimulationScreen) {
			cancel() // what SIGTERM does through main's context
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			demoNoLeaks(t)
			screen := tcell.NewSimulationScreen("UTF-8")
			apps := make(chan *tview.Application, 1)
			drawn := make(chan struct{}, 1)
			env := tuiEnv{screen: screen, ready: func(app *tview.Application) {
				screen.SetSize(160, 45)
				app.SetAfterDrawFunc(func(tcell.Screen) {
					select {
					case drawn <- struct{}{}:
					default:
					}
				})
				apps <- app
			}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &testout.Buffer{}
			done := make(chan error, 1)
			go func() { done <- runDemoWith(ctx, []string{"-pace", "1ms"}, out, out, env) }()

			var app *tview.Application
			select {
			case app = <-apps:
			case err := <-done:
				t.Fatalf("runDemo returned %v before the UI opened:\n%s", err, out)
			case <-time.After(demoWait):
				t.Fatal("the UI never opened")
			}
			// The socket table shows the Unix door and the tap, and the
			// Packets pane the tap's data, under the tap's banner.
			text := demoWaitScreen(t, app, screen, drawn, "chat.sock", "tap.sock",
				"tap data", tap.Banner)
			path := regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/sl\d+/chat\.sock`).FindString(text)

			tc.stop(cancel, screen)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("runDemo: %v\n%s", err, out)
				}
			case <-time.After(demoWait):
				t.Fatal("the demo's UI did not stop")
			}
			if !strings.Contains(out.String(), "demo: stopped after") {
				t.Errorf("no summary after the UI closed:\n%s", out)
			}
			if _, err := os.Lstat(path); path == "" || !os.IsNotExist(err) {
				t.Errorf("the chat's socket file %q is still there (%v)", path, err)
			}
		})
	}
}

// TestDemoSignals runs the real inspect main in a child process (this
// test binary, re-run as TestDemoChildProcess) and stops it with a signal.
func TestDemoSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String()+" stops everything and exits 0", func(t *testing.T) {
			if sig == syscall.SIGHUP && signal.Ignored(sig) {
				// Under nohup the child would inherit SIGHUP ignored,
				// and rightly keep running. Catching it here makes the
				// child start with the default disposition: exec resets
				// caught signals, not ignored ones.
				caught := make(chan os.Signal, 1)
				signal.Notify(caught, sig)
				t.Cleanup(func() { signal.Reset(sig) })
			}
			out := &testout.Buffer{}
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
			cmd.Env = append(os.Environ(), "SOCKETLAB_INSPECT_CHILD=demo\n-pace\n1ms")
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var waitErr error
			exited := make(chan struct{})
			go func() {
				waitErr = cmd.Wait()
				close(exited)
			}()
			t.Cleanup(func() {
				// If the test failed before the child stopped, ask it
				// to clean up first; kill it only if it does not.
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(demoWait):
					cmd.Process.Kill()
					<-exited
				}
			})
			text := out.WaitFor(t, `(?m) Grace +tap +< `)
			path := regexp.MustCompile(`(?m)^  unix door  (\S+)$`).FindStringSubmatch(text)
			if path == nil {
				t.Fatalf("no unix door in the output:\n%s", text)
			}
			if _, err := os.Lstat(path[1]); err != nil {
				t.Fatalf("the chat's socket file is not there while it runs: %v", err)
			}

			cmd.Process.Signal(sig)
			select {
			case <-exited:
				if waitErr != nil {
					t.Fatalf("child: %v\n%s", waitErr, out)
				}
			case <-time.After(demoWait):
				t.Fatalf("child still running after %v:\n%s", sig, out)
			}
			if _, err := os.Lstat(path[1]); !os.IsNotExist(err) {
				t.Errorf("socket file left behind: %v", err)
			}
			if !strings.Contains(out.String(), "demo: stopped after") {
				t.Errorf("no summary at the end:\n%s", out)
			}
		})
	}
}

// TestDemoNamesItsBinary runs the demo from a binary that `go run` did
// not build (a copy of this test binary): the commands to watch it from
// another terminal start that same binary, which keeps any capability
// it was given, instead of a fresh one built by `go run`.
func TestDemoNamesItsBinary(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "inspect")
	demoCopy(t, os.Args[0], exe)
	ctx, cancel := context.WithTimeout(context.Background(), demoWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "SOCKETLAB_INSPECT_CHILD=demo\n-once\n-pace\n1ms")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		`(?m)^  ` + regexp.QuoteMeta(exe) + ` -port \d+ -path \S+ -path \S+$`,
		`(?m)^  ` + regexp.QuoteMeta(exe) + ` sockets -port \d+ -path \S+ -path \S+$`,
	} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("no line matching %s in the output:\n%s", want, text)
		}
	}
	if strings.Contains(text, "go run") {
		t.Errorf("the output suggests go run, not the binary:\n%s", text)
	}
	if strings.Contains(text, "capture    off: no CAP_NET_RAW") &&
		!strings.Contains(text, "chmod 0700 "+exe+" && sudo setcap cap_net_raw+ep "+exe) {
		t.Errorf("the capture hint does not name the binary:\n%s", text)
	}
}

// demoCopy copies the program at from to a new executable file to.
func demoCopy(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDemoWithoutPrivilege runs the demo in a child process that lacks
// CAP_NET_RAW: it still runs, and says that the UI would show the tap
// only and how to enable capture.
func TestDemoWithoutPrivilege(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and setpriv to drop CAP_NET_RAW for a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), demoWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, setpriv, "--bounding-set", "-net_raw",
		"--inh-caps", "-all", "--", os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "SOCKETLAB_INSPECT_CHILD=demo\n-once\n-pace\n1ms")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{
		// The child is a binary that go test built, in a go-build
		// folder, as go run would: the hint builds bin/inspect.
		"capture    off: no CAP_NET_RAW, so the UI shows the tap only; " +
			"to capture: go build -o bin/inspect ./cmd/inspect && " +
			"chmod 0700 bin/inspect && sudo setcap cap_net_raw+ep bin/inspect\n",
		`c>s 44 bytes "hello over a Unix socket too, through a tap\n"`,
		"demo: stopped after 3 clients joined",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// demoWaitScreen waits, draw by draw, until the screen shows every one of
// want.
func demoWaitScreen(t testing.TB, app *tview.Application, screen tcell.SimulationScreen,
	drawn <-chan struct{}, want ...string) string {
	t.Helper()
	deadline := time.After(demoWait)
	for {
		var b strings.Builder
		app.QueueUpdate(func() {
			cells, w, h := screen.GetContents()
			for y := range h {
				for x := range w {
					if rs := cells[y*w+x].Runes; len(rs) > 0 {
						b.WriteString(string(rs))
					} else {
						b.WriteByte(' ')
					}
				}
				b.WriteByte('\n')
			}
		})
		text := b.String()
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return text
		}
		select {
		case <-drawn:
		case <-deadline:
			t.Fatalf("the screen never showed %q:\n%s", missing, text)
		}
	}
}

// demoNoLeaks fails the test if it leaves goroutines behind that were
// not running when it started.
func demoNoLeaks(t testing.TB) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// TestInspectDocDescribesDemoAndTap keeps docs/inspect.md in step with
// the demo's and the tap's flags: each has a section there that names
// every flag the command's help lists.
func TestInspectDocDescribesDemoAndTap(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, c := range []struct{ command, heading string }{
		{"demo", "## The demo: `inspect demo`"},
		{"tap", "### `inspect tap`: the relay on its own"},
	} {
		t.Run("the "+c.command+" section names every flag of inspect "+c.command, func(t *testing.T) {
			start := strings.Index(doc, "\n"+c.heading+"\n")
			if start < 0 {
				t.Fatalf("docs/inspect.md has no heading %q", c.heading)
			}
			section := doc[start+1:]
			if end := strings.Index(section[len(c.heading):], "\n## "); end >= 0 {
				section = section[:len(c.heading)+end]
			}
			var help bytes.Buffer
			run(context.Background(), []string{c.command, "-h"}, &help, io.Discard)
			flags := regexp.MustCompile(`(?m)^  (-[a-z-]+)`).FindAllStringSubmatch(help.String(), -1)
			if len(flags) < 3 {
				t.Fatalf("found only %d flags in the help:\n%s", len(flags), help.String())
			}
			for _, f := range flags {
				if !regexp.MustCompile("[\\s`\\[(]" + regexp.QuoteMeta(f[1]) + "[\\s`\\]=]").MatchString(section) {
					t.Errorf("the section does not name %s", f[1])
				}
			}
		})
	}
	t.Run("nothing calls the tap or the demo future work", func(t *testing.T) {
		if m := regexp.MustCompile(`(?i)future work|\(yet\)|not yet (written|built|done)`).FindString(doc); m != "" {
			t.Errorf("docs/inspect.md still says %q", m)
		}
	})
}
