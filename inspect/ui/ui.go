package ui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/socketlab/socketlab/inspect/visible"
)

// The smallest terminal the panes fit in. Below it the UI draws a
// message instead of the panes.
const (
	MinWidth  = 80
	MinHeight = 20
)

// bytesWidth is the Bytes pane's width when the terminal is wide enough:
// a row of 16 bytes and its border.
const bytesWidth = 70

// The panes, in Tab order.
const (
	paneSockets = iota
	panePackets
	paneBytes
	paneStream
	paneCount
)

// UI is the inspector's root primitive: the four panes, the status bar,
// the help overlay and the keys. Give it to Application.SetRoot; it keeps
// track of the focused pane itself and takes every key.
type UI struct {
	*tview.Box
	m       *Model
	sockets *socketsView
	packets *packetsView
	bytes   *bytesView
	stream  *streamView
	status  *statusView
	help    *helpView
	compare *compareView
	input   *tview.InputField
	bottom  *tview.Flex
	layout  *tview.Flex
	panes   [paneCount]paneView

	focus    int
	showHelp bool

	editSockets bool   // the input edits the Sockets filter, not the packets'
	draft       string // a packet filter refused, to fix on the next /

	// Quit is called on q and Ctrl-C; it should stop the application.
	Quit func()
	// Save is called on w. It saves every packet captured that is still
	// kept, listed or not, and says where; nil when there is no packet
	// source, and then w says why.
	Save func() (Saved, error)
}

// paneView is what the UI needs of each pane.
type paneView interface {
	tview.Primitive
	SetBorderColor(tcell.Color) *tview.Box
	SetTitleColor(tcell.Color) *tview.Box
}

// New returns a UI over a new Model made with opt.
func New(opt Options) *UI {
	m := NewModel(opt)
	th := m.opt.Theme
	u := &UI{Box: tview.NewBox(), m: m}
	u.sockets = newSocketsView(m)
	u.packets = newPacketsView(m)
	u.bytes = newBytesView(m)
	u.stream = newStreamView(m)
	u.input = tview.NewInputField().SetLabel(" filter: ").
		SetFieldBackgroundColor(th.StatusBack).SetFieldTextColor(th.StatusText).
		SetLabelColor(th.Text)
	u.status = newStatusView(m, u.input)
	u.help = newHelpView(th)
	u.compare = newCompareView(m)
	m.compare = opt.Compare
	u.panes = [paneCount]paneView{u.sockets, u.packets, u.bytes, u.stream}
	u.bottom = tview.NewFlex().
		AddItem(u.bytes, bytesWidth, 0, false).
		AddItem(u.stream, 0, 1, false)
	u.layout = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(u.sockets, 0, 3, false).
		AddItem(u.packets, 0, 4, false).
		AddItem(u.bottom, 0, 3, false).
		AddItem(u.status, 2, 0, false)
	u.setFocus(paneSockets)
	return u
}

// Model returns the UI's model.
func (u *UI) Model() *Model { return u.m }

// Apply adds a batch from a Batcher; call it inside QueueUpdateDraw.
func (u *UI) Apply(b *Batch) { u.m.Apply(b) }

func (u *UI) setFocus(i int) {
	th := u.m.opt.Theme
	u.focus = (i + paneCount) % paneCount
	for j, p := range u.panes {
		c := th.Border
		if j == u.focus {
			c = th.Focus
		}
		p.SetBorderColor(c)
		p.SetTitleColor(c)
	}
}

// Draw draws the panes, or a message when the terminal is too small.
func (u *UI) Draw(screen tcell.Screen) {
	x, y, w, h := u.GetRect()
	if w < MinWidth || h < MinHeight {
		u.drawTooSmall(screen, x, y, w, h)
		return
	}
	if w >= 2*bytesWidth {
		u.bottom.ResizeItem(u.bytes, bytesWidth, 0)
	} else {
		u.bottom.ResizeItem(u.bytes, 0, 1)
	}
	if u.m.compare {
		u.compare.SetRect(x, y, w, h-2)
		u.compare.Draw(screen)
		u.status.SetRect(x, y+h-2, w, 2)
		u.status.Draw(screen)
	} else {
		u.layout.SetRect(x, y, w, h)
		u.layout.Draw(screen)
	}
	if u.showHelp {
		u.help.place(x, y, w, h-2)
		u.help.Draw(screen)
	}
}

func (u *UI) drawTooSmall(screen tcell.Screen, x, y, w, h int) {
	for j := y; j < y+h; j++ {
		for i := x; i < x+w; i++ {
			screen.SetContent(i, j, ' ', nil, tcell.StyleDefault)
		}
	}
	msg := fmt.Sprintf("This terminal is %d×%d; the inspector needs at least "+
		"%d×%d. Make the window bigger, or press q to quit.", w, h, MinWidth, MinHeight)
	lines := tview.WordWrap(visible.Tview(msg), max(w-2, 1))
	top := y + max(0, (h-len(lines))/2)
	for i, l := range lines {
		if top+i >= y+h {
			break
		}
		tview.Print(screen, l, x+1, top+i, max(w-2, 1),
			tview.AlignCenter, u.m.opt.Theme.Warning)
	}
}
