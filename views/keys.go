package views

import "charm.land/bubbles/v2/key"

// Mode is what has the keyboard: the main screen or one of the overlays.
type Mode int

const (
	ModeMain    Mode = iota
	ModeHelp         // full help
	ModePicker       // token picker for a token injection
	ModeNoise        // latent noise form
	ModeSurgery      // latent surgery form
	ModeInput        // a line of text: a problem, a file to save or to open
	ModeToggles      // show or hide panels and lanes
	ModeFatal        // nothing to explore (the model set did not load)
	ModeLoading      // the model set is loading
	numModes
)

// KeyMap is the explorer's one key map. SetState enables exactly the
// bindings that do something in the current state, so the help bar only
// lists keys that work now.
type KeyMap struct {
	mode Mode

	// Main screen.
	Step, Prev, Undo, End, Reset, Jump      key.Binding
	New, Prompt, Save, Load                 key.Binding
	Talker, Baseline, Noise, Surgery, Clear key.Binding
	Toggle, Help, Quit                      key.Binding

	// Overlays.
	Confirm, Cancel, Move, Type, Field, Weight, Every, Close key.Binding
}

// KeyState is what SetState needs to know.
type KeyState struct {
	Mode          Mode
	HasSet        bool // a model set is loaded
	HasSession    bool
	Taken, Steps  int
	Selected      int
	HasInjections bool
}

// DefaultKeyMap returns the key map with every binding enabled.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Step:     b([]string{"space", "right", "l"}, "→/space", "step"),
		Prev:     b([]string{"left", "h"}, "←", "prev"),
		Undo:     b([]string{"backspace", "u"}, "u", "undo"),
		End:      b([]string{"e", "end"}, "e", "to end"),
		Reset:    b([]string{"r", "home"}, "r", "reset"),
		Jump:     b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "jump"),
		New:      b([]string{"n"}, "n", "new problem"),
		Prompt:   b([]string{"p"}, "p", "type problem"),
		Save:     b([]string{"w"}, "w", "save"),
		Load:     b([]string{"o"}, "o", "open"),
		Talker:   b([]string{"t"}, "t", "talker error"),
		Baseline: b([]string{"b"}, "b", "baseline error"),
		Noise:    b([]string{"z"}, "z", "noise"),
		Surgery:  b([]string{"m"}, "m", "surgery"),
		Clear:    b([]string{"c"}, "c", "clear"),
		Toggle:   b([]string{"v"}, "v", "panels"),
		Help:     b([]string{"?"}, "?", "help"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "quit"),

		Confirm: b([]string{"enter"}, "enter", "apply"),
		Cancel:  b([]string{"esc"}, "esc", "cancel"),
		Move:    b([]string{"left", "right", "up", "down"}, "←↑↓→", "move"),
		Type:    b(letters(), "A-Z", "pick a letter"),
		Field:   b([]string{"tab", "shift+tab"}, "tab", "next field"),
		Weight:  b([]string{"left", "right", "-", "+", "="}, "←/→", "weight"),
		Every:   b([]string{"a"}, "a", "this step / every step"),
		Close:   b([]string{"esc", "?", "q"}, "esc", "close"),
	}
}

// SetState enables the bindings that work in st.
func (k *KeyMap) SetState(st KeyState) {
	k.mode = st.Mode
	main := st.Mode == ModeMain
	on := func(b *key.Binding, v bool) { b.SetEnabled(v) }
	sess := main && st.HasSession
	on(&k.Step, sess && (st.Selected < st.Taken || st.Taken < st.Steps))
	on(&k.Prev, sess && st.Selected > 1)
	on(&k.Undo, sess && st.Taken > 0)
	on(&k.End, sess && st.Taken < st.Steps)
	on(&k.Reset, sess && st.Taken > 0)
	on(&k.Jump, sess && st.Steps > 0)
	on(&k.New, main && st.HasSet)
	on(&k.Prompt, main && st.HasSet)
	on(&k.Save, sess)
	on(&k.Load, (main || st.Mode == ModeFatal) && st.HasSet)
	inj := sess && st.Selected >= 1
	on(&k.Talker, inj)
	on(&k.Baseline, inj)
	on(&k.Noise, inj)
	on(&k.Surgery, inj)
	on(&k.Clear, sess && st.HasInjections)
	on(&k.Toggle, main)
	on(&k.Help, main || st.Mode == ModeFatal)
	on(&k.Quit, main || st.Mode == ModeFatal || st.Mode == ModeLoading)

	overlay := !main && st.Mode != ModeFatal && st.Mode != ModeLoading
	on(&k.Confirm, overlay && st.Mode != ModeHelp && st.Mode != ModeToggles)
	on(&k.Cancel, overlay && st.Mode != ModeHelp)
	on(&k.Move, st.Mode == ModePicker || st.Mode == ModeNoise)
	on(&k.Type, st.Mode == ModePicker || st.Mode == ModeSurgery)
	on(&k.Field, st.Mode == ModeSurgery)
	on(&k.Weight, st.Mode == ModeSurgery)
	on(&k.Every, st.Mode == ModeNoise)
	on(&k.Close, st.Mode == ModeHelp)
}

// ShortHelp is the help bar: the most useful keys that work now.
func (k KeyMap) ShortHelp() []key.Binding {
	switch k.mode {
	case ModeMain:
		return []key.Binding{k.Step, k.Prev, k.End, k.Talker, k.Baseline, k.Clear, k.New, k.Undo, k.Reset, k.Noise, k.Surgery, k.Prompt, k.Toggle, k.Help, k.Quit}
	case ModeHelp:
		return []key.Binding{k.Close}
	case ModeFatal, ModeLoading:
		return []key.Binding{k.Load, k.Help, k.Quit}
	case ModeToggles:
		return []key.Binding{k.Cancel}
	}
	return []key.Binding{k.Move, k.Type, k.Field, k.Weight, k.Every, k.Confirm, k.Cancel}
}

// FullHelp is the ? screen, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	all := func(bs ...key.Binding) []key.Binding {
		out := make([]key.Binding, len(bs))
		for i, b := range bs {
			out[i] = b
			out[i].SetEnabled(true)
		}
		return out
	}
	return [][]key.Binding{
		all(k.Step, k.Prev, k.Undo, k.End, k.Reset, k.Jump),
		all(k.Talker, k.Baseline, k.Noise, k.Surgery, k.Clear),
		all(k.New, k.Prompt, k.Save, k.Load, k.Toggle, k.Help, k.Quit),
	}
}

// Mode reports the mode the key map was last set for.
func (k KeyMap) Mode() Mode { return k.mode }

// letters are the keys a-z and A-Z.
func letters() []string {
	var out []string
	for c := 'a'; c <= 'z'; c++ {
		out = append(out, string(c), string(c-'a'+'A'))
	}
	return out
}
