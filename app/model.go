package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/tasks"
	"jrx/views"
)

// Options configure the explorer.
type Options struct {
	// ModelDir is the model set's directory; "" is the embedded default.
	ModelDir string
	// Seed generates the first problem (and seeds noise); 0 picks one at
	// random (shown in the status line, so it can be reproduced).
	Seed uint64
	// Prompt is a problem in text form to open instead of a generated one.
	Prompt string
	// NoColor draws without colour (NO_COLOR).
	NoColor bool
	// Load loads a model set (default engine.Load); tests inject one.
	Load func(dir string) (*engine.Set, error)
	// Seeds draws the seed of each new problem (default: random).
	Seeds func() uint64
	// Session sets the read-out sizes.
	Session engine.Options
}

// maxQueue bounds the ops waiting for the session (keys pressed faster
// than the engine steps).
const maxQueue = 32

// Input purposes.
const (
	inputProblem = iota
	inputSave
	inputOpen
)

// Model is the explorer's root Bubble Tea model.
type Model struct {
	opts   Options
	w, h   int
	dark   bool
	styles *views.Styles
	keys   views.KeyMap
	help   help.Model
	show   views.Visibility

	set     *engine.Set
	fatal   string
	loadErr error

	// The session is only used inside commands; Update passes it on.
	sess    *engine.Session
	frame   *views.Frame
	problem engine.Problem
	inj     []engine.Injection
	seed    uint64
	typed   bool
	sel     int

	gen      int  // bumped by superseding jobs
	inflight bool // a command owns the session
	queue    []op
	busy     string

	mode      views.Mode
	dialog    views.Dialog
	input     lineEdit
	inputKind int

	status views.Status
}

// New returns the explorer's model; Init loads the model set.
func New(opts Options) *Model {
	if opts.Load == nil {
		opts.Load = engine.Load
	}
	if opts.Seeds == nil {
		opts.Seeds = func() uint64 { return rand.Uint64()%1_000_000 + 1 }
	}
	m := &Model{opts: opts, dark: true, keys: views.DefaultKeyMap(), help: help.New(), show: views.AllVisible(), mode: views.ModeLoading}
	m.setStyles()
	m.input.limit = 4096
	m.seed = opts.Seed
	m.status.Model = "embedded"
	if opts.ModelDir != "" {
		m.status.Model = termsafe.Line(filepath.Base(filepath.Clean(opts.ModelDir)))
	}
	return m
}

func (m *Model) setStyles() {
	if m.opts.NoColor {
		m.styles = views.PlainStyles()
	} else {
		m.styles = views.NewStyles(m.dark)
	}
	m.help.Styles = m.styles.Help
}

// Init asks for the background colour and loads the model set.
func (m *Model) Init() tea.Cmd {
	m.gen++
	m.inflight = true
	m.busy = "loading the model set"
	cmds := []tea.Cmd{loadSet(m.gen, m.opts.Load, m.opts.ModelDir)}
	if !m.opts.NoColor {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = max(0, msg.Width), max(0, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.setStyles()
		return m, nil
	case setMsg:
		return m, m.onSet(msg)
	case sessionMsg:
		return m, m.onSession(msg)
	case tea.KeyPressMsg:
		m.syncKeys()
		return m, m.onKey(msg)
	case tea.PasteMsg:
		if m.mode == views.ModeInput {
			m.input.insert(msg.Content)
			m.dialog.Err = ""
			return m, nil
		}
		if m.mode == views.ModeMain && m.set != nil {
			// A problem pasted on the main screen opens the problem input.
			m.openInput(inputProblem, strings.TrimSpace(msg.Content))
		}
		return m, nil
	case tea.MouseClickMsg:
		return m, m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		if m.mode == views.ModeMain && m.frame != nil {
			switch msg.Mouse().Button {
			case tea.MouseWheelUp, tea.MouseWheelLeft:
				m.sel = max(min(1, m.frame.Taken()), m.sel-1)
			case tea.MouseWheelDown, tea.MouseWheelRight:
				m.sel = min(m.frame.Taken(), m.sel+1)
			}
		}
		return m, nil
	}
	return m, nil
}

func (m *Model) onSet(msg setMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil
	}
	m.inflight = false
	m.busy = ""
	if msg.err != nil {
		m.loadErr = msg.err
		m.fatal = termsafe.String(fmt.Sprintf("Cannot load the model set: %v", msg.err))
		m.mode = views.ModeFatal
		return nil
	}
	m.set = msg.set
	m.status.Depth = m.set.Depth()
	m.status.Model = m.set.Source
	if m.set.Source != "embedded" {
		m.status.Model = termsafe.Line(filepath.Base(filepath.Clean(m.set.Source)))
	}
	m.mode = views.ModeMain
	if m.seed == 0 {
		m.seed = m.opts.Seeds()
	}
	if m.opts.Prompt != "" {
		p, err := engine.ParseProblem(m.set.Task, m.opts.Prompt, m.seed)
		if err == nil {
			m.startJob("building the problem")
			return buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, true, "")
		}
		m.setError(fmt.Errorf("--prompt: %w; a generated problem is shown instead", err))
	}
	return m.newProblem(m.seed)
}

