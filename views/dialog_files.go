package views

import (
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/filepicker"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Files is the file picker of "open a session file" (bubbles' filepicker):
// the directory's entries, session files (.json) selectable, directories
// entered. It reads directories in commands (Run actions) whose results
// come back through Handle. Typing a character, pasting, or the Type key
// turns it into the text input (Typed) for a path.
type Files struct {
	Keys FilesKeys
	// Typed is the text input it becomes when a path is typed.
	Typed  Input
	Picker filepicker.Model
}

// filesChrome is the rows the dialog takes besides the list: the box, the
// directory line, a blank line and the hint lines.
const filesChrome = 7

// NewFiles opens the picker in dir on a screen h rows high; the command
// reads dir.
func NewFiles(keys FilesKeys, typed Input, dir string, st *Styles, h int) (Files, tea.Cmd) {
	fp := filepicker.New()
	fp.CurrentDirectory = dir
	fp.AllowedTypes = []string{".json"}
	fp.ShowPermissions = false
	fp.AutoHeight = false
	fp.Cursor = ">"
	fp.KeyMap = filepicker.KeyMap{
		GoToTop: keys.Top, GoToLast: keys.Bottom, Down: keys.Down, Up: keys.Up,
		PageUp: keys.PageUp, PageDown: keys.PageDown, Back: keys.Back, Open: keys.Open, Select: keys.Select,
	}
	fp.Styles = filepicker.Styles{
		DisabledCursor: st.Dim, Cursor: st.Accent, Symlink: st.Text, Directory: st.Accent,
		File: st.Text, DisabledFile: st.Dim, Permission: st.Dim, Selected: st.Overlay.Selected,
		DisabledSelected: st.Dim.Reverse(true), FileSize: st.Dim.Width(7).Align(lipgloss.Right),
		EmptyDirectory: st.Dim.SetString("  no files here"),
	}
	fp.SetHeight(max(1, h-filesChrome-6))
	return Files{Keys: keys, Typed: typed, Picker: fp}, fp.Init()
}

// ID implements Dialog.
func (Files) ID() string { return "files" }

// Resize implements Sizer: the list takes the screen's height.
func (d Files) Resize(_, h int) Dialog {
	d.Picker.SetHeight(max(1, h-filesChrome-6))
	return d
}

// Handle takes the picker's own messages (a directory read).
func (d Files) Handle(msg tea.Msg) (Dialog, tea.Cmd) {
	var cmd tea.Cmd
	d.Picker, cmd = d.Picker.Update(msg)
	return d, cmd
}

// Update implements Dialog.
func (d Files) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Cancel):
		return d, Close{}
	case key.Matches(k, d.Keys.Type):
		return d.Typed, nil
	case key.Matches(k, d.Keys.Move, d.Keys.Page, d.Keys.Top, d.Keys.Bottom, d.Keys.Back, d.Keys.Open):
		var cmd tea.Cmd
		d.Picker, cmd = d.Picker.Update(k)
		if ok, path := d.Picker.DidSelectFile(k); ok {
			return d, Submit{Purpose: d.Typed.Purpose, Text: path}
		}
		if cmd != nil {
			return d, Run{cmd}
		}
		return d, nil
	case len(k.Text) > 0 && k.Mod&(tea.ModCtrl|tea.ModAlt) == 0:
		// Typing starts a path.
		in := d.Typed
		in.edit = newLineEdit(k.Text, InputLimit)
		return in, nil
	}
	return d, nil
}

// Paste implements Paster: a pasted path goes to the text input.
func (d Files) Paste(text string) Dialog { return d.Typed.Paste(text) }

// Click implements Dialog (nothing to click).
func (d Files) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Files) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 72)
	dir, err := filepath.Abs(d.Picker.CurrentDirectory)
	if err != nil {
		dir = d.Picker.CurrentDirectory
	}
	body := []string{st.Dim.Render("in ") + dir}
	list := strings.Split(strings.TrimRight(d.Picker.View(), "\n"), "\n")
	body = append(body, list...)
	body = append(body, "")
	body = append(body, hintLines(st, bw-4, d.ShortHelp()...)...)
	return Overlay{W: bw, Title: "Open a session file", Body: body}
}

// ShortHelp implements help.KeyMap.
func (d Files) ShortHelp() []key.Binding {
	return []key.Binding{d.Keys.Move, d.Keys.Open, d.Keys.Back, d.Keys.Type, d.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (d Files) FullHelp() [][]key.Binding {
	return [][]key.Binding{{d.Keys.Move, d.Keys.Page, d.Keys.Top, d.Keys.Bottom, d.Keys.Open, d.Keys.Back, d.Keys.Type, d.Keys.Cancel}}
}
