package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"go.uber.org/goleak"

	"github.com/socketlab/socketlab/inspect/app"
	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

const tuiWait = 20 * time.Second

func TestTUIRefusesANonTerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := runTUI(context.Background(), nil, &stdout, &stderr)
	if err == nil {
		t.Fatal("runTUI with a buffer for stdout returned nil")
	}
	for _, want := range []string{"not", "inspect sockets", "inspect packets"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("wrote to stdout: %q", stdout.String())
	}
}

func TestTUIFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want func(error) bool
	}{
		{"a port that is not a number is a usage error", []string{"-port", "x"}, isUsage},
		{"a port out of range is a usage error", []string{"-port", "3008,70000"}, isUsage},
		{"a ring of no packets is a usage error", []string{"-ring", "0"}, isUsage},
		{"a stray argument is a usage error", []string{"-all", "extra"}, isUsage},
		{"-h prints the flags", []string{"-h"}, func(err error) bool { return errors.Is(err, flag.ErrHelp) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := runTUI(context.Background(), c.args, io.Discard, io.Discard)
			if !c.want(err) {
				t.Errorf("runTUI(%q) = %v", c.args, err)
			}
		})
	}
	t.Run("-h prints the usage and the UI's flags on stdout and exits 0", func(t *testing.T) {
		for _, args := range [][]string{{"-h"}, {"-help"}, {"-compare", "-h"}} {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if code := exitCode(err, &stderr); code != 0 {
				t.Errorf("inspect %q: exit status %d (%v), want 0", args, code, err)
			}
			out := stdout.String()
			if strings.Contains(out+stderr.String(), "Usage of inspect") {
				t.Errorf("inspect %q printed the flag package's bare usage:\n%s%s", args, out, stderr.String())
			}
			for _, want := range []string{usage, "inspect demo", "inspect tap -listen L -to T",
				"  -port port", "  -path path", "  -tap L=T", "  -compare", "  -contrast", "  -ring N"} {
				if !strings.Contains(out, want) {
					t.Errorf("inspect %q: help lacks %q:\n%s", args, want, out)
				}
			}
			if stderr.Len() > 0 {
				t.Errorf("inspect %q wrote to stderr: %q", args, stderr.String())
			}
		}
	})
	t.Run("a usage error shows the usage too", func(t *testing.T) {
		err := run(context.Background(), []string{"-nosuchflag"}, io.Discard, io.Discard)
		if !isUsage(err) || !strings.Contains(err.Error(), "-nosuchflag") || !strings.Contains(err.Error(), "  -tap L=T") {
			t.Errorf("err = %v, want a usage error with the flags", err)
		}
	})
	t.Run("paths may be repeated", func(t *testing.T) {
		cfg, err := parseTUIFlags([]string{"-path", "/tmp/a.sock", "-path", "/tmp/b.sock"}, io.Discard)
		if err != nil || fmt.Sprint(cfg.Paths) != "[/tmp/a.sock /tmp/b.sock]" {
			t.Errorf("paths %v, err %v", cfg.Paths, err)
		}
	})
	t.Run("ports may be repeated or listed", func(t *testing.T) {
		cfg, err := parseTUIFlags([]string{"-port", "3008,3009", "-port", "4000"}, io.Discard)
		if err != nil || fmt.Sprint(cfg.Ports) != "[3008 3009 4000]" {
			t.Errorf("ports %v, err %v", cfg.Ports, err)
		}
		cfg, _ = parseTUIFlags(nil, io.Discard)
		if fmt.Sprint(cfg.Ports) != "[3008]" || !slices.Equal(cfg.Paths, defaultSocketsPaths()) ||
			cfg.Iface != capture.Host.Loopback || cfg.Contrast || cfg.Compare || len(cfg.Taps) != 0 {
			t.Errorf("defaults %+v", cfg)
		}
	})
	t.Run("a broken pcap file is an error before the screen opens", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.pcap")
		if err := os.WriteFile(bad, []byte("not a pcap file at all"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := runTUIWith(context.Background(), []string{"-r", bad}, io.Discard, io.Discard,
			tuiEnv{isTerminal: func(io.Writer) bool { return true }})
		if err == nil || !strings.Contains(err.Error(), "bad.pcap") {
			t.Errorf("err = %v, want one naming bad.pcap", err)
		}
	})
}

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// tuiRun is a TUI running on a simulation screen.
type tuiRun struct {
	t      testing.TB
	screen tcell.SimulationScreen
	app    chan *tview.Application
	drawn  chan struct{}
	done   chan error
	cancel context.CancelFunc
}