// startJob begins superseding work: a new generation (so results of
// older work are dropped) and an empty queue. Build the job's command with
// m.gen after calling it.
func (m *Model) startJob(label string) {
	m.gen++
	m.queue = nil
	m.inflight = true
	m.busy = label
}

func (m *Model) newProblem(seed uint64) tea.Cmd {
	p := engine.NewProblem(m.set.Task, seed)
	m.startJob(fmt.Sprintf("building problem %d", seed))
	return buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, false, "")
}

func (m *Model) rebuild(note string) tea.Cmd {
	if m.set == nil || m.problem.Instance == nil {
		return nil
	}
	taken := m.frame.Taken()
	label := "re-running with the injections"
	if len(m.inj) == 0 {
		label = "re-running without injections"
	}
	m.startJob(label)
	return buildSession(m.gen, m.set, m.problem, slices.Clone(m.inj), m.opts.Session, taken, m.sel, m.typed, note)
}

// enqueue adds an op on the current session and starts it if nothing
// else owns the session.
func (m *Model) enqueue(o op) tea.Cmd {
	if m.sess == nil && !m.inflight {
		return nil
	}
	if len(m.queue) >= maxQueue {
		m.setError(errors.New("busy: too many keys queued; wait for the engine"))
		return nil
	}
	m.queue = append(m.queue, o)
	return m.next()
}

// next starts the first queued op when the session is free.
func (m *Model) next() tea.Cmd {
	if m.inflight || len(m.queue) == 0 || m.sess == nil {
		if !m.inflight {
			m.busy = ""
		}
		return nil
	}
	o := m.queue[0]
	m.queue = m.queue[1:]
	m.inflight = true
	m.busy = o.label
	return runOp(m.gen, m.sess, o)
}

func (m *Model) onSession(msg sessionMsg) tea.Cmd {
	if msg.gen != m.gen {
		return nil // superseded
	}
	m.inflight = false
	if msg.err != nil {
		m.setError(msg.err)
	} else if msg.warn != nil {
		m.setError(msg.warn)
	} else if msg.note != "" {
		m.setInfo(msg.note)
	} else if msg.replace {
		m.status.Message = ""
	}
	if msg.frame != nil && msg.sess != nil {
		m.sess = msg.sess
		m.frame = msg.frame
		m.sel = max(0, min(msg.sel, msg.frame.Taken()))
		if msg.replace {
			m.problem = msg.sess.Problem
			m.inj = msg.frame.Injections
			m.seed = msg.seed
			m.typed = msg.typed
		}
	} else if msg.replace && m.frame != nil {
		// The job failed: go back to the injections the frame shows.
		m.inj = m.frame.Injections
	}
	return m.next()
}

// setError and setInfo are where messages enter the status line; a
// message may quote a file (a session file's fields, a path), so it is
// made safe for the terminal here.
func (m *Model) setError(err error) {
	m.status.Message = termsafe.Line(firstLine(err.Error()))
	m.status.IsError = true
}

