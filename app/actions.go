package app

import (
	"errors"
	"fmt"
	"os"
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
	if m.acts(k) {
		// A message says what the last action did; the next one clears it.
		m.setInfo("")
	}
	switch {
	case key.Matches(k, ks.Quit):
		return tea.Quit
	case key.Matches(k, ks.Help):
		m.dialog = views.NewHelp(m.keys.Help, m.keys.Main).Resize(m.w, m.h)
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
	case key.Matches(k, ks.Back):
		return m.goBack()
	case key.Matches(k, ks.Prompt):
		m.openInput(inputProblem, m.problem.Text)
	case key.Matches(k, ks.Save):
		m.openInput(inputSave, fmt.Sprintf("jrx-session-%d.json", m.seed))
	case key.Matches(k, ks.Load):
		return m.openFiles()
	case key.Matches(k, ks.Presenter):
		m.setPresenter(!m.presenter)
	case key.Matches(k, ks.Noise):
		m.dialog = views.NewNoise(m.keys.Noise, m.sel)
	case key.Matches(k, ks.Surgery):
		m.openSurgery()
	case key.Matches(k, ks.Clear):
		return m.changeInj(nil, "injections cleared")
	case key.Matches(k, ks.Remove):
		i := injectionAt(m.inj, m.sel)
		if i < 0 {
			return nil
		}
		removed := m.inj[i]
		return m.changeInj(slices.Delete(slices.Clone(m.inj), i, i+1), "removed "+removed.String())
	case key.Matches(k, ks.UndoInj):
		return m.undoInj()
	case key.Matches(k, ks.RedoInj):
		return m.redoInj()
	case key.Matches(k, ks.Breaks):
		m.dialog = views.NewBreaks(m.keys.Breaks, m.breaks)
	case key.Matches(k, ks.RunUntil):
		return m.runUntil()
	case key.Matches(k, ks.Stop):
		if m.batch != nil {
			m.stopBatch()
			return nil
		}
		m.stopUntil()
	case key.Matches(k, ks.Fork):
		m.dialog = views.NewFork(m.keys.Fork, m.sel)
	case key.Matches(k, ks.Unfork):
		m.unfork()
	case key.Matches(k, ks.Compare):
		m.dialog = views.NewCompare(m.keys.Compare).Of(m.frame).Resize(m.w, m.h)
	case key.Matches(k, ks.Copy):
		return m.copyCommand()
	case key.Matches(k, ks.Batch):
		m.openBatch()
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
		if _, ok := m.dialog.(views.Batch); ok {
			m.stopBatch()
		}
		m.dialog = nil
	case views.Inject:
		m.dialog = nil
		if a.Injection.Kind == engine.Fork {
			return m.startFork(a.Injection)
		}
		return m.inject(a.Injection)
	case views.SetBreaks:
		m.breaks = a.List
	case views.StartBatch:
		return m.startBatch(a.N)
	case views.OpenCompare:
		d, cmd := views.NewFiles(m.keys.Files, m.input(inputCompare, ""), ".", m.styles, m.h)
		m.dialog = d
		return cmd
	case views.Submit:
		return m.submit(a)
	case views.ToggleShown:
		m.show.Toggle(a.Item)
	case views.TourGo, views.TourLeave:
		return m.tourAct(a)
	case views.Run:
		return a.Cmd
	}
	return nil
}

// acts reports whether k is a main-screen binding that does something now.
func (m *Model) acts(k tea.KeyPressMsg) bool {
	ks := m.keys.Main
	bs := []key.Binding{ks.Step, ks.Prev, ks.Undo, ks.End, ks.Reset, ks.Jump, ks.New, ks.Back, ks.Prompt, ks.Save, ks.Load,
		ks.Noise, ks.Surgery, ks.Clear, ks.Remove, ks.UndoInj, ks.RedoInj, ks.Presenter, ks.Toggle, ks.Help,
		ks.Breaks, ks.RunUntil, ks.Fork, ks.Unfork, ks.Compare, ks.Batch}
	for _, lk := range ks.Inject {
		bs = append(bs, lk.Binding)
	}
	return key.Matches(k, bs...)
}

// injectionAt is the index of the last injection in inj acting at step t
// (noise on every step acts at every step), or -1.
func injectionAt(inj []engine.Injection, t int) int {
	if t < 1 {
		return -1
	}
	for i := len(inj) - 1; i >= 0; i-- {
		if inj[i].Step == t || (inj[i].Step == 0 && inj[i].Kind == engine.Noise) {
			return i
		}
	}
	return -1
}

// maxInjUndo bounds the injection changes that can be undone.
const maxInjUndo = 100

// changeInj makes inj the injections (remembering the old ones for
// undo) and re-runs.
func (m *Model) changeInj(inj []engine.Injection, note string) tea.Cmd {
	m.injUndo = append(m.injUndo, slices.Clone(m.inj))
	if len(m.injUndo) > maxInjUndo {
		m.injUndo = m.injUndo[1:]
	}
	m.injRedo = nil
	m.inj = inj
	return m.rebuild(note)
}

func (m *Model) undoInj() tea.Cmd {
	n := len(m.injUndo)
	if n == 0 {
		return nil
	}
	m.injRedo = append(m.injRedo, slices.Clone(m.inj))
	m.inj = m.injUndo[n-1]
	m.injUndo = m.injUndo[:n-1]
	return m.rebuild("injection change undone")
}

func (m *Model) redoInj() tea.Cmd {
	n := len(m.injRedo)
	if n == 0 {
		return nil
	}
	m.injUndo = append(m.injUndo, slices.Clone(m.inj))
	m.inj = m.injRedo[n-1]
	m.injRedo = m.injRedo[:n-1]
	return m.rebuild("injection change redone")
}

