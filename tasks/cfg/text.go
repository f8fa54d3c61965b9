package cfg

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"jrx/tasks"
)

// maxParseRunes bounds a typed problem (a sentence has at most
// MaxSentenceLen symbols).
const maxParseRunes = 1 << 16

// token is one lexeme of a typed problem.
type token struct {
	id    int    // vocabulary id
	off   int    // rune offset
	piece string // as written
}

// textErr is a *tasks.ParseError in grammar text.
func textErr(off int, piece, format string, a ...any) *tasks.ParseError {
	return &tasks.ParseError{Offset: off, Piece: piece, Msg: fmt.Sprintf(format, a...), What: "grammar text"}
}

func lexText(s string) ([]token, int, error) {
	var out []token
	off := 0
	for b := 0; b < len(s); {
		r, w := utf8.DecodeRuneInString(s[b:])
		switch {
		case r == utf8.RuneError && w == 1:
			return nil, 0, textErr(off, s[b:b+1], "not UTF-8 text")
		case unicode.IsSpace(r):
		case r == '[':
			end := strings.IndexByte(s[b:], ']')
			if end < 0 || end > 16 || strings.ContainsAny(s[b+1:b+max(end, 0)], "[ \t\r\n") {
				return nil, 0, textErr(off, clip(s[b:]), "unclosed '[': write a token as [ANS] or [EOS]")
			}
			piece := s[b : b+end+1]
			var v *Vocab
			id, ok := v.Lookup(piece)
			switch {
			case !ok:
				return nil, 0, textErr(off, piece, "unknown token; a problem holds a, b, c, [ANS] and [EOS]")
			case id != IDAns && id != IDEOS:
				return nil, 0, textErr(off, piece, "%s cannot appear in a problem; a problem holds a, b, c, [ANS] and [EOS]", v.Sym(id))
			}
			out = append(out, token{id: id, off: off, piece: piece})
			off += utf8.RuneCountInString(piece)
			b += len(piece)
			continue
		case r < utf8.RuneSelf && (r|0x20) >= 'a' && (r|0x20) < 'a'+NumTerminals:
			out = append(out, token{id: int(r|0x20) - 'a', off: off, piece: string(r)})
		default:
			return nil, 0, textErr(off, string(r), "not a terminal: the grammar's symbols are a, b and c")
		}
		off++
		b += w
	}
	return out, off, nil
}

// clip shortens a piece for an error message.
func clip(s string) string {
	const max = 20
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

// Parse reads a typed problem: the prefix's terminals, optionally followed
// by [ANS] and an answer (terminals, optionally ending in [EOS]), e.g.
//
//	bccbabcbbbb
//	bccb abcb bbb [ANS] bccb
//	BCCBABCB[ans]bbbbccb
//
// Whitespace may stand anywhere between tokens; terminals and bracket names
// are case-insensitive. The prefix must be non-empty and begin some
// sentence of the grammar; a typed answer must continue it grammatically
// (CheckAnswer's rules) and have at most AnswerLen tokens. The problem's
// reference answer is the typed answer completed by Grammar.Continue to
// AnswerLen tokens (or to [EOS]); with no typed answer, Continue's alone.
// Text() of a problem parses back to the same problem.
//
// Every error is a *tasks.ParseError whose offset points at the character
// where the text goes wrong — for a prefix no sentence begins with, at the
// first symbol that breaks it.
func (t *Task) Parse(text string) (tasks.Problem, error) {
	p, err := t.ParseProblem(text)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ParseProblem is Parse with the concrete type.
func (t *Task) ParseProblem(text string) (*Problem, error) {
	if n := utf8.RuneCountInString(text); n > maxParseRunes {
		return nil, textErr(maxParseRunes, "", "the text has %d characters; a problem has at most %d", n, maxParseRunes)
	}
	toks, end, err := lexText(text)
	if err != nil {
		return nil, err
	}
	at := func(i int) (int, string) {
		if i < len(toks) {
			return toks[i].off, toks[i].piece
		}
		return end, ""
	}
	var v *Vocab
	i := 0
	var prefix []int
	for i < len(toks) && IsTerminal(toks[i].id) {
		prefix = append(prefix, toks[i].id)
		i++
	}
	if len(prefix) == 0 {
		off, piece := at(0)
		return nil, textErr(off, piece, "want the prefix's symbols (a, b, c) first, e.g. %q", "abca[ANS]")
	}
	g := t.g
	if ver := g.Check(prefix); !ver.ValidPrefix() {
		bad := ver.FirstBad()
		off, piece := at(bad)
		if bad == g.MaxLen() {
			return nil, textErr(off, piece, "the prefix is longer than any sentence (%d symbols at most)", g.MaxLen())
		}
		return nil, textErr(off, piece, "no sentence begins like this: symbol %d (%s) breaks the grammar after a valid prefix of %d symbols", bad, v.Sym(prefix[bad]), bad)
	}
	if i < len(toks) && toks[i].id == IDEOS {
		off, piece := at(i)
		return nil, textErr(off, piece, "[EOS] before [ANS]: write the prefix, [ANS], then the answer")
	}
	var ans []int
	ansStart := i + 1
	if i < len(toks) { // toks[i] is [ANS]
		for i++; i < len(toks) && toks[i].id != IDAns; i++ {
			ans = append(ans, toks[i].id)
		}
		if i < len(toks) {
			off, piece := at(i)
			return nil, textErr(off, piece, "a second [ANS]")
		}
	}
	p := &Problem{t: t, prefix: prefix}
	if len(ans) > 0 {
		if err := p.CheckAnswer(ans); err != nil {
			if ae, ok := err.(*AnswerError); ok && ae.Step < len(ans) {
				off, piece := at(ansStart + ae.Step)
				return nil, textErr(off, piece, "answer step %d: %s", ae.Step, ae.Msg)
			}
		}
		if !t.toEnd && len(ans) > t.k {
			off, piece := at(ansStart + t.k)
			return nil, textErr(off, piece, "the answer has %d tokens; this task's answers have %d", len(ans), t.k)
		}
	}
	if len(ans) == 0 || ans[len(ans)-1] != IDEOS {
		need := t.k - len(ans)
		if t.toEnd {
			need = 0
		}
		if t.toEnd || need > 0 {
			ans = append(ans, g.Continue(append(slices.Clone(prefix), ans...), need)...)
		}
	}
	p.answer = ans
	return p, nil
}
