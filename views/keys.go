package views

import (
	tea "charm.land/bubbletea/v2"
	"slices"

	"charm.land/bubbles/v2/key"

	"jrx/engine"
)

// KeyMap is the explorer's one key map, nested per context the way crush
// and soft-serve nest theirs: the main screen's bindings, then one set per
// dialog. Each dialog gets its set when it opens and matches keys only
// against it; the help bar shows the bindings of whatever has the keys, so
// every hint there is the binding that handles it.
type KeyMap struct {
	// ForceQuit quits from anywhere, even a dialog that reads text.
	ForceQuit key.Binding

	Main    MainKeys
	Picker  PickerKeys
	Noise   NoiseKeys
	Surgery SurgeryKeys
	Input   InputKeys
	Files   FilesKeys
	Toggles TogglesKeys
	Help    HelpKeys
	// Glossary and Tour: dialog_glossary.go, dialog_tour.go.
	Glossary GlossaryKeys
	Tour     TourKeys
	// Breaks is the breakpoint list's (dialog_breaks.go), Compare the
	// compare view's (dialog_compare.go), Fork the fork dialog's
	// (dialog_fork.go).
	Breaks  BreaksKeys
	Compare CompareKeys
	Fork    ForkKeys
	Batch   BatchKeys
}

// LaneKey is the binding that opens the token picker of one lane; Lane is
// the lane's injection name (engine.LaneInfo.Inject).
type LaneKey struct {
	Lane    string
	Binding key.Binding
}

// MainKeys are the main screen's bindings. SetState enables exactly those
// that do something in the current state, so the help bar only lists keys
// that work now.
type MainKeys struct {
	st KeyState

	Step, Prev, Undo, End, Reset, Jump key.Binding
	New, Prompt, Save, Load            key.Binding
	// Back reopens the problem shown before the last new, typed or opened
	// one (with its injections).
	Back key.Binding
	// Inject are the token pickers, one per lane that can be forced, in
	// lane order ("t" the Dual-Talker, "b" the baseline).
	Inject                []LaneKey
	Noise, Surgery, Clear key.Binding
	// Remove removes the injection acting at the selected step (the last
	// one made there); UndoInj and RedoInj undo and redo a change of the
	// injections (an injection, a removal, clear). u undoes a step.
	Remove, UndoInj, RedoInj key.Binding
	// Presenter switches the presenter mode (high contrast, a larger
	// tree, fewer panels).
	Presenter          key.Binding
	Toggle, Help, Quit key.Binding
	// Glossary explains the terms on the screen; Tour opens the guided tour.
	Glossary, Tour key.Binding
	// Breaks opens the breakpoint list; RunUntil steps until a breakpoint
	// holds; Stop cancels a run until. Fork opens the fork dialog at the
	// selected step, Unfork leaves the fork shown. Compare shows the run
	// against its clean run; Copy puts the jrx run command line of the
	// problem and injections in the status line and the clipboard.
	Breaks, RunUntil, Stop key.Binding
	Fork, Unfork, Compare  key.Binding
	Copy                   key.Binding
	// Batch applies the injections to fresh problems and shows the
	// lanes' verdict rates (dialog_batch.go).
	Batch key.Binding
}

// CompareKeys are the compare view's bindings: it scrolls like the help
// screen; Open picks a session file to compare the run with.
type CompareKeys struct {
	HelpKeys
	Open key.Binding
}

// BreaksKeys are the breakpoint list's bindings: typing edits the
// condition line (Edit), enter adds it.
type BreaksKeys struct {
	Add    key.Binding
	Move   key.Binding // select a condition (shown)
	Up     key.Binding // the keys of Move that go up
	Toggle key.Binding
	Delete key.Binding
	Close  key.Binding
	Edit   EditKeys
}

// BatchKeys are the batch dialog's bindings: Size changes the number of
// problems before Start; Stop cancels a running batch (its counts stay);
// Close closes the dialog (stopping the batch).
type BatchKeys struct {
	Size  key.Binding
	Less  key.Binding // the keys of Size that lower it
	Start key.Binding
	Close key.Binding
}

