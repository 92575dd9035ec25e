package ui

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
	"github.com/socketlab/socketlab/inspect/visible"
)

// streamView is the Stream pane: the conversation of the narrowed
// connection, or of the selected packet's, as text coloured by direction
// and marked "→ " (client to server) or "← " (server to client) at the
// start of each line. Each line of the conversation is shown literally
// (visible.Tview): a newline in the data ends a line, any other control
// byte shows as its escape.
// It follows the end of the conversation while scrolled to the bottom.
type streamView struct {
	*tview.TextView
	m     *Model
	key   connKey
	seq   uint64   // the stream's change counter last shown
	none  bool     // showing the "nothing" text
	title []string // the title, longest first (see titles)
}

func newStreamView(m *Model) *streamView {
	v := &streamView{TextView: tview.NewTextView(), m: m}
	v.SetDynamicColors(true).SetWrap(true).SetTextColor(m.opt.Theme.Text)
	v.SetBorder(true).SetTitle(" Stream ")
	return v
}

// Draw refreshes the text when the conversation changed, then draws.
func (v *streamView) Draw(screen tcell.Screen) {
	k, s := v.m.currentStream()
	switch {
	case s == nil:
		if !v.none || k != v.key {
			v.key, v.none, v.seq = k, true, 0
			v.title = []string{" Stream "}
			msg := "select a packet or press Enter on a socket to follow its conversation"
			if k != (connKey{}) {
				c, sv := v.m.clientServer(k)
				v.title = titles("Stream of", addrString(c), addrString(sv), "", "")
				msg = "no data on this connection yet"
				if k.tap != "" {
					v.title = []string{fmt.Sprintf(" Stream of tap connection #%d ", k.conn), " Stream "}
					msg = "no data on this tap connection yet\n" + tap.Banner
				}
			}
			v.SetText(visible.TviewLines(msg))
		}
	case k != v.key || s.seq != v.seq || v.none:
		v.key, v.seq, v.none = k, s.seq, false
		row, _ := v.GetScrollOffset()
		_, _, _, h := v.GetInnerRect()
		atEnd := row+h >= v.GetWrappedLineCount()
		v.SetText(v.text(k, s))
		if atEnd {
			v.ScrollToEnd()
		}
	}
	_, _, w, _ := v.GetInnerRect()
	v.SetTitle(fitTagged(v.title, w))
	v.TextView.Draw(screen)
	sealRight(screen, v)
}

// titles returns the forms of a conversation's title, longest first:
// label, then each end with its role, then without, then ports or base
// names only, then the label alone. c and s are the client's and the
// server's addresses, shown literally; cc and sc their colours, or ""
// for plain text.
func titles(label, c, s, cc, sc string) []string {
	paint := func(color, text string) string {
		if color == "" {
			return visible.Tview(text)
		}
		return "[" + color + "]" + visible.Tview(text) + "[-]"
	}
	// A path by its last element, an address by its port.
	short := func(a string) string {
		if i := strings.LastIndex(a, "/"); i >= 0 && i < len(a)-1 {
			return "…/" + a[i+1:]
		}
		if i := strings.LastIndex(a, ":"); i >= 0 && i < len(a)-1 {
			return a[i:]
		}
		return a
	}
	return []string{
		" " + label + ": " + paint(cc, "client "+c) + " ⇄ " + paint(sc, "server "+s) + " ",
		" " + label + ": " + paint(cc, c) + " ⇄ " + paint(sc, s) + " ",
		" " + label + ": " + paint(cc, short(c)) + " ⇄ " + paint(sc, short(s)) + " ",
		" " + label + " ",
	}
}

func (v *streamView) text(k connKey, s *streamBuf) string {
	th := v.m.opt.Theme
	var sb strings.Builder
	if s.tap != "" {
		v.title = titles("Stream via tap", s.tapClient, s.tapServer, th.Client.String(), th.Server.String())
		fmt.Fprintf(&sb, "[%s]%s[-]\n", th.Tap.String(), visible.Tview(tap.Banner))
	} else {
		client, server := s.client, s.server
		if !client.IsValid() {
			client, server = v.m.clientServer(k)
		}
		v.title = titles("Stream", addrString(client), addrString(server),
			th.Client.String(), th.Server.String())
	}
	if s.dropped > 0 {
		fmt.Fprintf(&sb, "[%s]… %s dropped from the start[-]\n", th.Dim.String(),
			plural(s.dropped, "byte"))
	}
	if s.missing > 0 {
		fmt.Fprintf(&sb, "[%s]… %s lost by the capture, not shown[-]\n", th.Dim.String(),
			plural(s.missing, "byte"))
	}
	for _, c := range s.chunks {
		if c.gap > 0 {
			fmt.Fprintf(&sb, "[%s]… %s not captured …[-]\n", th.Dim.String(), plural(c.gap, "byte"))
			continue
		}
		color, mark := th.Client, "→ "
		if c.dir == capture.ServerToClient {
			color, mark = th.Server, "← "
		}
		fmt.Fprintf(&sb, "[%s]", color.String())
		for _, line := range dataLines(c.data) {
			sb.WriteString(mark)
			sb.WriteString(visible.Tview(line))
			sb.WriteByte('\n')
		}
		sb.WriteString("[-]")
	}
	return sb.String()
}

// dataLines splits the bytes of a conversation into lines at each
// newline, which is dropped; a last line without one is kept.
func dataLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(bytes.TrimSuffix(b, []byte("\n"))), "\n")
}
