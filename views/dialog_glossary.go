package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// GlossaryKeys are the glossary's bindings.
type GlossaryKeys struct {
	Scroll   key.Binding // ↑/↓ a line (shown)
	Up       key.Binding // the keys of Scroll that go up
	Page     key.Binding // a page down or up (shown)
	PageUp   key.Binding // the keys of Page that go up
	Top, End key.Binding
	Close    key.Binding
}

// DefaultGlossaryKeys are the glossary's default bindings.
func DefaultGlossaryKeys() GlossaryKeys {
	return GlossaryKeys{
		Scroll: bind([]string{"up", "down", "k", "j"}, "↑/↓", "scroll"),
		Up:     key.NewBinding(key.WithKeys("up", "k")),
		Page:   bind([]string{"pgdown", "pgup", "space", "b"}, "pgup/pgdn", "page"),
		PageUp: key.NewBinding(key.WithKeys("pgup", "b")),
		Top:    bind([]string{"home"}, "home", "top"),
		End:    bind([]string{"end"}, "end", "bottom"),
		Close:  bind([]string{"esc", "g", "q"}, "esc", "close"),
	}
}

// GlossaryDialog explains every term on the screen (Glossary), scrolled a
// line or a page at a time when it is longer than the screen.
type GlossaryDialog struct {
	Keys GlossaryKeys
	// Top is the first line shown.
	Top int
}

// NewGlossary opens the glossary at its top.
func NewGlossary(keys GlossaryKeys) GlossaryDialog { return GlossaryDialog{Keys: keys} }

// ID implements Dialog.
func (GlossaryDialog) ID() string { return "glossary" }

// glossaryW is the glossary's box width on a screen w wide.
func glossaryW(w int) int { return max(10, min(w-2, 96)) }

// glossaryRows is how many body lines fit on a screen h high.
func glossaryRows(h int) int { return max(1, h-4) }

// glossaryLines is the glossary as lines of at most w cells: each term in
// bold, its text under it, indented.
func glossaryLines(st *Styles, w int) []string {
	var out []string
	for i, t := range Glossary() {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, st.Bold.Render(t.Term))
		for _, l := range wrap(t.Text, max(1, w-2)) {
			out = append(out, "  "+l)
		}
	}
	return out
}

// maxTop is the last first line that still fills the box.
func (d GlossaryDialog) maxTop(c DialogCtx) int {
	n := len(glossaryLines(c.Styles, glossaryW(c.Width)-4))
	return max(0, n-glossaryRows(c.Height))
}

// Update implements Dialog.
func (d GlossaryDialog) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	page := max(1, glossaryRows(c.Height)-1)
	switch {
	case key.Matches(k, d.Keys.Close):
		return d, Close{}
	case key.Matches(k, d.Keys.Up):
		d.Top--
	case key.Matches(k, d.Keys.Scroll):
		d.Top++
	case key.Matches(k, d.Keys.PageUp):
		d.Top -= page
	case key.Matches(k, d.Keys.Page):
		d.Top += page
	case key.Matches(k, d.Keys.Top):
		d.Top = 0
	case key.Matches(k, d.Keys.End):
		d.Top = d.maxTop(c)
	}
	d.Top = max(0, min(d.Top, d.maxTop(c)))
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d GlossaryDialog) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog: the lines from Top that fit the screen, with
// where they are in the title.
func (d GlossaryDialog) View(c DialogCtx) Overlay {
	bw := glossaryW(c.Width)
	lines := glossaryLines(c.Styles, bw-4)
	rows := glossaryRows(c.Height)
	top := max(0, min(d.Top, len(lines)-rows))
	end := min(len(lines), top+rows)
	title := "Glossary"
	if len(lines) > rows {
		title = fmt.Sprintf("Glossary · lines %d–%d of %d · ↑/↓ pgup/pgdn scroll", top+1, end, len(lines))
	}
	body := append([]string(nil), lines[top:end]...)
	if len(lines) > rows && end < len(lines) && len(body) > 0 {
		body[len(body)-1] = c.Styles.Dim.Render(fmt.Sprintf("… %d more lines (↓)", len(lines)-end+1))
	}
	return Overlay{W: bw, Title: title, Body: body}
}

// ShortHelp implements help.KeyMap.
func (d GlossaryDialog) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Scroll, d.Keys.Page, d.Keys.Top, d.Keys.End, d.Keys.Close}
}

// FullHelp implements help.KeyMap.
func (d GlossaryDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// GlossaryText is the glossary as plain text lines of at most w cells (for
// docs and tests).
func GlossaryText(w int) []string {
	return strings.Split(strings.Join(glossaryLines(PlainStyles(), w), "\n"), "\n")
}
