package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/socketlab/socketlab/inspect/demo"
	"github.com/socketlab/socketlab/inspect/sockets"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
	"github.com/socketlab/socketlab/inspect/visible/visibletest"
)

// hostileName is the corpus entry s made into a file name: at most max
// bytes, '/' and NUL (which a name cannot hold) replaced by '_'.
func hostileName(s string, max int) string {
	s = strings.NewReplacer("/", "_", "\x00", "_").Replace(s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}

// literal fails t unless out holds no byte a terminal would act on and
// shows s literally after prefix: visible.String(s) on its own, or the
// two made visible at once (they differ only where s starts with a
// combining mark).
func literal(t testing.TB, what, out, prefix, s string) {
	t.Helper()
	if i, r, bad := visibletest.ControlByte([]byte(out)); bad {
		t.Errorf("%s holds %q at byte %d:\n%s", what, r, i, out)
	}
	if !strings.Contains(out, prefix+visible.String(s)) && !strings.Contains(out, visible.String(prefix+s)) {
		t.Errorf("%s does not show %q:\n%s", what, prefix+visible.String(s), out)
	}
}

// hostilePcap writes a pcap file, named after a terminal escape, with
// one TCP segment on lo per payload.
func hostilePcap(t testing.TB, payloads []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cap\x1b]0;pwned\a\n\u202eevil.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	seq := uint32(1000)
	for i, s := range payloads {
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6),
			EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: net.IPv4(127, 0, 0, 1), DstIP: net.IPv4(127, 0, 0, 1)}
		tcp := &layers.TCP{SrcPort: 50001, DstPort: 3008, Seq: seq, Ack: 1, PSH: true, ACK: true, Window: 512}
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(s)); err != nil {
			t.Fatal(err)
		}
		seq += uint32(len(s))
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: t0Packets.Add(time.Duration(i) * time.Millisecond),
			CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

var t0Packets = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

func TestPacketsShowHostileTextLiterally(t *testing.T) {
	path := hostilePcap(t, visibletest.Corpus)
	out, errOut, err := packetsRun(t, "-X", "-r", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the summary names the file literally", func(t *testing.T) {
		literal(t, "stderr", errOut, "packets read from ", path)
	})
	t.Run("each packet is dumped in hex and printable ASCII, nothing else", func(t *testing.T) {
		if i, r, bad := visibletest.ControlByte([]byte(out)); bad {
			t.Fatalf("the output holds %q at byte %d", r, i)
		}
		dumps := packetsDumps(t, out)
		if len(dumps) != len(visibletest.Corpus) {
			t.Fatalf("%d packets dumped, want %d:\n%s", len(dumps), len(visibletest.Corpus), out)
		}
		for i, s := range visibletest.Corpus {
			d := dumps[i]
			// The dump is the IP packet's, and the Ethernet padding of
			// a short one, as in tcpdump: the payload ends the packet,
			// whose length the IP header gives.
			if n, err := strconv.ParseUint(d.hex[4:min(8, len(d.hex))], 16, 16); err == nil && int(n) <= len(d.ascii) {
				d.hex, d.ascii = d.hex[:2*n], d.ascii[:n]
			}
			if got := d.hex; !strings.HasSuffix(got, hex.EncodeToString([]byte(s))) {
				t.Errorf("packet %d: hex %s, want it to end in the bytes of %q", i+1, got, s)
			}
			want := []byte(s)
			for j, c := range want {
				if c <= 0x20 || c > 0x7e {
					want[j] = '.'
				}
			}
			if !strings.HasSuffix(d.ascii, string(want)) {
				t.Errorf("packet %d: ASCII %q, want it to end in %q", i+1, d.ascii, want)
			}
		}
	})
	t.Run("-A shows each payload as text, its control characters made visible", func(t *testing.T) {
		out, _, err := packetsRun(t, "-A", "-r", path)
		if err != nil {
			t.Fatal(err)
		}
		if i, r, bad := visibletest.ControlByte([]byte(out)); bad {
			t.Fatalf("the output holds %q at byte %d", r, i)
		}
		for i, s := range visibletest.Corpus {
			if !strings.Contains(out, visible.Lines(s)) {
				t.Errorf("packet %d: %q is not shown as %q", i+1, s, visible.Lines(s))
			}
		}
	})
	t.Run("a file that cannot be read is named literally", func(t *testing.T) {
		missing := path + "\x1b[2J.missing"
		_, _, err := packetsRun(t, "-r", missing)
		if err == nil {
			t.Fatal("reading a missing file succeeded")
		}
		var b bytes.Buffer
		if code := exitCode(err, &b); code != 1 {
			t.Errorf("exit status %d, want 1", code)
		}
		// The name holds a line break, which must not start a line.
		oneLine(t, b.String(), missing)
	})
}