// ForkKeys are the fork dialog's bindings: a digit K forks onto the K-th
// hypothesis of the step's mixture, a letter onto that token's hypothesis,
// Top onto the latent with its top hypothesis projected out.
type ForkKeys struct {
	Hyp key.Binding
	Top key.Binding
	// Type: a token's letter forks onto that hypothesis (fork@T=X).
	Type   key.Binding
	Cancel key.Binding
}

// PickerKeys are the token picker's bindings.
type PickerKeys struct {
	Move    key.Binding // move the cursor (shown)
	Back    key.Binding // the keys of Move that move it back
	Type    key.Binding // a token's letter injects it
	EOS     key.Binding // "." injects the end token
	Confirm key.Binding
	Cancel  key.Binding
}

// NoiseKeys are the noise dialog's bindings.
type NoiseKeys struct {
	Sigma   key.Binding // change σ (shown)
	Less    key.Binding // the keys of Sigma that lower it
	Every   key.Binding
	Confirm key.Binding
	Cancel  key.Binding
}

// SurgeryKeys are the surgery dialog's bindings. Focus moves only with
// Field; what the other keys do depends on the field (the dialog's
// ShortHelp says it): on A or B a letter sets that token and Change
// cycles the tokens; on the weight digits type it and Change steps it by
// 0.1.
type SurgeryKeys struct {
	Type      key.Binding // a letter sets the token field (A or B)
	Field     key.Binding // next field (shown)
	FieldBack key.Binding // the keys of Field that go back
	Change    key.Binding // cycle the token, or step the weight (shown)
	Less      key.Binding // the keys of Change that go down
	Digit     key.Binding // type the weight (the weight field)
	Erase     key.Binding // erase the weight's last typed character
	Confirm   key.Binding
	Cancel    key.Binding
}

// InputKeys are the text input's bindings.
type InputKeys struct {
	Confirm, Cancel key.Binding
	Edit            EditKeys
}

// FilesKeys are the file picker's bindings (the keys of Up, Down, PageUp,
// PageDown, Top, Bottom, Back, Open and Select are bubbles' filepicker's
// KeyMap; Move and Page are what the help bar shows of them).
type FilesKeys struct {
	Move, Up, Down           key.Binding
	Page, PageUp, PageDown   key.Binding
	Top, Bottom              key.Binding
	Back, Open, Select, Type key.Binding
	Cancel                   key.Binding
}

// EditKeys are the line editor's bindings.
type EditKeys struct {
	Left, Right, Home, End           key.Binding
	Backspace, Delete                key.Binding
	CutBefore, CutAfter, CutWordBack key.Binding
}

// TogglesKeys are the panels-and-lanes menu's bindings (each item's own
// key is made from its ToggleItem).
type TogglesKeys struct{ Close key.Binding }

// HelpKeys are the help screen's bindings: it scrolls when the terminal
// is too short for it.
type HelpKeys struct {
	Close       key.Binding
	Scroll      key.Binding // a line up or down (shown)
	Up          key.Binding // the keys of Scroll that go up
	Page        key.Binding // a page up or down (shown)
	PageUp      key.Binding // the keys of Page that go up
	Top, Bottom key.Binding
}

// scroll is the offset of a scrolling overlay ov after k (a line, a page,
// the top or the bottom), kept within the overlay's range; any other key
// leaves it as it is (clamped).
func (ks HelpKeys) scroll(k tea.KeyPressMsg, off int, ov Overlay, c DialogCtx) int {
	_, rows, _ := overlayBox(ov, c.Width, c.Height)
	page := max(1, rows-1)
	switch {
	case key.Matches(k, ks.Scroll) && key.Matches(k, ks.Up):
		off--
	case key.Matches(k, ks.Scroll):
		off++
	case key.Matches(k, ks.Page) && key.Matches(k, ks.PageUp):
		off -= page
	case key.Matches(k, ks.Page):
		off += page
	case key.Matches(k, ks.Top):
		off = 0
	case key.Matches(k, ks.Bottom):
		off = ScrollMax(ov, c.Width, c.Height)
	}
	return max(0, min(off, ScrollMax(ov, c.Width, c.Height)))
}

