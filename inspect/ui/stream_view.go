package ui

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/capture"
	"github.com/socketlab/socketlab/inspect/tap"
)

// streamView is the Stream pane: the conversation of the narrowed
// connection, or of the selected packet's, as text coloured by direction
// and marked "→ " (client to server) or "← " (server to client) at the
// start of each line.
// It follows the end of the conversation while scrolled to the bottom.
type streamView struct {
	*tview.TextView
	m    *Model
	key  connKey
	seq  uint64 // the stream's change counter last shown
	none bool   // showing the "nothing" text
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
			v.SetTitle(" Stream ")
			msg := "select a packet or press Enter on a socket to follow its conversation"
			if k != (connKey{}) {
				c, sv := v.m.clientServer(k)
				v.SetTitle(" Stream of " + addrString(c) + " ⇄ " + addrString(sv) + " ")
				msg = "no data on this connection yet"
				if k.tap != "" {
					v.SetTitle(fmt.Sprintf(" Stream of tap connection #%d ", k.conn))
					msg = "no data on this tap connection yet\n" + tap.Banner
				}
			}
			v.SetText(tview.Escape(msg))
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
	v.TextView.Draw(screen)
}

func (v *streamView) text(k connKey, s *streamBuf) string {
	th := v.m.opt.Theme
	var sb strings.Builder
	if s.tap != "" {
		v.SetTitle(fmt.Sprintf(" Stream via tap: [%s]client %s[-] ⇄ [%s]server %s[-] ",
			th.Client.String(), tview.Escape(s.tapClient), th.Server.String(), tview.Escape(s.tapServer)))
		fmt.Fprintf(&sb, "[%s]%s[-]\n", th.Tap.String(), tview.Escape(tap.Banner))
	} else {
		client, server := s.client, s.server
		if !client.IsValid() {
			client, server = v.m.clientServer(k)
		}
		v.SetTitle(fmt.Sprintf(" Stream: [%s]client %s[-] ⇄ [%s]server %s[-] ",
			th.Client.String(), addrString(client), th.Server.String(), addrString(server)))
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
		for _, line := range strings.SplitAfter(showText(c.data), "\n") {
			if line != "" {
				sb.WriteString(mark)
				sb.WriteString(tview.Escape(line))
			}
		}
		if !bytes.HasSuffix(c.data, []byte("\n")) {
			sb.WriteByte('\n')
		}
		sb.WriteString("[-]")
	}
	return sb.String()
}

// showText turns bytes into text a terminal can show: valid printable
// UTF-8, newlines and tabs stay; everything else becomes ".".
func showText(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == '\n' || r == '\t':
			sb.WriteRune(r)
		case r == utf8.RuneError && n <= 1, !unicode.IsPrint(r):
			sb.WriteByte('.')
		default:
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return sb.String()
}
