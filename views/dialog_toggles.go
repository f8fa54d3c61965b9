package views

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Toggles is the panels-and-lanes menu: what the frame has (ToggleItems),
// each shown or hidden by its key or a click.
type Toggles struct {
	Keys  TogglesKeys
	Items []ToggleItem
}

// NewToggles opens the menu on f's panels and lanes.
func NewToggles(keys TogglesKeys, f *Frame) Toggles {
	return Toggles{Keys: keys, Items: toggleItems(f, keys.Close.Keys())}
}

// ID implements Dialog.
func (Toggles) ID() string { return "toggles" }

// binding is item i's binding.
func (d Toggles) binding(i int) key.Binding {
	it := d.Items[i]
	return bind([]string{it.Key}, it.Key, it.Label)
}

// Update implements Dialog.
func (d Toggles) Update(k tea.KeyPressMsg, _ DialogCtx) (Dialog, Action) {
	if key.Matches(k, d.Keys.Close) {
		return d, Close{}
	}
	for i := range d.Items {
		if key.Matches(k, d.binding(i)) {
			return d, ToggleShown{d.Items[i]}
		}
	}
	return d, nil
}

// Click implements Dialog: a click on an item toggles it.
func (d Toggles) Click(i int, _ DialogCtx) (Dialog, Action) {
	if i < 0 || i >= len(d.Items) {
		return d, nil
	}
	return d, ToggleShown{d.Items[i]}
}

// View implements Dialog.
func (d Toggles) View(c DialogCtx) Overlay {
	st := c.Styles
	ov := Overlay{W: dialogW(c.Width, 64), Title: "Panels and lanes"}
	for _, it := range d.Items {
		shown := c.Show.Panel(it.Panel)
		if it.Lane != "" {
			shown = c.Show.Lane(it.Lane)
		}
		mark := "[ ]"
		if shown {
			mark = "[x]"
		}
		ov.Body = append(ov.Body, fmt.Sprintf("%s %s  %s", mark, st.Bold.Render(it.Key), it.Label))
		ov.Items = append(ov.Items, OverlayItem{Line: len(ov.Body) - 1, W: -1})
	}
	ov.Body = append(ov.Body, "", st.Dim.Render("an item's key or a click toggles it"))
	ov.Body = append(ov.Body, hintLines(st, ov.W-4, d.Keys.Close)...)
	return ov
}

// ShortHelp implements help.KeyMap.
func (d Toggles) ShortHelp() []key.Binding { return []key.Binding{d.Keys.Close} }

// FullHelp implements help.KeyMap: the close key and every item's key.
func (d Toggles) FullHelp() [][]key.Binding {
	col := []key.Binding{d.Keys.Close}
	for i := range d.Items {
		col = append(col, d.binding(i))
	}
	return [][]key.Binding{col}
}