// KeyState is what SetState needs to know.
type KeyState struct {
	Loading       bool // the model set is loading
	Fatal         bool // nothing to explore (the model set did not load)
	Dialog        bool // a dialog has the keys
	HasSet        bool // a model set is loaded
	HasSession    bool
	Taken, Steps  int
	Selected      int
	HasInjections bool
	InjectedHere  bool // an injection acts at the selected step
	CanUndoInj    bool
	CanRedoInj    bool
	HasPrevious   bool // a previous problem to go back to
	Running       bool // a run until is going on (Stop cancels it)
	Forked        bool // a fork is shown beside the run
}

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// DefaultKeyMap returns the key map with every binding enabled.
func DefaultKeyMap() KeyMap {
	b := bind
	enter := b([]string{"enter"}, "enter", "apply")
	esc := b([]string{"esc"}, "esc", "cancel")
	return KeyMap{
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c")),
		Main: MainKeys{
			Step:   b([]string{"space", "right", "l"}, "→/space", "step"),
			Prev:   b([]string{"left", "h"}, "←", "prev"),
			Undo:   b([]string{"backspace", "u"}, "u", "undo"),
			End:    b([]string{"e", "end"}, "e", "to end"),
			Reset:  b([]string{"r", "home"}, "r", "reset"),
			Jump:   b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, "1-9", "jump"),
			New:    b([]string{"n"}, "n", "new problem"),
			Back:   b([]string{"N"}, "N", "previous problem"),
			Prompt: b([]string{"p"}, "p", "type problem"),
			Save:   b([]string{"w"}, "w", "save"),
			Load:   b([]string{"o"}, "o", "open"),
			Inject: []LaneKey{
				{"talker", b([]string{"t"}, "t", "talker error")},
				{"baseline", b([]string{"b"}, "b", "baseline error")},
			},
			Noise:     b([]string{"z"}, "z", "noise"),
			Surgery:   b([]string{"m"}, "m", "surgery"),
			Clear:     b([]string{"c"}, "c", "clear"),
			Remove:    b([]string{"d"}, "d", "remove injection"),
			UndoInj:   b([]string{"ctrl+z"}, "ctrl+z", "undo injection"),
			RedoInj:   b([]string{"ctrl+y"}, "ctrl+y", "redo injection"),
			Presenter: b([]string{"P"}, "P", "presenter mode"),
			Toggle:    b([]string{"v"}, "v", "panels"),
			Help:      b([]string{"?"}, "?", "help"),
			Quit:      b([]string{"q", "ctrl+c"}, "q", "quit"),

			Glossary: b([]string{"g"}, "g", "glossary"),
			Tour:     b([]string{"T"}, "T", "guided tour"),

			Breaks:   b([]string{"B"}, "B", "breakpoints"),
			RunUntil: b([]string{">"}, ">", "run until"),
			Stop:     b([]string{"esc"}, "esc", "stop running"),
			Fork:     b([]string{"f"}, "f", "fork on hypothesis"),
			Unfork:   b([]string{"F"}, "F", "leave fork"),
			Compare:  b([]string{"D"}, "D", "compare clean"),
			Copy:     b([]string{"y"}, "y", "copy as command"),
			Batch:    b([]string{"A"}, "A", "on N problems"),
		},
		// A letter injects its token at once, q included (it is the letter
		// Q): one key per injection is the picker's point, and esc is its
		// way out; the hint says so.
		Picker: PickerKeys{
			Move:    b([]string{"left", "right", "up", "down", "tab", "shift+tab"}, "←↑↓→", "move"),
			Back:    key.NewBinding(key.WithKeys("left", "up", "shift+tab")),
			Type:    b(letters(), "A-Z", "inject that letter now (q is Q)"),
			EOS:     b([]string{"."}, ".", "inject EOS"),
			Confirm: b([]string{"enter"}, "enter", "inject"),
			Cancel:  esc,
		},
		Noise: NoiseKeys{
			Sigma:   b([]string{"left", "right", "up", "down", "-", "+", "="}, "←/→", "σ"),
			Less:    key.NewBinding(key.WithKeys("left", "down", "-")),
			Every:   b([]string{"a"}, "a", "this step / every step"),
			Confirm: b([]string{"enter"}, "enter", "inject"),
			Cancel:  esc,
		},
		Surgery: SurgeryKeys{
			Type:      b(letters(), "A-Z", "set the token"),
			Field:     b([]string{"tab", "shift+tab"}, "tab", "next field"),
			FieldBack: key.NewBinding(key.WithKeys("shift+tab")),
			Change:    b([]string{"right", "left", "up", "down", "+", "=", "-"}, "←/→", "cycle the token"),
			Less:      key.NewBinding(key.WithKeys("left", "down", "-")),
			Digit:     b([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "."}, "0-9 .", "type the weight"),
			Erase:     b([]string{"backspace"}, "backspace", "erase"),
			Confirm:   b([]string{"enter"}, "enter", "inject"),
			Cancel:    esc,
		},
		Input: InputKeys{
			Confirm: enter,
			Cancel:  esc,
			Edit: EditKeys{
				Left:        key.NewBinding(key.WithKeys("left", "ctrl+b")),
				Right:       key.NewBinding(key.WithKeys("right", "ctrl+f")),
				Home:        key.NewBinding(key.WithKeys("home", "ctrl+a")),
				End:         key.NewBinding(key.WithKeys("end", "ctrl+e")),
				Backspace:   key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
				Delete:      key.NewBinding(key.WithKeys("delete", "ctrl+d")),
				CutBefore:   b([]string{"ctrl+u"}, "ctrl+u", "clear (before the cursor)"),
				CutAfter:    key.NewBinding(key.WithKeys("ctrl+k")),
				CutWordBack: key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace")),
			},
		},
		Files: FilesKeys{
			Move:     b([]string{"down", "up", "ctrl+n", "ctrl+p"}, "↑/↓", "move"),
			Up:       key.NewBinding(key.WithKeys("up", "ctrl+p")),
			Down:     key.NewBinding(key.WithKeys("down", "ctrl+n")),
			Page:     b([]string{"pgdown", "pgup"}, "pgup/pgdn", "page"),
			PageUp:   key.NewBinding(key.WithKeys("pgup")),
			PageDown: key.NewBinding(key.WithKeys("pgdown")),
			Top:      b([]string{"home"}, "home", "first"),
			Bottom:   b([]string{"end"}, "end", "last"),
			Back:     b([]string{"left", "backspace"}, "←", "parent folder"),
			Open:     b([]string{"enter", "right"}, "enter", "open"),
			Select:   key.NewBinding(key.WithKeys("enter")),
			Type:     b([]string{"tab"}, "tab", "type a path"),
			Cancel:   esc,
		},
		Toggles: TogglesKeys{Close: b([]string{"esc", "v", "enter"}, "esc", "close")},
		Help: HelpKeys{
			Close:  b([]string{"esc", "?", "q"}, "esc", "close"),
			Scroll: b([]string{"down", "up", "j", "k"}, "↑/↓", "scroll"),
			Up:     key.NewBinding(key.WithKeys("up", "k")),
			Page:   b([]string{"pgdown", "pgup", "space", "b"}, "pgup/pgdn", "page"),
			PageUp: key.NewBinding(key.WithKeys("pgup", "b")),
			Top:    key.NewBinding(key.WithKeys("home", "g")),
			Bottom: key.NewBinding(key.WithKeys("end", "G")),
		},

		Glossary: DefaultGlossaryKeys(),
		Tour:     DefaultTourKeys(),
		Breaks: BreaksKeys{
			Add:    b([]string{"enter"}, "enter", "add (empty: close)"),
			Move:   b([]string{"up", "down"}, "↑/↓", "select"),
			Up:     key.NewBinding(key.WithKeys("up")),
			Toggle: b([]string{"tab"}, "tab", "on/off"),
			Delete: b([]string{"ctrl+x"}, "ctrl+x", "delete"),
			Close:  b([]string{"esc"}, "esc", "close"),
			Edit: EditKeys{
				Left:        key.NewBinding(key.WithKeys("left", "ctrl+b")),
				Right:       key.NewBinding(key.WithKeys("right", "ctrl+f")),
				Home:        key.NewBinding(key.WithKeys("home", "ctrl+a")),
				End:         key.NewBinding(key.WithKeys("end", "ctrl+e")),
				Backspace:   key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
				Delete:      key.NewBinding(key.WithKeys("delete", "ctrl+d")),
				CutBefore:   key.NewBinding(key.WithKeys("ctrl+u")),
				CutAfter:    key.NewBinding(key.WithKeys("ctrl+k")),
				CutWordBack: key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace")),
			},
		},
		Compare: CompareKeys{
			HelpKeys: HelpKeys{
				Close:  b([]string{"esc", "D", "q"}, "esc", "close"),
				Scroll: b([]string{"down", "up", "j", "k"}, "↑/↓", "scroll"),
				Up:     key.NewBinding(key.WithKeys("up", "k")),
				Page:   b([]string{"pgdown", "pgup", "space", "b"}, "pgup/pgdn", "page"),
				PageUp: key.NewBinding(key.WithKeys("pgup", "b")),
				Top:    key.NewBinding(key.WithKeys("home", "g")),
				Bottom: key.NewBinding(key.WithKeys("end", "G")),
			},
			Open: b([]string{"o"}, "o", "compare with a session file"),
		},
		Batch: BatchKeys{
			Size:  b([]string{"left", "right", "-", "+", "="}, "←/→", "number of problems"),
			Less:  key.NewBinding(key.WithKeys("left", "-")),
			Start: b([]string{"enter"}, "enter", "run"),
			Close: b([]string{"esc"}, "esc", "close (stops it)"),
		},
		Fork: ForkKeys{
			Hyp:    b([]string{"2", "3", "4", "5", "6", "7", "8", "9"}, "2-9", "the K-th hypothesis"),
			Top:    b([]string{"-"}, "-", "drop the top hypothesis"),
			Type:   b(letters(), "A-Z", "that token's hypothesis"),
			Cancel: esc,
		},
	}
}

