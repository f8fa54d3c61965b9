package views

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Breakpoint is one condition of the breakpoint list (engine.Condition),
// on or off: "run until" stops at the first step where one that is on
// holds.
type Breakpoint struct {
	Cond engine.Condition
	On   bool
}

// SetBreaks asks the app to keep List as the breakpoint list (a toggle or
// a deletion in the dialog); the dialog stays open.
type SetBreaks struct{ List []Breakpoint }

func (SetBreaks) action() {}

// BreakPurpose is the Submit purpose of a condition typed into the
// breakpoint list: the app parses it (engine.ParseCondition,
// engine.CheckConditions) and answers with Breaks.Added or Breaks.WithErr.
const BreakPurpose = "break"

// Breaks is the breakpoint list: a line to type a condition into (enter
// adds it, its parse error shows whole), the conditions below it, one
// selected (↑/↓), which tab switches on or off and ctrl+x deletes.
type Breaks struct {
	Keys   BreaksKeys
	List   []Breakpoint
	Cursor int
	Err    string
	edit   lineEdit
}

// NewBreaks opens the list on list.
func NewBreaks(keys BreaksKeys, list []Breakpoint) Breaks {
	return Breaks{Keys: keys, List: slices.Clone(list), edit: newLineEdit("", 200)}
}

// ID implements Dialog.
func (Breaks) ID() string { return "breaks" }

// Text is the condition typed so far.
func (d Breaks) Text() string { return d.edit.String() }

// WithErr is d showing err (a parse error, whole) under the typed line.
func (d Breaks) WithErr(err string) Breaks {
	d.Err = err
	return d
}

// Added is d after its typed condition was added as c (on): the line is
// emptied and c selected; a condition already listed is switched on
// rather than listed twice.
func (d Breaks) Added(c engine.Condition) Breaks {
	d.List = slices.Clone(d.List)
	i := slices.IndexFunc(d.List, func(b Breakpoint) bool { return b.Cond.String() == c.String() })
	if i < 0 {
		d.List = append(d.List, Breakpoint{Cond: c, On: true})
		i = len(d.List) - 1
	}
	d.List[i].On = true
	d.Cursor = i
	d.Err = ""
	d.edit = newLineEdit("", 200)
	return d
}

// Update implements Dialog.
func (d Breaks) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	switch {
	case key.Matches(k, d.Keys.Close):
		return d, Close{}
	case key.Matches(k, d.Keys.Add):
		text := strings.TrimSpace(d.edit.String())
		if text == "" {
			return d, Close{}
		}
		return d, Submit{Purpose: BreakPurpose, Text: text}
	case key.Matches(k, d.Keys.Move):
		if key.Matches(k, d.Keys.Up) {
			d.Cursor--
		} else {
			d.Cursor++
		}
		d.Cursor = max(0, min(d.Cursor, len(d.List)-1))
		return d, nil
	case key.Matches(k, d.Keys.Toggle):
		if len(d.List) == 0 {
			return d, nil
		}
		d.List = slices.Clone(d.List)
		d.List[d.Cursor].On = !d.List[d.Cursor].On
		return d, SetBreaks{slices.Clone(d.List)}
	case key.Matches(k, d.Keys.Delete):
		if len(d.List) == 0 {
			return d, nil
		}
		d.List = slices.Delete(slices.Clone(d.List), d.Cursor, d.Cursor+1)
		d.Cursor = max(0, min(d.Cursor, len(d.List)-1))
		return d, SetBreaks{slices.Clone(d.List)}
	}
	if d.edit.key(k, d.Keys.Edit) {
		d.Err = ""
	}
	return d, nil
}

// Paste implements Paster.
func (d Breaks) Paste(text string) Dialog {
	d.edit.insert(text)
	d.Err = ""
	return d
}

// Click implements Dialog: a click on a condition selects it.
func (d Breaks) Click(i int, _ DialogCtx) (Dialog, Action) {
	if i >= 0 && i < len(d.List) {
		d.Cursor = i
	}
	return d, nil
}

// View implements Dialog.
func (d Breaks) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := dialogW(c.Width, 72)
	iw := max(10, bw-4)
	ov := Overlay{W: bw, Title: "Breakpoints"}
	ov.Body = append(ov.Body, d.edit.view(iw, st.Overlay.Selected))
	if d.Err != "" {
		for _, l := range strings.Split(d.Err, "\n") {
			for _, w := range wrapKeep(l, iw) {
				ov.Body = append(ov.Body, st.Overlay.Error.Render(w))
			}
		}
	}
	ov.Body = append(ov.Body, "")
	if len(d.List) == 0 {
		ov.Body = append(ov.Body, st.Dim.Render("no breakpoints: type a condition and press enter"))
	}
	for i, b := range d.List {
		mark := "[ ]"
		if b.On {
			mark = "[x]"
		}
		line := fmt.Sprintf("%s %s", mark, b.Cond)
		if i == d.Cursor {
			line = st.Overlay.Selected.Render(line)
		}
		ov.Body = append(ov.Body, line)
		ov.Items = append(ov.Items, OverlayItem{Line: len(ov.Body) - 1, W: -1})
	}
	ov.Body = append(ov.Body, hintLines(st, iw, d.ShortHelp()...)...)
	// The syntax last: on a short screen it is what is cut.
	ov.Body = append(ov.Body, "", st.Dim.Render("Conditions (run until stops at the first step where one that is on holds):"))
	for _, l := range strings.Split(engine.BreakGrammar, "\n") {
		for _, w := range wrapKeep(l, iw) {
			ov.Body = append(ov.Body, st.Dim.Render(w))
		}
	}
	return ov
}

// ShortHelp implements help.KeyMap.
func (d Breaks) ShortHelp() []key.Binding {
	mv, tg, del := d.Keys.Move, d.Keys.Toggle, d.Keys.Delete
	mv.SetEnabled(len(d.List) > 1)
	tg.SetEnabled(len(d.List) > 0)
	del.SetEnabled(len(d.List) > 0)
	return []key.Binding{d.Keys.Add, mv, tg, del, d.Keys.Close}
}

// FullHelp implements help.KeyMap.
func (d Breaks) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
