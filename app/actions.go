package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/tasks"
	"jrx/views"
)

// What the main screen's bindings and the dialogs' actions do.

// mainKey handles a key press on the main screen (or the error and
// loading screens, whose bindings SetState leaves on).
func (m *Model) mainKey(k tea.KeyPressMsg) tea.Cmd {
	ks := &m.keys.Main
	switch {
	case key.Matches(k, ks.Quit):
		return tea.Quit
	case key.Matches(k, ks.Help):
		m.dialog = views.NewHelp(m.keys.Help, m.keys.Main)
	case key.Matches(k, ks.Glossary):
		m.dialog = views.NewGlossary(m.keys.Glossary)
	case key.Matches(k, ks.Tour):
		return m.openBuiltinTour()
	case key.Matches(k, ks.Toggle):
		m.dialog = views.NewToggles(m.keys.Toggles, m.frame)
	case key.Matches(k, ks.Step):
		if m.sel < m.frame.Taken() {
			m.sel++
			return nil
		}
		return m.enqueue(opStep())
	case key.Matches(k, ks.Prev):
		m.sel--
	case key.Matches(k, ks.Undo):
		return m.enqueue(opUndo(m.sel))
	case key.Matches(k, ks.End):
		return m.enqueue(opEnd())
	case key.Matches(k, ks.Reset):
		return m.enqueue(opReset())
	case key.Matches(k, ks.Jump):
		return m.jump(int(k.Code - '0'))
	case key.Matches(k, ks.New):
		return m.newProblem(m.opts.Seeds())
	case key.Matches(k, ks.Prompt):
		m.openInput(inputProblem, m.problem.Text)
	case key.Matches(k, ks.Save):
		m.openInput(inputSave, fmt.Sprintf("jrx-session-%d.json", m.seed))
	case key.Matches(k, ks.Load):
		m.openInput(inputOpen, "")
	case key.Matches(k, ks.Noise):
		m.dialog = views.NewNoise(m.keys.Noise, m.sel)
	case key.Matches(k, ks.Surgery):
		m.openSurgery()
	case key.Matches(k, ks.Clear):
		m.inj = nil
		return m.rebuild("injections cleared")
	default:
		for _, lk := range ks.Inject {
			if key.Matches(k, lk.Binding) {
				m.openPicker(lk.Lane)
			}
		}
	}
	return nil
}

// act does what a dialog asks.
func (m *Model) act(a views.Action) tea.Cmd {
	switch a := a.(type) {
	case views.Close:
		m.dialog = nil
	case views.Inject:
		m.dialog = nil
		return m.inject(a.Injection)
	case views.Submit:
		return m.submit(a)
	case views.ToggleShown:
		m.show.Toggle(a.Item)
	case views.TourGo, views.TourLeave:
		return m.tourAct(a)
	}
	return nil
}

// jump selects step t, running forward to it when it is not taken yet.
func (m *Model) jump(t int) tea.Cmd {
	if m.frame == nil || t < 1 || t > m.frame.Steps {
		return nil
	}
	if t <= m.frame.Taken() {
		m.sel = t
		return nil
	}
	return m.enqueue(opJump(t))
}

// candidates are the tokens a picker offers: the problem's hypotheses (the
// tree's letters, then EOS).
func (m *Model) candidates() []int {
	if m.problem.Instance == nil {
		return nil
	}
	return m.problem.Instance.Hypotheses()
}

// wrongDefault is the picker's first offer at a step for a lane of kind
// kind: a wrong token that shows what a token error does to that lane,
// taken from the task's natural mistakes. A coupled model is offered a
// premature end first (on the tree task it derails the baseline far more
// often than a wrong letter: see docs/CONTAINMENT.md), a Talker a skip
// (the Dual-Talker, guided by the latents, recovers from it), else the
// rival, else the first candidate that is not the truth. note says which
// mistake it is.
func (m *Model) wrongDefault(step int, kind engine.LaneKind) (tok int, note string) {
	truth := m.frame.Truth(step)
	if p := m.problem.Instance; p != nil {
		ms := p.Mistakes(step)
		order := []tasks.MistakeKind{tasks.Skip, tasks.Rival, tasks.End}
		if kind == engine.KindCoupled && step < m.frame.Steps-1 {
			order = []tasks.MistakeKind{tasks.End, tasks.Skip, tasks.Rival}
		}
		for _, k := range order {
			if mk, ok := tasks.MistakeOf(ms, k); ok && mk.Token != truth {
				return mk.Token, "First offer: " + mk.Label + "."
			}
		}
	}
	for _, c := range m.candidates() {
		if c != truth {
			return c, ""
		}
	}
	return 0, ""
}