// ForLanes fits the lane pickers to a model set's lanes: a binding for each
// lane that can be forced, in lane order, keeping the default keys ("t",
// "b") and giving a lane without one the first free letter of its
// injection name.
func (k *MainKeys) ForLanes(lanes []engine.LaneInfo) {
	used := map[string]bool{}
	for _, b := range k.all() {
		for _, s := range b.Keys() {
			used[s] = true
		}
	}
	var out []LaneKey
	for _, l := range lanes {
		if l.Inject == "" {
			continue
		}
		i := slices.IndexFunc(k.Inject, func(lk LaneKey) bool { return lk.Lane == l.Inject })
		if i >= 0 {
			out = append(out, k.Inject[i])
			continue
		}
		if s := freeKey(l.Inject, used); s != "" {
			used[s] = true
			out = append(out, LaneKey{l.Inject, bind([]string{s}, s, l.Inject+" error")})
		}
	}
	k.Inject = out
}

// all lists the main bindings other than the lane pickers, and the lane
// pickers.
func (k *MainKeys) all() []key.Binding {
	out := []key.Binding{k.Step, k.Prev, k.Undo, k.End, k.Reset, k.Jump, k.New, k.Back, k.Prompt, k.Save, k.Load,
		k.Noise, k.Surgery, k.Clear, k.Remove, k.UndoInj, k.RedoInj, k.Presenter, k.Toggle, k.Help, k.Quit, k.Glossary, k.Tour,
		k.Breaks, k.RunUntil, k.Stop, k.Fork, k.Unfork, k.Compare, k.Copy, k.Batch}
	for _, lk := range k.Inject {
		out = append(out, lk.Binding)
	}
	return out
}

