package ui

import "github.com/gdamore/tcell/v2"

// Theme holds every colour the inspector draws with, so that a second
// theme (for example a high-contrast one for projectors) is one value.
type Theme struct {
	Text       tcell.Color // ordinary text
	Dim        tcell.Color // headers' secondary text, hints
	Header     tcell.Color // table header rows
	Border     tcell.Color // pane borders
	Focus      tcell.Color // the border and title of the focused pane
	Selected   tcell.Style // the selected row
	Client     tcell.Color // client→server packets and stream text
	Server     tcell.Color // server→client packets and stream text
	Handshake  tcell.Color // notes on SYN, SYN-ACK and the third ACK
	Teardown   tcell.Color // notes on FIN and the last ACK
	Reset      tcell.Color // notes on RST and malformed packets
	Listen     tcell.Color // LISTEN sockets
	Open       tcell.Color // ESTABLISHED and connected sockets
	Closing    tcell.Color // TIME_WAIT, CLOSE_WAIT, FIN_WAIT…
	StatusText tcell.Color // the status bar
	StatusBack tcell.Color // the status bar's background
	Warning    tcell.Color // capture off, drops, errors
	OK         tcell.Color // capture running
	Tap        tcell.Color // tap rows' kind column and the tap banner
}

// DefaultTheme returns the theme for an ordinary dark terminal.
func DefaultTheme() Theme {
	return Theme{
		Text:       tcell.ColorWhite,
		Dim:        tcell.ColorGray,
		Header:     tcell.ColorYellow,
		Border:     tcell.ColorGray,
		Focus:      tcell.ColorAqua,
		Selected:   tcell.StyleDefault.Background(tcell.ColorNavy).Foreground(tcell.ColorWhite),
		Client:     tcell.ColorLime,
		Server:     tcell.ColorFuchsia,
		Handshake:  tcell.ColorAqua,
		Teardown:   tcell.ColorOrange,
		Reset:      tcell.ColorRed,
		Listen:     tcell.ColorAqua,
		Open:       tcell.ColorLime,
		Closing:    tcell.ColorOrange,
		StatusText: tcell.ColorBlack,
		StatusBack: tcell.ColorSilver,
		Warning:    tcell.ColorMaroon,
		OK:         tcell.ColorGreen,
		Tap:        tcell.ColorYellow,
	}
}

// HighContrastTheme returns a theme for projectors and washed-out
// screens: black background, white text, and few, saturated colours far
// apart in brightness. Directions differ in hue and in brightness
// (yellow against light blue), so they stay apart in greyscale too; the
// selected row is inverted; nothing is drawn in grey.
func HighContrastTheme() Theme {
	return Theme{
		Text:       tcell.ColorWhite,
		Dim:        tcell.ColorWhite,
		Header:     tcell.ColorYellow,
		Border:     tcell.ColorWhite,
		Focus:      tcell.ColorYellow,
		Selected:   tcell.StyleDefault.Background(tcell.ColorWhite).Foreground(tcell.ColorBlack).Bold(true),
		Client:     tcell.ColorYellow,
		Server:     tcell.ColorFuchsia,
		Handshake:  tcell.ColorLime,
		Teardown:   tcell.ColorOrange,
		Reset:      tcell.ColorRed,
		Listen:     tcell.ColorAqua,
		Open:       tcell.ColorLime,
		Closing:    tcell.ColorFuchsia,
		StatusText: tcell.ColorBlack,
		StatusBack: tcell.ColorWhite,
		Warning:    tcell.ColorRed,
		OK:         tcell.ColorLime,
		Tap:        tcell.ColorAqua,
	}
}
