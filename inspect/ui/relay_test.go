package ui

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/labs/09-many-clients/chat"
)

// The names the tap fixtures use in place of the run's temporary paths,
// so that pictures are the same on every run.
const (
	fixtureChat = "/tmp/sl/chat.sock"
	fixtureTap  = "/tmp/sl/tap.sock"
	fixtureName = fixtureTap + " → " + fixtureChat
)

// relayChat runs the lab 09 chat room on a Unix socket with a real tap
// relay in front of it, and the conversation of the lab 06 recording in
// testdata, over IPC: Ada joins through the tap, Bob joins the room
// directly, Ada says "hi there", Bob leaves, Ada leaves. It returns what
// the relay reported. Each step waits for its effect, so the chunks come
// out the same on every run; only the times and the paths differ, and
// fixed ones replace them: the first event at start, one every step.
func relayChat(t testing.TB, start time.Time, step time.Duration) []TapEvent {
	t.Helper()
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chatPath, tapPath := filepath.Join(dir, "chat.sock"), filepath.Join(dir, "tap.sock")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	room := chat.NewRoom(chat.Config{})
	ln, err := chat.ListenUnix(chatPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- room.Serve(ctx, ln, "unix") }()
	defer func() {
		room.Close()
		<-served
	}()

	r, err := tap.Listen(tap.Config{Listen: tapPath, To: chatPath})
	if err != nil {
		t.Fatal(err)
	}
	relayed := make(chan error, 1)
	go func() { relayed <- r.Serve(ctx) }()
	defer func() {
		r.Close()
		<-relayed
	}()

	dial := func(path string) (*net.UnixConn, *bufio.Reader) {
		t.Helper()
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		return c.(*net.UnixConn), bufio.NewReader(c)
	}
	expect := func(br *bufio.Reader, want string) {
		t.Helper()
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("read %q, %v; want %q", line, err, want)
		}
	}
	ada, adaR := dial(tapPath)
	defer ada.Close()
	expect(adaR, "Welcome to the chat, you are User 1!\n")
	bob, bobR := dial(chatPath)
	defer bob.Close()
	expect(bobR, "Welcome to the chat, you are User 2!\n")
	expect(adaR, "User 2 joined! (unix)\n")
	if _, err := ada.Write([]byte("hi there\n")); err != nil {
		t.Fatal(err)
	}
	expect(bobR, "User 1: hi there\n")
	bob.Close()
	expect(adaR, "User 2 left!\n")
	ada.CloseWrite()
	if _, err := adaR.ReadString('\n'); err == nil {
		t.Fatal("the room sent more after Ada left")
	}

	var evs []TapEvent
	for ev := range r.Events() {
		ev.Time = start.Add(time.Duration(len(evs)) * step)
		ev.Client = strings.ReplaceAll(ev.Client, dir, "/tmp/sl")
		ev.Server = strings.ReplaceAll(ev.Server, dir, "/tmp/sl")
		evs = append(evs, TapEvent{Tap: fixtureName, Event: ev})
		if ev.Kind == tap.Close || ev.Kind == tap.Reset || ev.Kind == tap.Error {
			break
		}
	}
	return evs
}