// packetDump is what inspect packets -x printed for one payload.
type packetDump struct{ hex, ascii string }

// packetsDumps reads the hex rows under each packet line of out.
func packetsDumps(t testing.TB, out string) []packetDump {
	t.Helper()
	var dumps []packetDump
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "\t0x") {
			dumps = append(dumps, packetDump{})
			continue
		}
		// "\t0x0000: " and 8 groups of " hhhh", then two spaces and the
		// ASCII column.
		if len(l) < 52 || len(dumps) == 0 {
			t.Fatalf("odd hex row %q", l)
		}
		d := &dumps[len(dumps)-1]
		d.hex += strings.ReplaceAll(l[9:49], " ", "")
		d.ascii += l[51:]
	}
	return dumps
}

func TestTapShowsHostileTextLiterally(t *testing.T) {
	tapNoLeaks(t)
	dir := tapShortDir(t)
	real := filepath.Join(dir, "r\x1b]0;x\a\u202e")
	tapEchoServer(t, "unix", real)
	for _, text := range []bool{true, false} {
		name := "in hex, each client's name is shown literally, its data dumped"
		if text {
			name = "with -text, each client's name and data are shown literally"
		}
		t.Run(name, func(t *testing.T) { tapCorpus(t, dir, real, text) })
	}

	t.Run("an error names the unreachable server literally", func(t *testing.T) {
		tapNoLeaks(t)
		gone := filepath.Join(dir, "gone\x1b]52;c;aGk=\a")
		tapSock := filepath.Join(dir, "t2")
		out, stop := tapStart(t, "-listen", tapSock, "-to", gone)
		out.WaitFor(t, `(?m)^tap: Ctrl-C stops$`)
		c, err := net.Dial("unix", tapSock)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(tapWait))
		io.Copy(io.Discard, c)
		c.Close()
		out.WaitFor(t, `(?m)^\S+ #1 error`)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		literal(t, "the error line", out.String(), "", gone)
	})
}

