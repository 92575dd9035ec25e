package ui

import (
	"bufio"
	"fmt"
	"html"
	"io"

	"github.com/gdamore/tcell/v2"

	"github.com/socketlab/socketlab/inspect/visible"
)

// The cell size and font of SVG screenshots, in pixels.
const (
	svgCellW    = 9
	svgCellH    = 19
	svgFontSize = 15
)

// The colours of a dark terminal, for cells that use the default colours.
var (
	svgDefaultFG = tcell.NewRGBColor(0xd0, 0xd0, 0xd0)
	svgDefaultBG = tcell.NewRGBColor(0x10, 0x10, 0x10)
)

// WriteSVG draws the cells of s, with their colours, as an SVG image:
// one rectangle per run of cells with the same background and one text
// element per run with the same style, each stretched to its cells'
// width so that any monospace font lines up. Cells in default colours
// are drawn as on a dark terminal. A cell holding a control character
// shows its escape (visible.String), so the image is well-formed XML
// and shows what the cell holds. The output depends only on the cells,
// so it can be kept in a repository and compared. Call it after
// s.Show().
func WriteSVG(w io.Writer, s tcell.SimulationScreen) error {
	cells, cols, rows := s.GetContents()
	bw := bufio.NewWriter(w)
	width, height := cols*svgCellW, rows*svgCellH
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n",
		width, height, width, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="%s"/>`+"\n", width, height, svgHex(svgDefaultBG))
	fmt.Fprintf(bw, `<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%d">`+"\n", svgFontSize)
	for y := 0; y < rows; y++ {
		line := cells[y*cols : (y+1)*cols]
		// Backgrounds, one rectangle per run of the same colour.
		for x := 0; x < cols; {
			_, bg := svgColors(line[x].Style)
			end := x + 1
			for end < cols {
				if _, b := svgColors(line[end].Style); b != bg {
					break
				}
				end++
			}
			if bg != svgDefaultBG {
				fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n",
					x*svgCellW, y*svgCellH, (end-x)*svgCellW, svgCellH, svgHex(bg))
			}
			x = end
		}
		// Text, one element per run of the same style, blanks skipped.
		for x := 0; x < cols; {
			if svgBlank(line[x]) {
				x++
				continue
			}
			st := line[x].Style
			end := x + 1
			for end < cols && line[end].Style == st && !svgBlank(line[end]) {
				end++
			}
			fg, _ := svgColors(st)
			attrs := ""
			if _, _, attr := st.Decompose(); attr&tcell.AttrBold != 0 {
				attrs = ` font-weight="bold"`
			}
			var text []rune
			for _, c := range line[x:end] {
				text = append(text, c.Runes...)
			}
			fmt.Fprintf(bw, `<text x="%d" y="%d" fill="%s" textLength="%d" lengthAdjust="spacingAndGlyphs" xml:space="preserve"%s>%s</text>`+"\n",
				x*svgCellW, y*svgCellH+svgCellH-5, svgHex(fg), (end-x)*svgCellW, attrs,
				html.EscapeString(visible.String(string(text))))
			x = end
		}
	}
	bw.WriteString("</g>\n</svg>\n")
	return bw.Flush()
}

// svgBlank reports whether a cell shows no character.
func svgBlank(c tcell.SimCell) bool {
	return len(c.Runes) == 0 || len(c.Runes) == 1 && c.Runes[0] == ' '
}

// svgColors returns the foreground and background a cell is drawn in,
// with default colours resolved and reverse video applied.
func svgColors(st tcell.Style) (fg, bg tcell.Color) {
	fg, bg, attr := st.Decompose()
	if fg == tcell.ColorDefault || fg == tcell.ColorReset {
		fg = svgDefaultFG
	}
	if bg == tcell.ColorDefault || bg == tcell.ColorReset {
		bg = svgDefaultBG
	}
	if attr&tcell.AttrReverse != 0 {
		fg, bg = bg, fg
	}
	return fg.TrueColor(), bg.TrueColor()
}

func svgHex(c tcell.Color) string {
	r, g, b := c.RGB()
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}