func (m *Model) setInfo(s string) {
	m.status.Message = termsafe.Line(s)
	m.status.IsError = false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// keyState is what decides which keys work.
func (m *Model) keyState() views.KeyState {
	st := views.KeyState{Mode: m.mode, HasSet: m.set != nil, HasSession: m.frame != nil, Selected: m.sel, HasInjections: len(m.inj) > 0}
	if m.frame != nil {
		st.Taken, st.Steps = m.frame.Taken(), m.frame.Steps
	}
	return st
}

func (m *Model) syncKeys() { m.keys.SetState(m.keyState()) }

// onKey routes a key press: ctrl+c always quits; otherwise the open
// dialog, or the main screen, gets it.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	switch m.mode {
	case views.ModeMain:
		return m.mainKey(k)
	case views.ModeFatal, views.ModeLoading:
		switch {
		case key.Matches(k, m.keys.Quit):
			return tea.Quit
		case key.Matches(k, m.keys.Help) && m.mode == views.ModeFatal:
			m.mode = views.ModeHelp
		}
		return nil
	case views.ModeHelp:
		if key.Matches(k, m.keys.Close) {
			m.mode = m.baseMode()
		}
		return nil
	case views.ModeToggles:
		if k.String() == "esc" || k.String() == "v" || k.String() == "enter" {
			m.mode = views.ModeMain
			return nil
		}
		m.show.ToggleKey(k.String())
		return nil
	case views.ModePicker:
		return m.pickerKey(k)
	case views.ModeNoise:
		return m.noiseKey(k)
	case views.ModeSurgery:
		return m.surgeryKey(k)
	case views.ModeInput:
		return m.inputKey(k)
	}
	return nil
}

func (m *Model) baseMode() views.Mode {
	if m.fatal != "" {
		return views.ModeFatal
	}
	if m.set == nil {
		return views.ModeLoading
	}
	return views.ModeMain
}