// tapCorpus relays a connection per corpus entry to the echo server at
// real and checks what the tap prints: no control character, and each
// client's name, and its data with -text, shown literally.
func tapCorpus(t testing.TB, dir, real string, text bool) {
	t.Helper()
	tapNoLeaks(t)
	tapSock := filepath.Join(dir, "t\x1b[2J")
	args := []string{"-listen", tapSock, "-to", real}
	if text {
		args = append(args, "-text")
	}
	out, stop := tapStart(t, args...)
	out.WaitFor(t, `(?m)^tap: Ctrl-C stops$`)

	// Each client binds its socket to a name of the corpus, so that the
	// relay sees it as the client's address, and sends a line of it.
	var clients []string
	for i, s := range visibletest.Corpus {
		laddr := filepath.Join(dir, "c"+strconv.Itoa(i)+hostileName(s, 60))
		clients = append(clients, laddr)
		c, err := net.DialUnix("unix", &net.UnixAddr{Name: laddr, Net: "unix"},
			&net.UnixAddr{Name: tapSock, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(tapWait))
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		c.CloseWrite()
		if got, err := io.ReadAll(c); err != nil || string(got) != s {
			t.Fatalf("client %d got %q back (%v), want %q", i, got, err, s)
		}
		c.Close()
		os.Remove(laddr)
		out.WaitFor(t, `(?m)^\S+ #`+strconv.Itoa(i+1)+` close`)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	literal(t, "the relaying line", got, "tap: relaying unix:", tapSock)
	literal(t, "the relaying line", got, " -> unix:", real)
	for i, s := range visibletest.Corpus {
		literal(t, "an open line", got, " open client ", clients[i])
		if text && !strings.Contains(got, fmt.Sprintf(" c>s %d bytes %s\n", len(s), visible.Quote(s))) {
			t.Errorf("no data line quotes %q", s)
		}
	}
}

func TestSocketsShowHostileNamesLiterally(t *testing.T) {
	dir := tapShortDir(t)
	var paths []string
	for i, s := range visibletest.Corpus {
		p := filepath.Join(dir, strconv.Itoa(i)+hostileName(s, 70))
		ln, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		paths = append(paths, p)
	}
	// A process may give itself any command name (prctl PR_SET_NAME,
	// at most 15 bytes): this one names itself after a terminal escape
	// and listens on one more path.
	const comm = "\x1b]0;\u009b\u202eps"
	child := filepath.Join(dir, "child")
	socketsNamedChild(t, comm, child)
	paths = append(paths, child)

	args := []string{"sockets", "-port", "1"}
	for _, p := range paths {
		args = append(args, "-path", p)
	}
	t.Run("the table shows every path and the command name literally", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			literal(t, "the table", out.String(), "", p)
		}
		literal(t, "the table", out.String(), "/", comm)
	})
	t.Run("the JSON has no control character and keeps every name apart, as it is shown", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "-json"), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if i, r, bad := visibletest.ControlByte(out.Bytes()); bad {
			t.Fatalf("the JSON holds %q at byte %d:\n%s", r, i, out.String())
		}
		var list []sockets.Socket
		if err := json.Unmarshal(out.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		// Each name comes as visible.String shows it, which keeps
		// names apart even where their bytes are not UTF-8.
		got := map[string]string{}
		for _, s := range list {
			got[s.Path] = s.Process
		}
		for _, p := range paths {
			if _, ok := got[visible.String(p)]; !ok {
				t.Errorf("the JSON lacks %q as %s", p, visible.String(p))
			}
		}
		if want := visible.String(comm); got[visible.String(child)] != want {
			t.Errorf("the child's command is %q, want %q", got[visible.String(child)], want)
		}
	})
}

// socketsNamedChild starts python3 listening on a Unix socket at path
// under the command name comm, until the test ends.
func socketsNamedChild(t testing.TB, comm, path string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	const script = `import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[2])
s.listen()
print("ready", flush=True)
sys.stdin.read()`
	ctx, cancel := context.WithTimeout(context.Background(), tapWait)
	cmd := exec.CommandContext(ctx, "python3", "-c", script, comm, path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
		cancel()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("python3 said %q (%v)", line, err)
	}
}

// oneLine fails t unless msg, an error as exitCode printed it, is one
// line that shows name literally and holds no byte a terminal would act
// on.
func oneLine(t testing.TB, msg, name string) {
	t.Helper()
	if i, r, bad := visibletest.ControlByte([]byte(msg)); bad {
		t.Errorf("the error holds %q at byte %d: %q", r, i, msg)
	}
	if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
		t.Errorf("the error is not one line, so the name may start one of its own: %q", msg)
	}
	if !strings.Contains(msg, visible.String(name)) {
		t.Errorf("the error does not show %q as %s: %q", name, visible.String(name), msg)
	}
}