// startTUI runs the TUI with args on a 160×45 simulation screen. The
// test must end it (q or cancel); cleanup fails the test if it does not.
func startTUI(t testing.TB, args ...string) *tuiRun {
	t.Helper()
	return startTUIFunc(t, func(ctx context.Context, env tuiEnv) error {
		return runTUIWith(ctx, args, io.Discard, io.Discard, env)
	})
}

// startTUIConfig runs the TUI on cfg, as another command would, on a
// 160×45 simulation screen.
func startTUIConfig(t testing.TB, cfg app.Config) *tuiRun {
	t.Helper()
	return startTUIFunc(t, func(ctx context.Context, env tuiEnv) error {
		return app.Run(ctx, cfg, io.Discard, env.app())
	})
}

// startTUIFunc runs run with a simulation screen in its env.
func startTUIFunc(t testing.TB, run func(context.Context, tuiEnv) error) *tuiRun {
	t.Helper()
	r := &tuiRun{t: t, screen: tcell.NewSimulationScreen("UTF-8"),
		app: make(chan *tview.Application, 1), drawn: make(chan struct{}, 1),
		done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	env := tuiEnv{screen: r.screen, ready: func(app *tview.Application) {
		r.screen.SetSize(160, 45)
		app.SetAfterDrawFunc(func(tcell.Screen) {
			select {
			case r.drawn <- struct{}{}:
			default:
			}
		})
		r.app <- app
	}}
	go func() { r.done <- run(ctx, env) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(tuiWait):
			t.Error("the TUI did not stop after its context was cancelled")
		}
	})
	return r
}

// text returns the screen as lines of text, read on the UI goroutine.
func (r *tuiRun) text(app *tview.Application) string {
	var b strings.Builder
	app.QueueUpdate(func() {
		cells, w, h := r.screen.GetContents()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if rs := cells[y*w+x].Runes; len(rs) > 0 {
					b.WriteString(string(rs))
				} else {
					b.WriteByte(' ')
				}
			}
			b.WriteByte('\n')
		}
	})
	return b.String()
}

// waitFor waits, draw by draw, until the screen shows every one of want.
func (r *tuiRun) waitFor(app *tview.Application, want ...string) string {
	r.t.Helper()
	deadline := time.After(tuiWait)
	for {
		got := r.text(app)
		missing := ""
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return got
		}
		select {
		case <-r.drawn:
		case err := <-r.done:
			r.t.Fatalf("the TUI stopped (%v) before showing %q", err, missing)
		case <-deadline:
			r.t.Fatalf("the screen never showed %q:\n%s", missing, got)
		}
	}
}

