package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with every character that can act on a terminal shown
// as a visible escape; newlines and tabs are kept.
func String(s string) string { return clean(s, true) }

// Line is String for one-line fields: newlines, tabs and carriage returns
// are escaped too.
func Line(s string) string { return clean(s, false) }

// unsafe reports whether r must not reach a terminal as is. '\n' and '\t'
// are decided by the caller.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f: // C0 controls (ESC, BEL, CR, backspace, …) and DEL
		return true
	case r >= 0x80 && r < 0xa0: // C1 controls (CSI U+009B, OSC U+009D, …)
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

func clean(s string, multiline bool) string {
	keep := func(r rune) bool { return multiline && (r == '\n' || r == '\t') }
	// Fast path: most text is clean.
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (unsafe(r) && !keep(r)) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keep(r):
			b.WriteRune(r)
		case r < 0x80 && unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// JSON makes JSON text safe for a terminal without changing what it means:
// a character that String would escape becomes a \uXXXX escape (inside a
// string, the only place valid JSON can hold one), an invalid UTF-8 byte
// becomes \ufffd (what a JSON decoder reads it as), and the whitespace
// '\n', '\r', '\t' between tokens is kept. Valid JSON stays valid.
func JSON(b []byte) []byte {
	safe := true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && n == 1) || (unsafe(r) && r != '\n' && r != '\r' && r != '\t') {
			safe = false
			break
		}
		i += n
	}
	if safe {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, `\ufffd`...)
		case r == '\n' || r == '\r' || r == '\t' || !unsafe(r):
			out = append(out, b[i:i+n]...)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
	}
	return out
}
