package views

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Input is a line of text for the app: a typed problem, a file to save to
// or to open. Enter hands the text over (Submit with Purpose); the app
// either closes the dialog or shows why the text does not do (WithErr).
type Input struct {
	Keys    InputKeys
	Purpose string // what the text is for ("problem", "save", "open")
	Title   string
	Hint    string
	Err     string // why the last submitted text did not do
	// Confirm is the text that Err asks to confirm (an existing file to
	// overwrite): enter on the same text again submits it with Confirmed.
	Confirm string
	edit    lineEdit
}

// InputLimit bounds the text of an input (runes); what goes over it is
// dropped, and the dialog says so.
const InputLimit = 4096

// NewInput opens an input dialog with value typed in.
func NewInput(keys InputKeys, purpose, title, hint, value string) Input {
	return Input{Keys: keys, Purpose: purpose, Title: title, Hint: hint, edit: newLineEdit(value, InputLimit)}
}

// Text is what is typed.
func (d Input) Text() string { return d.edit.String() }

// WithErr is d showing err under the text.
func (d Input) WithErr(err string) Input {
	d.Err = err
	d.Confirm = ""
	return d
}

// AskConfirm is d asking to confirm its text (why says what enter would
// do): enter on the unchanged text then submits with Confirmed set.
func (d Input) AskConfirm(why string) Input {
	d.Err = why
	d.Confirm = d.Text()
	return d
}

// Dropped is the number of characters typed or pasted beyond InputLimit.
func (d Input) Dropped() int { return d.edit.dropped }

// ID implements Dialog.
func (Input) ID() string { return "input" }

// Update implements Dialog.
func (d Input) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Confirm):
		text := strings.TrimSpace(d.edit.String())
		return d, Submit{Purpose: d.Purpose, Text: text, Confirmed: d.Confirm != "" && d.Confirm == d.Text()}
	}
	if d.edit.key(k, d.Keys.Edit) {
		d.Err, d.Confirm = "", ""
	}
	return d, nil
}

// Paste implements Paster.
func (d Input) Paste(text string) Dialog {
	d.edit.insert(text)
	d.Err, d.Confirm = "", ""
	return d
}

// Click implements Dialog (nothing to click).
func (d Input) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Input) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 64)
	iw := max(10, bw-4)
	body := []string{d.edit.view(iw, st.Overlay.Selected)}
	if n := d.edit.dropped; n > 0 {
		body = append(body, "")
		for _, l := range wrap(fmt.Sprintf("the text is cut at %d characters: the last %d typed or pasted were dropped", InputLimit, n), iw) {
			body = append(body, st.Overlay.Error.Render(l))
		}
	}
	if d.Err != "" {
		// Shown whole: lines that fit stay as they are (a caret under the
		// offending character keeps its column), longer ones wrap.
		body = append(body, "")
		for _, l := range strings.Split(d.Err, "\n") {
			for _, w := range wrapKeep(l, iw) {
				body = append(body, st.Overlay.Error.Render(w))
			}
		}
	}
	if d.Hint != "" {
		body = append(body, "")
		for _, l := range wrap(d.Hint, iw) {
			body = append(body, st.Dim.Render(l))
		}
	}
	body = append(body, hintLines(st, iw, d.ShortHelp()...)...)
	return Overlay{W: bw, Title: d.Title, Body: body}
}

// wrapKeep is l when it fits in w cells, else l wrapped (words longer
// than w are broken).
func wrapKeep(l string, w int) []string {
	if width(l) <= w {
		return []string{l}
	}
	return strings.Split(ansi.Wrap(l, w, " "), "\n")
}

// ShortHelp implements help.KeyMap.
func (d Input) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Confirm, d.Keys.Edit.CutBefore, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d Input) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
