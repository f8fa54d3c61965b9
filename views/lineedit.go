package views

import (
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// lineEdit is a one-line text editor for the problem and file inputs:
// typing and pasting insert, arrows, home/end (ctrl+a/e), backspace,
// delete, ctrl+u/ctrl+k cut before/after the cursor, ctrl+w a word (the
// bindings of EditKeys). It is a value: every change makes a new slice, so
// a copy held elsewhere never changes.
type lineEdit struct {
	value []rune
	pos   int
	limit int
	// dropped counts the characters refused because of limit, so that
	// the dialog can say the text was cut.
	dropped int
}

func newLineEdit(s string, limit int) lineEdit {
	e := lineEdit{limit: limit}
	e.value = []rune(s)
	if limit > 0 && len(e.value) > limit {
		e.dropped = len(e.value) - limit
		e.value = e.value[:limit]
	}
	e.pos = len(e.value)
	return e
}

func (e lineEdit) String() string { return string(e.value) }

// splice replaces value[i:j] with rs in a new slice.
func (e *lineEdit) splice(i, j int, rs []rune) {
	e.value = slices.Concat(e.value[:i], rs, e.value[j:])
}

func (e *lineEdit) insert(s string) {
	var rs []rune
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			rs = append(rs, ' ')
		case unicode.IsPrint(r):
			rs = append(rs, r)
		}
	}
	if e.limit > 0 {
		keep := max(0, min(len(rs), e.limit-len(e.value)))
		e.dropped += len(rs) - keep
		rs = rs[:keep]
	}
	e.splice(e.pos, e.pos, rs)
	e.pos += len(rs)
}

// key applies a key press; it reports whether the key was an editing key.
func (e *lineEdit) key(k tea.KeyPressMsg, km EditKeys) bool {
	switch {
	case key.Matches(k, km.Left):
		e.pos = max(0, e.pos-1)
	case key.Matches(k, km.Right):
		e.pos = min(len(e.value), e.pos+1)
	case key.Matches(k, km.Home):
		e.pos = 0
	case key.Matches(k, km.End):
		e.pos = len(e.value)
	case key.Matches(k, km.Backspace):
		if e.pos > 0 {
			e.splice(e.pos-1, e.pos, nil)
			e.pos--
		}
	case key.Matches(k, km.Delete):
		if e.pos < len(e.value) {
			e.splice(e.pos, e.pos+1, nil)
		}
	case key.Matches(k, km.CutBefore):
		e.splice(0, e.pos, nil)
		e.pos = 0
		e.dropped = 0
	case key.Matches(k, km.CutAfter):
		e.splice(e.pos, len(e.value), nil)
	case key.Matches(k, km.CutWordBack):
		i := e.pos
		for i > 0 && e.value[i-1] == ' ' {
			i--
		}
		for i > 0 && e.value[i-1] != ' ' && e.value[i-1] != ',' {
			i--
		}
		e.splice(i, e.pos, nil)
		e.pos = i
	default:
		if k.Text == "" || k.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
			return false
		}
		e.insert(k.Text)
	}
	return true
}

// view draws "> text" in w cells with the cursor as a reversed cell,
// scrolled so that the cursor shows.
func (e lineEdit) view(w int, cursor lipgloss.Style) string {
	const prompt = "> "
	w = max(4, w-len(prompt))
	from := 0
	if e.pos >= w {
		from = e.pos - w + 1
	}
	to := min(len(e.value), from+w)
	var b strings.Builder
	b.WriteString(prompt)
	b.WriteString(string(e.value[from:min(e.pos, to)]))
	at := " "
	if e.pos < len(e.value) {
		at = string(e.value[e.pos])
	}
	b.WriteString(cursor.Render(at))
	if e.pos+1 < to {
		b.WriteString(string(e.value[e.pos+1 : to]))
	}
	return b.String()
}