// remember keeps the problem on screen (with its injections and steps) for
// N, before another replaces it.
func (m *Model) remember() {
	if m.frame == nil || m.problem.Instance == nil {
		return
	}
	m.previous = append(m.previous, shown{problem: m.problem, inj: slices.Clone(m.inj), typed: m.typed, taken: m.frame.Taken(), sel: m.sel})
	if len(m.previous) > maxPrevious {
		m.previous = m.previous[1:]
	}
}

// goBack reopens the previous problem, as it was.
func (m *Model) goBack() tea.Cmd {
	n := len(m.previous)
	if n == 0 || m.set == nil {
		return nil
	}
	p := m.previous[n-1]
	m.previous = m.previous[:n-1]
	m.startJob("going back to the previous problem")
	return fresh(buildSession(m.gen, m.set, p.problem, p.inj, m.opts.Session, p.taken, p.sel, p.typed, "back to the previous problem"), true)
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
	inputCompare = "compare"
)

func (m *Model) openInput(purpose, value string) {
	m.dialog = m.input(purpose, value)
}

// input is the text input for purpose, holding value. Its hint says what
// the text is; the keys' hints come from its bindings.
func (m *Model) input(purpose, value string) views.Input {
	var title, hint string
	keys := m.keys.Input
	switch purpose {
	case inputProblem:
		title = "Type or paste a problem"
		hint = fmt.Sprintf("The problem's text form; the models were trained on %s, e.g. %s",
			m.set.Task.Distribution(), tasks.Example(m.set.Task))
		keys.Confirm.SetHelp("enter", "open it")
	case inputSave:
		title = "Save the session to"
		hint = "A JSON session file (problem, injections, every snapshot); ~ is your home folder."
		keys.Confirm.SetHelp("enter", "save")
	case inputOpen:
		title = "Open a session file"
		hint = "Replays it on this model set and checks every latent bit for bit; ~ is your home folder."
		keys.Confirm.SetHelp("enter", "open")
	case inputCompare:
		title = "Compare the run with a session file"
		hint = "Its snapshots against the run's, step by step (what jrx diff prints); ~ is your home folder."
		keys.Confirm.SetHelp("enter", "compare")
	}
	return views.NewInput(keys, purpose, title, hint, value)
}

// openFiles opens the file picker of session files in the working
// directory.
func (m *Model) openFiles() tea.Cmd {
	d, cmd := views.NewFiles(m.keys.Files, m.input(inputOpen, ""), ".", m.styles, m.h)
	m.dialog = d
	return cmd
}

// expandPath expands a leading ~ (your home folder) and cleans the path.
func expandPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot expand ~: %w", err)
		}
		p = filepath.Join(home, p[1:])
	} else if strings.HasPrefix(p, "~") {
		return "", fmt.Errorf("%s: only ~ (your home folder) is expanded, not ~user", p)
	}
	return filepath.Clean(p), nil
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
	return m.changeInj(append(out, in), "")
}

// submit acts on the text of an input dialog: it closes the dialog, or
// keeps it open with the reason the text does not do (or a question), or
// keeps it open while a job acts on the text (save, open: the job's error
// comes back into it).
func (m *Model) submit(a views.Submit) tea.Cmd {
	if a.Purpose == views.BreakPurpose {
		return m.addBreak(a.Text)
	}
	in, ok := m.dialog.(views.Input)
	if !ok {
		// The file picker chose a file: the text input of its path shows
		// while it opens, and takes the error if it does not.
		in = m.input(a.Purpose, a.Text)
	}
	refuse := func(why string) tea.Cmd {
		m.dialog = in.WithErr(why)
		return nil
	}
	text := a.Text
	switch a.Purpose {
	case inputProblem:
		p, err := engine.ParseProblem(m.set.Task, text, m.seed)
		if err != nil {
			return refuse(DescribeParseError(text, err, 56))
		}
		if n := in.Dropped(); n > 0 {
			return refuse(fmt.Sprintf("the text was cut at %d characters (%d dropped); a problem that long is not one the models can read", views.InputLimit, n))
		}
		m.dialog = nil
		m.startJob("building the typed problem")
		return fresh(buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, true, ""), false)
	case inputSave:
		if text == "" {
			return refuse("type a file name")
		}
		path, err := expandPath(text)
		if err != nil {
			return refuse(err.Error())
		}
		if dir := filepath.Dir(path); !isDir(dir) {
			return refuse(fmt.Sprintf("no folder %s: save into a folder that exists", dir))
		}
		if fi, err := os.Stat(path); err == nil {
			if fi.IsDir() {
				return refuse(path + " is a folder: add a file name")
			}
			if !a.Confirmed {
				m.dialog = in.AskConfirm(path + " exists: press enter again to overwrite it, or change the name")
				return nil
			}
		}
		m.dialog = in.WithErr("")
		m.awaiting = inputSave
		return m.enqueue(opSave(path, m.sel))
	case inputOpen:
		if text == "" {
			return refuse("type the path of a session file")
		}
		path, err := expandPath(text)
		if err != nil {
			return refuse(err.Error())
		}
		m.dialog = in.WithErr("")
		m.awaiting = inputOpen
		m.startJob("replaying " + path)
		return fresh(openRecord(m.gen, m.set, path), false)
	case inputCompare:
		if text == "" {
			return refuse("type the path of a session file")
		}
		path, err := expandPath(text)
		if err != nil {
			return refuse(err.Error())
		}
		m.dialog = in.WithErr("")
		m.awaiting = inputCompare
		return m.enqueue(opCompareFile(path, m.sel))
	}
	m.dialog = nil
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
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