func TestTUIShowsALiveConnection(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)

	r := startTUI(t, "-port", fmt.Sprint(port), "-path", filepath.Join(dir, "none.sock"))
	var app *tview.Application
	select {
	case app = <-r.app:
	case err := <-r.done:
		t.Fatalf("the TUI did not start: %v", err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	screen := r.waitFor(app, "Sockets (1)", listen, "LISTEN")
	capturing := strings.Contains(screen, "│ capturing │")
	if !capturing && !strings.Contains(screen, "setcap cap_net_raw+ep") {
		t.Fatalf("capture is neither running nor explained:\n%s", screen)
	}

	// A real client: the handshake, a line, and the teardown.
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	c, err := net.Dial("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("hello inspector\n")); err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(tuiWait))
	line := make([]byte, 16)
	if _, err := io.ReadFull(s, line); err != nil {
		t.Fatal(err)
	}
	r.waitFor(app, "Sockets (3)", "ESTABLISHED")
	// The client closes first; the server reads the end of the stream and
	// closes too. (Closing with unread bytes would send RST instead.)
	c.Close()
	if _, err := io.ReadAll(s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if capturing {
		r.waitFor(app, "handshake 1/3", "handshake 2/3", "handshake 3/3",
			"client sends 16 bytes", "→ hello inspector", "teardown: last ACK")
	} else {
		t.Log("no CAP_NET_RAW: checked the socket table and the setcap hint only")
	}

	r.screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("q: runTUI returned %v, want nil", err)
		}
		r.done <- err // for the cleanup
	case <-time.After(tuiWait):
		t.Fatal("q did not stop the TUI")
	}
	goleak.VerifyNone(t, opt)
}

func TestTUIStopsWhenCancelled(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	r := startTUI(t, "-port", "1", "-path", "/nonexistent/socketlab.sock")
	app := <-r.app
	r.waitFor(app, "no server on :1")
	r.cancel() // what SIGTERM does through main's context
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("runTUI returned %v, want nil", err)
		}
		r.done <- err
	case <-time.After(tuiWait):
		t.Fatal("cancelling the context did not stop the TUI")
	}
	goleak.VerifyNone(t, opt)
}

func TestTUIStopsWhenCancelledBeforeItStarts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() {
		done <- runTUIWith(ctx, []string{"-port", "1"}, io.Discard, io.Discard,
			tuiEnv{screen: tcell.NewSimulationScreen("UTF-8")})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runTUI returned %v, want nil", err)
		}
	case <-time.After(tuiWait):
		t.Fatal("a context cancelled before Run did not stop the TUI")
	}
}

func TestTUIReadsARecording(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	r := startTUI(t, "-r", filepath.Join("..", "..", "inspect", "ui", "testdata", "lab06-chat.pcap"),
		"-path", "/nonexistent/socketlab.sock")
	app := <-r.app
	r.waitFor(app, "file ", "lab06-chat.pcap", "24 packets seen", "end of file",
		"teardown: last ACK", "Packets (24)", "→ hi there")
	r.screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("runTUI returned %v", err)
		}
		r.done <- err
	case <-time.After(tuiWait):
		t.Fatal("q did not stop the TUI")
	}
	goleak.VerifyNone(t, opt)
}

func TestTUITapFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"a tap without = is a usage error", []string{"-tap", "/tmp/tap.sock"}},
		{"a tap with an empty side is a usage error", []string{"-tap", "=/tmp/real.sock"}},
		{"a bare number is ambiguous", []string{"-tap", "3009=/tmp/real.sock"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseTUIFlags(c.args, io.Discard); !isUsage(err) {
				t.Errorf("parseTUIFlags(%q) = %v, want a usage error", c.args, err)
			}
		})
	}
	t.Run("taps may be repeated, with paths or host:port", func(t *testing.T) {
		cfg, err := parseTUIFlags([]string{"-tap", "/tmp/a.sock=/tmp/b.sock",
			"-tap", "127.0.0.1:4000=127.0.0.1:3008", "-contrast", "-compare"}, io.Discard)
		want := []app.Tap{{Listen: "/tmp/a.sock", To: "/tmp/b.sock"},
			{Listen: "127.0.0.1:4000", To: "127.0.0.1:3008"}}
		if err != nil || fmt.Sprint(cfg.Taps) != fmt.Sprint(want) || !cfg.Contrast || !cfg.Compare {
			t.Errorf("cfg %+v, err %v", cfg, err)
		}
	})
	t.Run("a tap that cannot listen is an error before the screen opens", func(t *testing.T) {
		dir := shortTempDir(t)
		notSocket := filepath.Join(dir, "file.sock")
		if err := os.WriteFile(notSocket, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := runTUIWith(context.Background(), []string{"-port", "1", "-tap",
			notSocket + "=" + filepath.Join(dir, "real.sock")}, io.Discard, io.Discard,
			tuiEnv{screen: tcell.NewSimulationScreen("UTF-8")})
		if err == nil || !strings.Contains(err.Error(), "-tap") {
			t.Errorf("err = %v, want one naming the -tap", err)
		}
		if b, _ := os.ReadFile(notSocket); string(b) != "x" {
			t.Error("the file in the tap's way was touched")
		}
	})
}