func TestErrorsAreShownLiterally(t *testing.T) {
	// An error message keeps its line breaks and tabs, which are the
	// layout of a usage error or a hint on a line of its own; a name is
	// made visible where it is put into the error, so that a line break
	// in a file name shows as \n and cannot start a line that looks like
	// the program's own.
	dir := t.TempDir()
	terminal := tuiEnv{isTerminal: func(io.Writer) bool { return true }}
	for i, s := range visibletest.Corpus {
		name := filepath.Join(dir, strconv.Itoa(i)+hostileName(s, 100))
		broken := name + ".pcap"
		if err := os.WriteFile(broken, []byte("not a capture"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what string
			name string
			run  func() error
		}{
			{"inspect packets -r of a missing file", name, func() error {
				_, _, err := packetsRun(t, "-r", name)
				return err
			}},
			{"inspect packets -r of a file that is not a capture", broken, func() error {
				_, _, err := packetsRun(t, "-r", broken)
				return err
			}},
			{"inspect packets -w onto a file that exists", broken, func() error {
				_, _, err := packetsRun(t, "-r", packetsRecording, "-w", broken)
				return err
			}},
			{"inspect packets -w into a folder that is a file", broken + "/copy.pcap", func() error {
				_, _, err := packetsRun(t, "-r", packetsRecording, "-w", broken+"/copy.pcap", "-force")
				return err
			}},
			{"the terminal UI on a file that is not a capture", broken, func() error {
				return runTUIWith(context.Background(), []string{"-r", broken}, io.Discard, io.Discard, terminal)
			}},
		} {
			err := c.run()
			if err == nil {
				t.Fatalf("%s %q did not fail", c.what, c.name)
			}
			var b bytes.Buffer
			if code := exitCode(err, &b); code != 1 {
				t.Errorf("%s %q: exit status %d, want 1", c.what, c.name, code)
			}
			oneLine(t, b.String(), c.name)
		}
	}
	t.Run("a name another package put into an error as it is sends no control character", func(t *testing.T) {
		for _, s := range visibletest.Corpus {
			var b bytes.Buffer
			exitCode(fmt.Errorf("listen unix %s: address already in use", s), &b)
			if i, r, bad := visibletest.ControlByte(b.Bytes()); bad {
				t.Errorf("the error holds %q at byte %d: %q", r, i, b.String())
			}
		}
	})
	t.Run("a usage error keeps its lines", func(t *testing.T) {
		var b bytes.Buffer
		if code := exitCode(usageError{errors.New("bad \x1b flag\n\nusage:\n\t-x\tdump")}, &b); code != 2 {
			t.Errorf("exit status %d, want 2", code)
		}
		if want := "inspect: bad \\x1b flag\n\nusage:\n\t-x\tdump\n"; b.String() != want {
			t.Errorf("got %q, want %q", b.String(), want)
		}
	})
}

func TestDemoLogShowsHostileTextLiterally(t *testing.T) {
	at := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	for _, s := range visibletest.Corpus {
		var b bytes.Buffer
		demoPrintLine(&b, demo.Line{Time: at, Kind: demo.Received, Client: "Ada", Door: "tcp", Text: s})
		literal(t, "a chat line", b.String(), "< ", s)
		b.Reset()
		demoPrintLine(&b, demo.Line{Time: at, Kind: demo.Room, Text: s})
		literal(t, "a room line", b.String(), " ", s)
		b.Reset()
		demoPrintTap(&b, tap.Event{Time: at, Conn: 1, Kind: tap.Open, Client: s, Server: "unix:" + s})
		literal(t, "a tap open line", b.String(), "client ", s)
		literal(t, "a tap open line", b.String(), "server unix:", s)
		b.Reset()
		demoPrintTap(&b, tap.Event{Time: at, Conn: 1, Kind: tap.Data, Dir: tap.ClientToServer,
			Len: len(s), Data: []byte(s)})
		if i, r, bad := visibletest.ControlByte(b.Bytes()); bad {
			t.Errorf("a tap data line holds %q at byte %d: %q", r, i, b.String())
		}
		b.Reset()
		demoPrintTap(&b, tap.Event{Time: at, Conn: 1, Kind: tap.Error, Err: errors.New(s)})
		literal(t, "a tap error line", b.String(), ": ", s)
	}
}

func TestTUIShowsAHostileRecordingLiterally(t *testing.T) {
	path := hostilePcap(t, visibletest.Corpus)
	r := startTUI(t, "-r", path, "-path", "/nonexistent/socketlab.sock")
	app := <-r.app
	// The status bar names the file, the Stream pane shows the end of
	// the conversation, every payload of the corpus one after another.
	r.waitFor(app, "file "+visible.String(path), "Packets (87)", `\\[red]tail`, "→ two", "→ lines")
	app.QueueUpdate(func() {
		if x, y, c, bad := visibletest.ControlCell(r.screen); bad {
			t.Errorf("cell %d,%d holds %q", x, y, c)
		}
	})
}