// openPicker opens the token picker of the lane whose injection name is
// inject.
func (m *Model) openPicker(inject string) {
	i := slices.IndexFunc(m.frame.LaneInfo, func(l engine.LaneInfo) bool { return l.Inject == inject })
	if i < 0 {
		return
	}
	lane := m.frame.LaneInfo[i]
	items := m.candidates()
	def, note := m.wrongDefault(m.sel, lane.Kind)
	m.dialog = views.Picker{Keys: m.keys.Picker, Lane: lane, Step: m.sel, Items: items,
		TrueTok: m.frame.Truth(m.sel), Cursor: max(0, slices.Index(items, def)), Note: note}
}

func (m *Model) openSurgery() {
	cands := m.candidates()
	if len(cands) == 0 {
		return
	}
	a := m.frame.Truth(m.sel)
	if a < 0 {
		a = cands[0]
	}
	b, _ := m.wrongDefault(m.sel, engine.KindTalker)
	if _, rival, ok := m.problem.Instance.Rival(m.sel); ok {
		b = rival
	}
	m.dialog = views.Surgery{Keys: m.keys.Surgery, Step: m.sel, A: a, B: b, Weight: 0.5, Cands: cands}
}

// Input purposes.
const (
	inputProblem = "problem"
	inputSave    = "save"
	inputOpen    = "open"
)

func (m *Model) openInput(purpose, value string) {
	var title, hint string
	switch purpose {
	case inputProblem:
		title = "Type or paste a problem"
		hint = fmt.Sprintf("The problem's text form; the models were trained on %s. enter opens it · esc cancels", m.set.Task.Distribution())
	case inputSave:
		title = "Save the session to"
		hint = "A JSON session file (problem, injections, every snapshot). enter saves · esc cancels"
	case inputOpen:
		title = "Open a session file"
		hint = "Replays it on this model set and checks every latent bit for bit. enter opens · esc cancels"
	}
	m.dialog = views.NewInput(m.keys.Input, purpose, title, hint, value)
}

// inject adds in (replacing one of the same kind at the same step) and
// re-runs.
func (m *Model) inject(in engine.Injection) tea.Cmd {
	out := m.inj[:0:0]
	for _, old := range m.inj {
		if old.Kind == in.Kind && old.Step == in.Step && old.Lane == in.Lane {
			continue
		}
		out = append(out, old)
	}
	m.inj = append(out, in)
	return m.rebuild("")
}

// submit acts on the text of an input dialog: it closes the dialog, or
// keeps it open with the reason the text does not do.
func (m *Model) submit(a views.Submit) tea.Cmd {
	refuse := func(why string) tea.Cmd {
		if in, ok := m.dialog.(views.Input); ok {
			m.dialog = in.WithErr(why)
		}
		return nil
	}
	text := a.Text
	switch a.Purpose {
	case inputProblem:
		p, err := engine.ParseProblem(m.set.Task, text, m.seed)
		if err != nil {
			return refuse(DescribeParseError(text, err, 56))
		}
		if err := m.set.Task.InDistribution(p.Instance); err != nil {
			m.setInfo("note: outside the training distribution: " + err.Error())
		}
		m.dialog = nil
		m.startJob("building the typed problem")
		return buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, true, "")
	case inputSave:
		if text == "" {
			return refuse("type a file name")
		}
		m.dialog = nil
		return m.enqueue(opSave(filepath.Clean(text), m.sel))
	case inputOpen:
		if text == "" {
			return refuse("type the path of a session file")
		}
		m.dialog = nil
		m.startJob("replaying " + text)
		return openRecord(m.gen, m.set, filepath.Clean(text))
	}
	m.dialog = nil
	return nil
}

// DescribeParseError shows a problem's parse error (a *tasks.ParseError)
// under the text with a caret at the offending place, in lines of at most
// w cells; other errors are returned as they are.
func DescribeParseError(text string, err error, w int) string {
	var pe *tasks.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	r := []rune(text)
	off := max(0, min(pe.Offset, len(r)))
	// A window of the text around the offset.
	from := max(0, min(off-w/2, len(r)-w))
	to := min(len(r), from+w)
	line := string(r[from:to])
	caret := strings.Repeat(" ", off-from) + "^"
	where := fmt.Sprintf("at character %d", pe.Offset+1)
	if pe.Piece != "" {
		where += fmt.Sprintf(" (%q)", pe.Piece)
	}
	return line + "\n" + caret + "\n" + where + ": " + pe.Msg
}