// SetState enables the main bindings that work in st (none while a dialog
// has the keys).
func (k *MainKeys) SetState(st KeyState) {
	k.st = st
	main := !st.Dialog && !st.Fatal && !st.Loading && st.HasSet
	top := !st.Dialog // the main, error or loading screen has the keys
	on := func(b *key.Binding, v bool) { b.SetEnabled(v) }
	sess := main && st.HasSession
	on(&k.Step, sess && (st.Selected < st.Taken || st.Taken < st.Steps))
	on(&k.Prev, sess && st.Selected > 1)
	on(&k.Undo, sess && st.Taken > 0)
	on(&k.End, sess && st.Taken < st.Steps)
	on(&k.Reset, sess && st.Taken > 0)
	on(&k.Jump, sess && st.Steps > 0)
	on(&k.New, main)
	on(&k.Back, main && st.HasPrevious)
	on(&k.Prompt, main)
	on(&k.Save, sess)
	on(&k.Load, top && !st.Loading && st.HasSet)
	inj := sess && st.Selected >= 1
	k.Inject = slices.Clone(k.Inject) // copies of the key map keep their state
	for i := range k.Inject {
		on(&k.Inject[i].Binding, inj)
	}
	on(&k.Noise, inj)
	on(&k.Surgery, inj)
	on(&k.Clear, sess && st.HasInjections)
	on(&k.Remove, sess && st.InjectedHere)
	on(&k.UndoInj, sess && st.CanUndoInj)
	on(&k.RedoInj, sess && st.CanRedoInj)
	on(&k.Presenter, main)
	on(&k.Toggle, main)
	on(&k.Help, top && !st.Loading)
	on(&k.Quit, top)
	on(&k.Glossary, top && !st.Loading)
	on(&k.Tour, main)
	on(&k.Breaks, main)
	on(&k.RunUntil, sess && st.Taken < st.Steps && !st.Running)
	on(&k.Stop, sess && st.Running)
	on(&k.Fork, inj)
	on(&k.Unfork, sess && st.Forked)
	on(&k.Compare, sess)
	on(&k.Copy, sess)
	on(&k.Batch, sess && st.HasInjections && !st.Running)
}

