package views

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// asciiOf maps the explorer's glyphs to ASCII characters of the same width
// (one cell), so that a screen folded to ASCII keeps its layout: boxes and
// tree edges become + - |, marks and arrows their nearest ASCII sign,
// blocks and sparklines a ramp of denser characters.
var asciiOf = map[rune]string{
	'─': "-", '│': "|", '╭': "+", '╮': "+", '╰': "+", '╯': "+", '┌': "+", '┐': "+", '└': "+", '┘': "+",
	'┴': "+", '┬': "+", '├': "+", '┤': "+", '┼': "+", '═': "=", '║': "|",
	'·': ".", '•': "*", '…': "~", '—': "-", '–': "-", '−': "-", '×': "x", '°': "d",
	'→': ">", '←': "<", '↑': "^", '↓': "v", '▸': ">", '▶': ">", '↺': "~", '⟳': "@",
	'✓': "+", '✗': "x", '◆': "#", '⚠': "!",
	'σ': "s", 'α': "a", 'β': "b", 'Δ': "D", 'Σ': "S", 'Ē': "E", '‖': "|", '≤': "<", '≥': ">", '∈': "E",
	'█': "#", '░': ".", '▏': "|", '▎': "|", '▍': "|", '▌': "|", '▋': "|", '▊': "|", '▉': "|",
	'▁': "_", '▂': "_", '▃': ".", '▄': "-", '▅': "=", '▆': "=", '▇': "#",
}

// asciiFold rewrites s with ASCII characters only, keeping its escape
// sequences (which are ASCII) and its width: a glyph of asciiOf becomes its
// ASCII sign, any other character one "?" per cell it takes.
func asciiFold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case asciiOf[r] != "":
			b.WriteString(asciiOf[r])
		default:
			b.WriteString(strings.Repeat("?", ansi.StringWidth(string(r))))
		}
	}
	return b.String()
}
