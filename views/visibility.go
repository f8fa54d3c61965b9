package views

import (
	"maps"
	"strings"
	"unicode/utf8"

	"jrx/engine"
)

// Visibility says which panels and lanes are hidden, by panel ID and lane
// name; everything else is shown, so a new panel or lane shows without a
// change here. The zero value shows everything. It is a value: Toggle
// copies before it writes, so a Screen holding an older Visibility never
// sees a later toggle.
type Visibility struct {
	panels map[string]bool // hidden panels
	lanes  map[string]bool // hidden lanes
}

// AllVisible shows everything.
func AllVisible() Visibility { return Visibility{} }

// Panel reports whether the panel id is shown.
func (v Visibility) Panel(id string) bool { return !v.panels[id] }

// Lane reports whether the lane called name is shown (the truth row of the
// lanes panel always is).
func (v Visibility) Lane(name string) bool { return !v.lanes[name] }

// Toggle flips what item names.
func (v *Visibility) Toggle(it ToggleItem) {
	if it.Lane != "" {
		v.lanes = flip(v.lanes, it.Lane)
	} else {
		v.panels = flip(v.panels, it.Panel)
	}
}

// Hide hides the panel id (for tests and defaults).
func (v *Visibility) Hide(id string) {
	if v.Panel(id) {
		v.panels = flip(v.panels, id)
	}
}

// HideLane hides the lane called name.
func (v *Visibility) HideLane(name string) {
	if v.Lane(name) {
		v.lanes = flip(v.lanes, name)
	}
}

func flip(m map[string]bool, k string) map[string]bool {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]bool{}
	}
	if out[k] {
		delete(out, k)
	} else {
		out[k] = true
	}
	return out
}

// ToggleItem is one entry of the panels-and-lanes menu: a panel (Panel set)
// or a lane (Lane set), with the key that toggles it.
type ToggleItem struct {
	Key, Label  string
	Panel, Lane string
}

// ToggleItems lists what f's screen can show or hide: its panels, then its
// lanes (Frame.LaneInfo). A lane's key is the first letter of its label
// that no earlier item and no key of the default menu's Close binding uses.
func ToggleItems(f *Frame) []ToggleItem {
	return toggleItems(f, DefaultKeyMap().Toggles.Close.Keys())
}

// toggleItems is ToggleItems with the keys reserved (the menu's own).
func toggleItems(f *Frame, reserved []string) []ToggleItem {
	var out []ToggleItem
	used := map[string]bool{}
	for _, k := range reserved {
		used[k] = true
	}
	for _, p := range Panels(f) {
		out = append(out, ToggleItem{Key: p.Key, Label: p.Label, Panel: p.ID})
		used[p.Key] = true
	}
	if f == nil {
		return out
	}
	for _, l := range f.LaneInfo {
		k := freeKey(l.Label+l.Name, used)
		used[k] = true
		out = append(out, ToggleItem{Key: k, Label: "lane: " + l.Label, Lane: l.Name})
	}
	return out
}

// freeKey is the first letter of s (lower case) not in used, else the first
// free digit.
func freeKey(s string, used map[string]bool) string {
	for _, r := range strings.ToLower(s) {
		if k := string(r); r < utf8.RuneSelf && r >= 'a' && r <= 'z' && !used[k] {
			return k
		}
	}
	for d := '1'; d <= '9'; d++ {
		if !used[string(d)] {
			return string(d)
		}
	}
	return ""
}

// laneInfo is the frame's lane called name.
func (f *Frame) laneInfo(name string) (engine.LaneInfo, bool) {
	if f != nil {
		for _, l := range f.LaneInfo {
			if l.Name == name {
				return l, true
			}
		}
	}
	return engine.LaneInfo{}, false
}

// LaneNoun is how a sentence names a lane: a Talker by its proper name
// ("Dual-Talker"), any other lane by its label ("baseline").
func LaneNoun(l engine.LaneInfo) string {
	if l.Kind == engine.KindTalker {
		return titleCase(l.Label)
	}
	return l.Label
}

// titleCase capitalises each hyphen- or space-separated word.
func titleCase(s string) string {
	r := []rune(s)
	for i := range r {
		if (i == 0 || r[i-1] == '-' || r[i-1] == ' ') && r[i] >= 'a' && r[i] <= 'z' {
			r[i] -= 'a' - 'A'
		}
	}
	return string(r)
}
