package app

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// lineEdit is a one-line text editor for the problem and file inputs:
// typing and pasting insert, arrows, home/end (ctrl+a/e), backspace,
// delete, ctrl+u/ctrl+k cut before/after the cursor, ctrl+w a word.
type lineEdit struct {
	value []rune
	pos   int
	limit int
}

func (e *lineEdit) set(s string) {
	e.value = []rune(s)
	if e.limit > 0 && len(e.value) > e.limit {
		e.value = e.value[:e.limit]
	}
	e.pos = len(e.value)
}

func (e *lineEdit) String() string { return string(e.value) }

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
		rs = rs[:max(0, min(len(rs), e.limit-len(e.value)))]
	}
	e.value = append(e.value[:e.pos], append(rs, e.value[e.pos:]...)...)
	e.pos += len(rs)
}

// key applies a key press; it reports whether the key was an editing key.
func (e *lineEdit) key(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "left", "ctrl+b":
		e.pos = max(0, e.pos-1)
	case "right", "ctrl+f":
		e.pos = min(len(e.value), e.pos+1)
	case "home", "ctrl+a":
		e.pos = 0
	case "end", "ctrl+e":
		e.pos = len(e.value)
	case "backspace", "ctrl+h":
		if e.pos > 0 {
			e.value = append(e.value[:e.pos-1], e.value[e.pos:]...)
			e.pos--
		}
	case "delete", "ctrl+d":
		if e.pos < len(e.value) {
			e.value = append(e.value[:e.pos], e.value[e.pos+1:]...)
		}
	case "ctrl+u":
		e.value = e.value[e.pos:]
		e.pos = 0
	case "ctrl+k":
		e.value = e.value[:e.pos]
	case "ctrl+w", "alt+backspace":
		i := e.pos
		for i > 0 && e.value[i-1] == ' ' {
			i--
		}
		for i > 0 && e.value[i-1] != ' ' && e.value[i-1] != ',' {
			i--
		}
		e.value = append(e.value[:i], e.value[e.pos:]...)
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
func (e *lineEdit) view(w int, cursor lipgloss.Style) string {
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
