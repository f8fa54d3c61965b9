package views

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
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
	edit    lineEdit
}

// inputLimit bounds the text of an input (runes).
const inputLimit = 4096

// NewInput opens an input dialog with value typed in.
func NewInput(keys InputKeys, purpose, title, hint, value string) Input {
	return Input{Keys: keys, Purpose: purpose, Title: title, Hint: hint, edit: newLineEdit(value, inputLimit)}
}

// Text is what is typed.
func (d Input) Text() string { return d.edit.String() }

// WithErr is d showing err under the text.
func (d Input) WithErr(err string) Input {
	d.Err = err
	return d
}

// ID implements Dialog.
func (Input) ID() string { return "input" }

// Update implements Dialog.
func (d Input) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Confirm):
		return d, Submit{Purpose: d.Purpose, Text: strings.TrimSpace(d.edit.String())}
	}
	if d.edit.key(k, d.Keys.Edit) {
		d.Err = ""
	}
	return d, nil
}

// Paste implements Paster.
func (d Input) Paste(text string) Dialog {
	d.edit.insert(text)
	d.Err = ""
	return d
}

// Click implements Dialog (nothing to click).
func (d Input) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Input) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 64)
	body := []string{d.edit.view(max(10, bw-4), st.Overlay.Selected)}
	if d.Err != "" {
		body = append(body, "")
		for _, l := range strings.Split(d.Err, "\n") {
			body = append(body, st.Overlay.Error.Render(l))
		}
	}
	if d.Hint != "" {
		body = append(body, "")
		for _, l := range wrap(d.Hint, bw-4) {
			body = append(body, st.Dim.Render(l))
		}
	}
	return Overlay{W: bw, Title: d.Title, Body: body}
}

// ShortHelp implements help.KeyMap.
func (d Input) ShortHelp() []key.Binding { return []key.Binding{d.Keys.Confirm, d.Keys.Cancel} }

// FullHelp implements help.KeyMap.
func (d Input) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