// ShortHelp is the help bar of the main screen: the most useful keys that
// work now.
func (k MainKeys) ShortHelp() []key.Binding {
	if k.st.Fatal || k.st.Loading {
		return []key.Binding{k.Load, k.Help, k.Quit}
	}
	out := []key.Binding{k.Stop, k.Step, k.Prev, k.End}
	for _, lk := range k.Inject {
		out = append(out, lk.Binding)
	}
	return append(out, k.Clear, k.Remove, k.New, k.Undo, k.Reset, k.Noise, k.Surgery, k.UndoInj, k.Back, k.Prompt, k.Toggle, k.Help, k.Quit)
}

// FullHelp is the ? screen, in columns, every binding shown.
func (k MainKeys) FullHelp() [][]key.Binding {
	all := func(bs ...key.Binding) []key.Binding {
		out := make([]key.Binding, len(bs))
		for i, b := range bs {
			out[i] = b
			out[i].SetEnabled(true)
		}
		return out
	}
	var inj []key.Binding
	for _, lk := range k.Inject {
		inj = append(inj, lk.Binding)
	}
	return [][]key.Binding{
		all(k.Step, k.Prev, k.Undo, k.End, k.Reset, k.Jump, k.Breaks, k.RunUntil, k.Stop, k.Compare),
		all(append(inj, k.Noise, k.Surgery, k.Remove, k.Clear, k.UndoInj, k.RedoInj, k.Fork, k.Unfork, k.Batch)...),
		all(k.New, k.Back, k.Prompt, k.Save, k.Load, k.Copy, k.Toggle, k.Presenter, k.Help, k.Glossary, k.Tour, k.Quit),
	}
}

// letters are the keys a-z and A-Z.
func letters() []string {
	var out []string
	for c := 'a'; c <= 'z'; c++ {
		out = append(out, string(c), string(c-'a'+'A'))
	}
	return out
}