// shortTempDir returns a new directory with a path short enough for
// socket files, removed at the end of the test.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// echoUnix serves a Unix socket echo server at path until the test ends.
func echoUnix(t testing.TB, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.Copy(c, c)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
}

func TestTUIRelaysATap(t *testing.T) {
	dir := shortTempDir(t)
	real, tapPath := filepath.Join(dir, "real.sock"), filepath.Join(dir, "tap.sock")
	echoUnix(t, real)
	opt := goleak.IgnoreCurrent() // the echo server stays until cleanup

	r := startTUI(t, "-port", "1", "-path", real, "-tap", tapPath+"="+real)
	var app *tview.Application
	select {
	case app = <-r.app:
	case err := <-r.done:
		t.Fatalf("the TUI did not start: %v", err)
	}
	// The relay listens before the screen opens: a client can connect.
	c, err := net.Dial("unix", tapPath)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(tuiWait))
	if _, err := c.Write([]byte("hello through the tap\n")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 22)
	if _, err := io.ReadFull(c, echo); err != nil || string(echo) != "hello through the tap\n" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	c.(*net.UnixConn).CloseWrite()
	io.ReadAll(c)
	c.Close()
	r.waitFor(app, "tap open", "tap data", "client sends 22 bytes via relay",
		"tap close", "Stream via tap", "AF_UNIX bytes never reach lo",
		"→ hello through the tap", "← hello through the tap", "1 tap", "tap.sock")

	r.screen.InjectKey(tcell.KeyRune, 'v', tcell.ModNone)
	r.waitFor(app, "Compare: TCP beside IPC", "IPC (Unix socket) via tap", "0 packets: AF_UNIX")

	r.screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("q: runTUI returned %v, want nil", err)
		}
		r.done <- err
	case <-time.After(tuiWait):
		t.Fatal("q did not stop the TUI")
	}
	if _, err := os.Lstat(tapPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tap's socket file is still there after quitting: %v", err)
	}
	goleak.VerifyNone(t, opt)
}

func TestTUIShowsTapEventsFromAnotherRelay(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	events := make(chan tap.Event, 4)
	r := startTUIConfig(t, app.Config{Ports: []int{1}, Paths: []string{"/nonexistent/chat.sock"},
		Contrast: true, Compare: true,
		Taps: []app.Tap{{Listen: "/nonexistent/tap.sock", To: "/nonexistent/chat.sock", Events: events}}})
	app := <-r.app
	r.waitFor(app, "Compare: TCP beside IPC", "IPC: no tap connection yet")
	now := time.Now()
	events <- tap.Event{Time: now, Conn: 1, Kind: tap.Open, Client: "@", Server: "unix:/nonexistent/chat.sock"}
	events <- tap.Event{Time: now, Conn: 1, Kind: tap.Data, Dir: tap.ServerToClient, Len: 6,
		Data: []byte("hello\n"), Client: "@", Server: "unix:/nonexistent/chat.sock"}
	r.waitFor(app, "IPC (Unix socket) via tap: @ #1 ⇄ /nonexistent/chat.sock", "← hello",
		"the tap relayed 0 bytes c>s and 6 bytes s>c")
	// The channel stays open: cancelling must still stop the TUI and the
	// goroutine reading it.
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("app.Run returned %v, want nil", err)
		}
		r.done <- err
	case <-time.After(tuiWait):
		t.Fatal("cancelling did not stop the TUI")
	}
	goleak.VerifyNone(t, opt)
}

