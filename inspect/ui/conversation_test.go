package ui

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/stream"
)

// fakeConversations is a ConversationSource holding hand-built snapshots.
type fakeConversations struct {
	convs []stream.Conversation
	calls int
}

func (f *fakeConversations) Conversation(a, b netip.AddrPort) (stream.Conversation, bool) {
	f.calls++
	for _, c := range f.convs {
		if c.Client == a && c.Server == b || c.Client == b && c.Server == a {
			return c, true
		}
	}
	return stream.Conversation{}, false
}

func TestStreamPaneDrawsFromAConversationSource(t *testing.T) {
	src := &fakeConversations{convs: []stream.Conversation{{
		Key: stream.Key{Client: client, Server: server},
		Chunks: []stream.Chunk{
			{Dir: capture.ServerToClient, Data: []byte("Welcome to the chat, you are User 1!\n")},
			{Dir: capture.ClientToServer, Data: []byte("first line\nsecond [line]\n")},
			{Dir: capture.ServerToClient, Data: []byte("no newline at the end")},
		},
		Bytes:   [2]int64{26, 58},
		Dropped: 0,
		Missing: 1448,
	}}}
	u := New(Options{Conversations: src, ServerPorts: []int{3008}})
	u.m.AddPackets(conversation())
	draw(t, u, 160, 45) // selects the newest packet
	golden(t, "stream-source", screenText(draw(t, u.stream, 80, 9)))

	t.Run("it is not rebuilt while unchanged", func(t *testing.T) {
		before := u.m.ext
		draw(t, u.stream, 80, 9)
		if u.m.ext != before {
			t.Error("an unchanged conversation was rebuilt")
		}
		src.convs[0].Chunks = append(src.convs[0].Chunks,
			stream.Chunk{Dir: capture.ClientToServer, Data: []byte("bye\n")})
		src.convs[0].Bytes[0] += 4
		got := screenText(draw(t, u.stream, 80, 12))
		if !strings.Contains(got, "→ bye") {
			t.Errorf("new bytes not shown:\n%s", got)
		}
	})

	t.Run("a connection it does not know shows a hint", func(t *testing.T) {
		u.m.setNarrowing(narrowing{on: true, conn: true,
			key: keyOf(netipMust("127.0.0.1:50009"), server)})
		got := screenText(draw(t, u.stream, 80, 9))
		if !strings.Contains(got, "no data on this connection yet") {
			t.Errorf("no hint:\n%s", got)
		}
	})
}