func (m *Model) mainKey(k tea.KeyPressMsg) tea.Cmd {
	ks := m.keys
	taken := m.frame.Taken()
	switch {
	case key.Matches(k, ks.Quit):
		return tea.Quit
	case key.Matches(k, ks.Help):
		m.mode = views.ModeHelp
	case key.Matches(k, ks.Toggle):
		m.mode = views.ModeToggles
	case key.Matches(k, ks.Step):
		if m.sel < taken {
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
	case key.Matches(k, ks.Talker):
		m.openPicker("talker")
	case key.Matches(k, ks.Baseline):
		m.openPicker("baseline")
	case key.Matches(k, ks.Noise):
		m.mode = views.ModeNoise
		m.dialog = views.Dialog{Step: m.sel, Sigmas: []float64{0.05, 0.1, 0.2, 0.5, 1}, SigmaIdx: 2}
	case key.Matches(k, ks.Surgery):
		m.openSurgery()
	case key.Matches(k, ks.Clear):
		m.inj = nil
		return m.rebuild("injections cleared")
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

// wrongDefault is the picker's first offer at a step: a wrong token that
// shows what a token error does to that lane, taken from the task's natural
// mistakes. A coupled model is offered a premature end first (on the tree
// task it derails the baseline far more often than a wrong letter: see
// docs/CONTAINMENT.md), a Talker a skip (the Dual-Talker, guided by the
// latents, recovers from it), else the rival, else the first candidate that
// is not the truth. note says which mistake it is.
func (m *Model) wrongDefault(step int, lane string) (tok int, note string) {
	truth := m.frame.Truth(step)
	if p := m.problem.Instance; p != nil {
		ms := p.Mistakes(step)
		order := []tasks.MistakeKind{tasks.Skip, tasks.Rival, tasks.End}
		if info, ok := m.set.LaneByInject(lane); ok && info.Kind == engine.KindCoupled && step < m.frame.Steps-1 {
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

func (m *Model) openPicker(lane string) {
	items := m.candidates()
	def, note := m.wrongDefault(m.sel, lane)
	target := lane
	if info, ok := m.set.LaneByInject(lane); ok {
		target = info.Label
		if info.Name == engine.LaneDual {
			target = "Dual-Talker"
		}
	}
	m.dialog = views.Dialog{Step: m.sel, Target: target, Lane: lane, Items: items, TrueTok: m.frame.Truth(m.sel), Cursor: max(0, slices.Index(items, def)), Note: note}
	m.mode = views.ModePicker
}

func (m *Model) openSurgery() {
	a := m.frame.Truth(m.sel)
	if a < 0 {
		a = m.candidates()[0]
	}
	b, _ := m.wrongDefault(m.sel, "talker")
	if m.problem.Instance != nil {
		if _, rival, ok := m.problem.Instance.Rival(m.sel); ok {
			b = rival
		}
	}
	m.dialog = views.Dialog{Step: m.sel, A: a, B: b, Weight: 0.5}
	m.mode = views.ModeSurgery
}

func (m *Model) openInput(kind int, value string) {
	m.inputKind = kind
	m.mode = views.ModeInput
	m.input.set(value)
	m.dialog = views.Dialog{}
	switch kind {
	case inputProblem:
		m.dialog.Title = "Type or paste a problem"
		m.dialog.Hint = "Edges, root and target, e.g. NL,NO,LJ,LI,OA,OM[ROOT]N[TARGET]J (the trees the model was trained on: complete, " +
			fmt.Sprintf("%d levels). enter opens it · esc cancels", m.set.Depth())
	case inputSave:
		m.dialog.Title = "Save the session to"
		m.dialog.Hint = "A JSON session file (problem, injections, every snapshot). enter saves · esc cancels"
	case inputOpen:
		m.dialog.Title = "Open a session file"
		m.dialog.Hint = "Replays it on this model set and checks every latent bit for bit. enter opens · esc cancels"
	}
}

// inject adds in (replacing one of the same kind at the same step) and
// re-runs.
func (m *Model) inject(in engine.Injection) tea.Cmd {
	m.mode = views.ModeMain
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

// tokenOf reads a typed key as a one-character token of the vocabulary
// ("a" is A on the tree task).
func (m *Model) tokenOf(k tea.KeyPressMsg) (int, bool) {
	if len(k.Text) != 1 || m.set == nil || k.Text == " " {
		return 0, false
	}
	v := m.set.Task.Vocab()
	id, ok := v.Lookup(k.Text)
	if !ok || len([]rune(v.Sym(id))) != 1 {
		return 0, false
	}
	return id, true
}

func (m *Model) pickerKey(k tea.KeyPressMsg) tea.Cmd {
	d := &m.dialog
	n := len(d.Items)
	switch k.String() {
	case "esc":
		m.mode = views.ModeMain
		return nil
	case "enter":
		return m.pick(d.Items[d.Cursor])
	case "left", "up", "shift+tab":
		d.Cursor = (d.Cursor + n - 1) % n
		return nil
	case "right", "down", "tab":
		d.Cursor = (d.Cursor + 1) % n
		return nil
	}
	if tok, ok := m.tokenOf(k); ok {
		return m.pick(tok)
	}
	if k.Text == "." && m.set != nil {
		return m.pick(m.set.Task.Vocab().EOS())
	}
	return nil
}

func (m *Model) pick(tok int) tea.Cmd {
	return m.inject(engine.ForceToken(m.dialog.Lane, m.dialog.Step, tok, m.set.Task.Vocab()))
}

func (m *Model) noiseKey(k tea.KeyPressMsg) tea.Cmd {
	d := &m.dialog
	switch k.String() {
	case "esc":
		m.mode = views.ModeMain
	case "left", "down", "-":
		d.SigmaIdx = max(0, d.SigmaIdx-1)
	case "right", "up", "+", "=":
		d.SigmaIdx = min(len(d.Sigmas)-1, d.SigmaIdx+1)
	case "a":
		d.Every = !d.Every
	case "enter":
		step := d.Step
		if d.Every {
			step = 0
		}
		return m.inject(engine.Injection{Kind: engine.Noise, Step: step, Sigma: d.Sigmas[d.SigmaIdx]})
	}
	return nil
}

func (m *Model) surgeryKey(k tea.KeyPressMsg) tea.Cmd {
	d := &m.dialog
	cands := m.candidates()
	cycle := func(tok, by int) int {
		i := slices.Index(cands, tok)
		return cands[(max(0, i)+by+len(cands))%len(cands)]
	}
	switch k.String() {
	case "esc":
		m.mode = views.ModeMain
	case "tab":
		d.Field = (d.Field + 1) % 3
	case "shift+tab":
		d.Field = (d.Field + 2) % 3
	case "left", "right", "up", "down", "-", "+", "=":
		by := 1
		if s := k.String(); s == "left" || s == "down" || s == "-" {
			by = -1
		}
		switch d.Field {
		case 0:
			d.A = cycle(d.A, by)
		case 1:
			d.B = cycle(d.B, by)
		default:
			d.Weight = float64(max(0, min(10, int(d.Weight*10+0.5)+by))) / 10
		}
	case "enter":
		return m.inject(engine.Injection{Kind: engine.Surgery, Step: d.Step,
			Mix: []engine.MixTerm{{Weight: d.Weight, Token: d.A, Sym: m.set.Task.Vocab().Sym(d.A)}, {Weight: 1 - d.Weight, Token: d.B, Sym: m.set.Task.Vocab().Sym(d.B)}}})
	default:
		if tok, ok := m.tokenOf(k); ok && d.Field < 2 {
			if d.Field == 0 {
				d.A = tok
			} else {
				d.B = tok
			}
			d.Field++
		}
	}
	return nil
}

func (m *Model) inputKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.mode = views.ModeMain
		return nil
	case "enter":
		return m.submitInput()
	}
	if m.input.key(k) {
		m.dialog.Err = ""
	}
	return nil
}

func (m *Model) submitInput() tea.Cmd {
	text := strings.TrimSpace(m.input.String())
	switch m.inputKind {
	case inputProblem:
		p, err := engine.ParseProblem(m.set.Task, text, m.seed)
		if err != nil {
			m.dialog.Err = DescribeParseError(text, err, 56)
			return nil
		}
		if err := m.set.Task.InDistribution(p.Instance); err != nil {
			m.setInfo("note: outside the training distribution: " + err.Error())
		}
		m.mode = views.ModeMain
		m.startJob("building the typed problem")
		return buildSession(m.gen, m.set, p, nil, m.opts.Session, 0, 0, true, "")
	case inputSave:
		if text == "" {
			m.dialog.Err = "type a file name"
			return nil
		}
		m.mode = views.ModeMain
		return m.enqueue(opSave(filepath.Clean(text), m.sel))
	case inputOpen:
		if text == "" {
			m.dialog.Err = "type the path of a session file"
			return nil
		}
		m.mode = views.ModeMain
		m.startJob("replaying " + text)
		return openRecord(m.gen, m.set, filepath.Clean(text))
	}
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

// onClick handles a left click: a step cell selects (or runs to) it; a
// dialog's item is chosen.
func (m *Model) onClick(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft {
		return nil
	}
	scr := m.screen()
	switch m.mode {
	case views.ModeMain:
		if m.frame == nil {
			return nil
		}
		l := scr.Layout()
		if l.TooSmall {
			return nil
		}
		if t := views.TrajectoryStepAt(l.Traj, m.frame.Steps, m.sel, ms.X, ms.Y); t > 0 {
			return m.jump(t)
		}
		if t := views.LanesStepAt(l.Lanes, m.frame.Steps, m.sel, ms.X, ms.Y, l.Compact); t > 0 {
			return m.jump(t)
		}
	case views.ModePicker:
		if i := views.OverlayItemAt(scr, ms.X, ms.Y); i >= 0 && i < len(m.dialog.Items) {
			return m.pick(m.dialog.Items[i])
		}
	case views.ModeToggles:
		if i := views.OverlayItemAt(scr, ms.X, ms.Y); i >= 0 {
			m.show.ToggleIndex(i)
		}
	}
	return nil
}

// screen is what the view draws.
func (m *Model) screen() views.Screen {
	keys := m.keys
	keys.SetState(m.keyState())
	st := m.status
	st.Seed = m.seed
	st.Typed = m.typed
	st.Busy = m.busy
	d := m.dialog
	if m.mode == views.ModeInput {
		d.Input = m.input.view(max(10, min(m.w-4, 64)-4), m.styles.Overlay.Selected)
	}
	return views.Screen{
		Width: m.w, Height: m.h, Styles: m.styles, Keys: keys, Help: m.help,
		Frame: m.frame, Sel: m.sel, Show: m.show, Status: st, Mode: m.mode, Dialog: d, Fatal: m.fatal,
	}
}

// View draws the explorer in the alternate screen with mouse clicks on.
func (m *Model) View() tea.View {
	v := tea.NewView(views.Render(m.screen()))
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "jrx explore"
	return v
}

// Options are the options the model was made with.
func (m *Model) Options() Options { return m.opts }

// Frame is the frame on screen (nil before the first session), for tests.
func (m *Model) Frame() *views.Frame { return m.frame }

// Selected is the selected step.
func (m *Model) Selected() int { return m.sel }

// Injections are the injections of the session on screen or being built.
func (m *Model) Injections() []engine.Injection { return slices.Clone(m.inj) }

// Busy says what is running, "" when idle.
func (m *Model) Busy() string { return m.busy }

// Mode is the open dialog, or ModeMain.
func (m *Model) Mode() views.Mode { return m.mode }

// Status is the status line's message and whether it is an error.
func (m *Model) Status() (string, bool) { return m.status.Message, m.status.IsError }

// Typed reports whether the problem on screen was typed (or opened from a
// session file) rather than generated from Seed.
func (m *Model) Typed() bool { return m.typed }

// LoadErr is the error that stopped the model set from loading (nil if it
// loaded or is still loading): the explorer showed it and had nothing else
// to show.
func (m *Model) LoadErr() error { return m.loadErr }

// Seed is the seed of the problem on screen.
func (m *Model) Seed() uint64 { return m.seed }
