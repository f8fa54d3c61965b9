package views

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Picker is the token picker: it forces one lane's token at a step.
type Picker struct {
	Keys    PickerKeys
	Lane    engine.LaneInfo // the lane forced (its Inject names it)
	Step    int
	Items   []int // the tokens offered
	Cursor  int
	TrueTok int    // the true token at Step, -1 when unknown
	Note    string // why the cursor starts where it does
}

// ID implements Dialog.
func (Picker) ID() string { return "picker" }

// Update implements Dialog.
func (p Picker) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	n := len(p.Items)
	switch {
	case key.Matches(k, p.Keys.Cancel):
		return p, Close{}
	case key.Matches(k, p.Keys.Confirm) && n > 0:
		return p, p.pick(p.Items[p.Cursor], c)
	case key.Matches(k, p.Keys.Move) && n > 0:
		by := 1
		if key.Matches(k, p.Keys.Back) {
			by = n - 1
		}
		p.Cursor = (p.Cursor + by) % n
		return p, nil
	case key.Matches(k, p.Keys.EOS) && c.Frame != nil && c.Frame.Vocab != nil:
		return p, p.pick(c.Frame.Vocab.EOS(), c)
	case key.Matches(k, p.Keys.Type):
		if tok, ok := tokenOf(k, c.Frame); ok {
			return p, p.pick(tok, c)
		}
	}
	return p, nil
}

// Click implements Dialog: a click on a token injects it.
func (p Picker) Click(i int, c DialogCtx) (Dialog, Action) {
	if i < 0 || i >= len(p.Items) {
		return p, nil
	}
	return p, p.pick(p.Items[i], c)
}

func (p Picker) pick(tok int, c DialogCtx) Action {
	if c.Frame == nil || c.Frame.Vocab == nil {
		return nil
	}
	return Inject{engine.ForceToken(p.Lane.Inject, p.Step, tok, c.Frame.Vocab)}
}

// View implements Dialog.
func (p Picker) View(c DialogCtx) Overlay {
	st, f := c.Styles, c.Frame
	bw := dialogW(c.Width, 64)
	iw := bw - 4
	target := LaneNoun(p.Lane)
	ov := Overlay{W: bw, Title: fmt.Sprintf("Inject into the %s at step %d", target, p.Step)}
	body := wrap(fmt.Sprintf("Force the %s's token at step %d; the Reasoner does not read it. Truth: %s.", target, p.Step, f.sym(p.TrueTok)), iw)
	if p.Note != "" {
		body = append(body, wrap(p.Note, iw)...)
	}
	body = append(body, "")
	const cw = 5
	per := max(1, iw/cw)
	for i, tok := range p.Items {
		if i%per == 0 {
			body = append(body, "")
		}
		cell := center(f.sym(tok), cw)
		switch {
		case i == p.Cursor:
			cell = st.Overlay.Selected.Render(center("["+f.sym(tok)+"]", cw))
		case tok == p.TrueTok:
			cell = st.Token.Truth.Render(cell)
		default:
			cell = st.Overlay.Item.Render(cell)
		}
		body[len(body)-1] += cell
		ov.Items = append(ov.Items, OverlayItem{Line: len(body) - 1, Col: (i % per) * cw, W: cw})
	}
	ov.Body = append(append(body, ""), hintLines(st, iw, p.Keys.Type, p.Keys.EOS, p.Keys.Move, p.Keys.Confirm, p.Keys.Cancel)...)
	return ov
}

// ShortHelp implements help.KeyMap.
func (p Picker) ShortHelp() []key.Binding {
	return []key.Binding{p.Keys.Type, p.Keys.Move, p.Keys.Confirm, p.Keys.Cancel}
}

// FullHelp implements help.KeyMap.
func (p Picker) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.Keys.Move, p.Keys.Type, p.Keys.EOS, p.Keys.Confirm, p.Keys.Cancel}}
}
