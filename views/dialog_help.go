package views

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
)

// Help is the ? screen: every binding of the main screen, the marks and
// the injection syntax.
type Help struct {
	Keys HelpKeys
	// Of is whose bindings the screen lists (the main screen's).
	Of help.KeyMap
	// Model draws the bindings (help.New(), for its separators).
	Model help.Model
	// Offset is the first line shown when the screen is too short for
	// all of it.
	Offset int
	// W and H are the screen's size (Resize), so that the help bar offers
	// scrolling only when there is something to scroll.
	W, H int
}

// Resize implements Sizer.
func (d Help) Resize(w, h int) Dialog {
	d.W, d.H = w, h
	c := DialogCtx{Styles: PlainStyles(), Width: w, Height: h}
	d.Offset = max(0, min(d.Offset, ScrollMax(d.View(c), w, h)))
	return d
}

// NewHelp opens the help screen on the bindings of of.
func NewHelp(keys HelpKeys, of help.KeyMap) Help {
	return Help{Keys: keys, Of: of, Model: help.New()}
}

// ID implements Dialog.
func (Help) ID() string { return "help" }

// Update implements Dialog.
func (d Help) Update(k tea.KeyPressMsg, c DialogCtx) (Dialog, Action) {
	ov := d.View(c)
	switch {
	case key.Matches(k, d.Keys.Close):
		return d, Close{}
	default:
		d.Offset = d.Keys.scroll(k, d.Offset, ov, c)
	}
	return d, nil
}

// Click implements Dialog (nothing to click).
func (d Help) Click(int, DialogCtx) (Dialog, Action) { return d, nil }

// View implements Dialog.
func (d Help) View(c DialogCtx) Overlay {
	st := c.Styles
	bw := min(c.Width-2, 100)
	h := d.Model
	h.Styles = st.Help
	h.SetWidth(bw - 4)
	var body []string
	if d.Of != nil {
		body = append(body, strings.Split(h.FullHelpView(d.Of.FullHelp()), "\n")...)
	}
	body = append(body, "", st.Bold.Render("Marks"),
		"* injected   ! differs from the clean run   ✓ correct   ◆ contained   ✗ propagated / wrong",
		"Δlatent: the largest change of the Reasoner's latents against the clean run; 0 means",
		"the injection could not reach the reasoning chain (contained by construction).",
		"", st.Bold.Render("Injections")+" (the same syntax as saved sessions)")
	body = append(body, strings.Split(engine.Grammar, "\n")...)
	body = append(body, "", st.Dim.Render("Mouse: click a step cell to jump to it; click a token in a picker."))
	return Overlay{W: bw, Title: "Help", Body: body, Wrap: true, Scroll: d.Offset}
}

// ShortHelp implements help.KeyMap.
func (d Help) ShortHelp() []key.Binding {
	scroll, page := d.Keys.Scroll, d.Keys.Page
	can := d.W > 0 && ScrollMax(d.View(DialogCtx{Styles: PlainStyles(), Width: d.W, Height: d.H}), d.W, d.H) > 0
	scroll.SetEnabled(can)
	page.SetEnabled(can)
	return []key.Binding{scroll, page, d.Keys.Close}
}

// FullHelp implements help.KeyMap.
func (d Help) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