// otherLinkPcapng writes a pcapng file whose first interface is
// Ethernet and holds no packet, and whose second, of a link type
// inspect does not decode (LINKTYPE_USER0), holds the packets of
// echo4.pcap without their Ethernet headers: inspect reads none of them.
func otherLinkPcapng(t testing.TB) string {
	t.Helper()
	src, err := capture.OpenFile(packetsRecording)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	le := binary.LittleEndian
	var b []byte
	block := func(typ uint32, body []byte) {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		n := uint32(12 + len(body))
		b = le.AppendUint32(le.AppendUint32(b, typ), n)
		b = le.AppendUint32(append(b, body...), n)
	}
	shb := le.AppendUint32(nil, 0x1a2b3c4d)
	shb = le.AppendUint64(le.AppendUint32(shb, 1), ^uint64(0)) // version 1.0, length unknown
	block(0x0a0d0d0a, shb)
	block(1, le.AppendUint32(le.AppendUint32(nil, 1), 0))   // Ethernet
	block(1, le.AppendUint32(le.AppendUint32(nil, 147), 0)) // USER0: not decoded
	var p capture.Packet
	for src.Next(&p) == nil {
		frame := p.Frame[14:]
		us := uint64(p.Time.UnixMicro())
		epb := le.AppendUint32(nil, 1)
		for _, v := range []uint32{uint32(us >> 32), uint32(us), uint32(len(frame)), uint32(len(frame))} {
			epb = le.AppendUint32(epb, v)
		}
		block(6, append(epb, frame...))
	}
	path := filepath.Join(t.TempDir(), "user0.pcapng")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTUIShowsPacketsNotRead(t *testing.T) {
	quit := func(t *testing.T, r *tuiRun) {
		t.Helper()
		r.screen.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("the TUI returned %v", err)
			}
			r.done <- err
		case <-time.After(tuiWait):
			t.Fatal("q did not stop the TUI")
		}
	}
	t.Run("the status bar counts the packets of another link type", func(t *testing.T) {
		r := startTUI(t, "-r", filepath.Join(craftedDir, "two-link-types.pcapng"), "-port", "39008",
			"-path", "/nonexistent/socketlab.sock")
		app := <-r.app
		r.waitFor(app, "Packets (14)", "packets not read (3 of interface 1, link type 147")
		quit(t, r)
	})
	t.Run("a file of which no packet is read is not called capture off", func(t *testing.T) {
		r := startTUI(t, "-r", otherLinkPcapng(t), "-path", "/nonexistent/socketlab.sock")
		app := <-r.app
		screen := r.waitFor(app, "Packets (0)", "no packet of the file shown",
			"packets not read (14 of interface 1")
		if strings.Contains(screen, "capture is off") {
			t.Errorf("reading a file is called capture:\n%s", screen)
		}
		quit(t, r)
	})
}

func TestTUICompareHintWithoutAPath(t *testing.T) {
	r := startTUIConfig(t, app.Config{Ports: []int{1}, File: packetsRecording, Compare: true})
	a := <-r.app
	r.waitFor(a, "Compare: TCP beside IPC", "inspect -tap TAP.sock=SERVER.sock")
	r.cancel()
}

func TestSudoWatchesTheLearnersPaths(t *testing.T) {
	t.Setenv("SUDO_UID", "1000")
	t.Setenv("TMPDIR", "/var/tmp")
	t.Run("as root under sudo, the invoking user's default paths too", func(t *testing.T) {
		want := []string{"/run/user/1000/socketlab.sock", "/var/tmp/socketlab-1000/socketlab.sock"}
		if got := sudoSocketsPaths(0); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("not as another user", func(t *testing.T) {
		if got := sudoSocketsPaths(1000); got != nil {
			t.Errorf("got %q, want none", got)
		}
	})
	t.Run("not without a user id", func(t *testing.T) {
		for _, uid := range []string{"", "../../etc", "-1", "1000/x"} {
			t.Setenv("SUDO_UID", uid)
			if got := sudoSocketsPaths(0); got != nil {
				t.Errorf("SUDO_UID %q: got %q, want none", uid, got)
			}
		}
	})
	t.Run("the TUI and inspect sockets watch them by default", func(t *testing.T) {
		t.Setenv("SUDO_UID", "1000")
		want := append([]string{chat.DefaultPath()}, sudoSocketsPaths(os.Geteuid())...)
		if got := defaultSocketsPaths(); !slices.Equal(got, want) {
			t.Errorf("defaultSocketsPaths() = %q, want %q", got, want)
		}
		cfg, err := parseTUIFlags(nil, io.Discard)
		if err != nil || !slices.Equal(cfg.Paths, want) {
			t.Errorf("the TUI watches %q (%v), want %q", cfg.Paths, err, want)
		}
	})
}
