package app

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/internal/termsafe"
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
	// ASCII draws boxes and glyphs with ASCII characters only (LANG=C,
	// TERM=dumb, --ascii).
	ASCII bool
	// Presenter starts in the presenter mode (high contrast, a larger
	// tree, fewer panels; P switches it).
	Presenter bool
	// Load loads a model set (default engine.Load); tests inject one.
	Load func(dir string) (*engine.Set, error)
	// Seeds draws the seed of each new problem (default: random).
	Seeds func() uint64
	// Session sets the read-out sizes.
	Session engine.Options
	// Tour, when set, opens the guided tour once the model set is loaded
	// (tour.go).
	Tour *TourStart
}

// Model is the explorer's root Bubble Tea model: a router. It sends key
// presses, pastes and clicks to the open dialog (a views.Dialog with its
// own bindings) or to the main screen's bindings, does what they ask
// (actions.go) and runs the engine's work in commands (jobs.go, ops.go).
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

	// dialog is the open dialog; nil: the main screen has the keys.
	dialog views.Dialog
	// awaiting is the purpose of the input dialog whose submitted text a
	// job is acting on (save, open): the job's error goes back into that
	// dialog, and success closes it. "" for none.
	awaiting string

	status views.Status

	// injUndo and injRedo are the injections before each change (and
	// after each undone one) on the problem shown.
	injUndo, injRedo [][]engine.Injection
	// previous are the problems shown before, most recent last (N).
	previous []shown

	presenter bool
	// show0 is the visibility to restore when the presenter mode ends.
	show0 views.Visibility

	// The debugger (debug.go): the breakpoint list; the running "run
	// until"'s cancel (nil when none runs) and its id; the fork shown
	// beside the run (used only inside commands, like sess); the batch
	// running over fresh problems.
	breaks  []views.Breakpoint
	cancel  context.CancelFunc
	untilID int
	fork    *engine.Session
	batch   *batchRun
	batchID int
}

// shown is a problem as it was on screen: N goes back to it.
type shown struct {
	problem    engine.Problem
	inj        []engine.Injection
	typed      bool
	taken, sel int
}

// maxPrevious bounds the problems N can go back to.
const maxPrevious = 50

// New returns the explorer's model; Init loads the model set.
func New(opts Options) *Model {
	if opts.Load == nil {
		opts.Load = engine.Load
	}
	if opts.Seeds == nil {
		opts.Seeds = func() uint64 { return rand.Uint64()%1_000_000 + 1 }
	}
	m := &Model{opts: opts, dark: true, keys: views.DefaultKeyMap(), help: help.New(), show: views.AllVisible()}
	// The PCA scatter is there for who asks for it (v, then s).
	m.show.Hide(views.PanelPCA)
	if opts.Presenter {
		m.setPresenter(true)
	}
	m.setStyles()
	m.seed = opts.Seed
	m.status.Model = "embedded"
	if opts.ModelDir != "" {
		m.status.Model = termsafe.Line(filepath.Base(filepath.Clean(opts.ModelDir)))
	}
	return m
}

func (m *Model) setStyles() {
	switch {
	case m.opts.NoColor:
		m.styles = views.PlainStyles()
	case m.presenter:
		m.styles = views.ContrastStyles(m.dark)
	default:
		m.styles = views.NewStyles(m.dark)
	}
	if m.opts.ASCII {
		m.styles = m.styles.WithASCII()
	}
	m.help.Styles = m.styles.Help
}

// setPresenter switches the presenter mode: high-contrast styles, the
// large layout, and only the task's panel and the lanes (the panels menu
// still shows the others); leaving it restores the panels shown before.
func (m *Model) setPresenter(on bool) {
	if on == m.presenter {
		return
	}
	m.presenter = on
	if on {
		m.show0 = m.show
		for _, id := range []string{views.PanelTrajectory, views.PanelNearest, views.PanelMixture} {
			m.show.Hide(id)
		}
	} else {
		m.show = m.show0
	}
	m.setStyles()
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
		if d, ok := m.dialog.(views.Sizer); ok {
			m.dialog = d.Resize(m.w, m.h)
		}
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.setStyles()
	case setMsg:
		return m, m.onSet(msg)
	case sessionMsg:
		return m, m.onSession(msg)
	case tourMsg:
		return m, m.onTourPage(msg)
	case batchMsg:
		return m, m.onBatch(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.PasteMsg:
		if !m.tooSmall() {
			m.onPaste(msg.Content)
		}
	case tea.MouseClickMsg:
		if !m.tooSmall() {
			return m, m.onClick(msg.Mouse())
		}
	case tea.MouseWheelMsg:
		if !m.tooSmall() {
			m.onWheel(msg.Mouse())
		}
	default:
		if d, ok := m.dialog.(views.Handler); ok {
			var cmd tea.Cmd
			m.dialog, cmd = d.Handle(msg)
			return m, cmd
		}
	}
	return m, nil
}

// tooSmall reports whether the terminal is below the smallest size the
// explorer draws in: then only quit and resize act (the screen shows what
// is needed, and keys must not act on what cannot be seen).
func (m *Model) tooSmall() bool { return m.w < views.MinWidth || m.h < views.MinHeight }

// onKey routes a key press: the force-quit binding always quits; otherwise
// the open dialog gets it, or the main screen's bindings.
func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.ForceQuit) {
		return tea.Quit
	}
	if m.tooSmall() {
		if key.Matches(k, m.keys.Main.Quit) {
			return tea.Quit
		}
		return nil
	}
	if m.dialog != nil {
		var a views.Action
		m.dialog, a = m.dialog.Update(k, m.dialogCtx())
		return m.act(a)
	}
	m.syncKeys()
	return m.mainKey(k)
}

// onPaste gives pasted text to a dialog that takes it; on the main screen
// a pasted problem opens the problem input.
func (m *Model) onPaste(text string) {
	switch d := m.dialog.(type) {
	case nil:
		if m.set != nil && m.fatal == "" {
			m.openInput(inputProblem, strings.TrimSpace(text))
		}
	case views.Paster:
		m.dialog = d.Paste(text)
	}
}

// onClick handles a left click: on the main screen a step cell selects (or
// runs to) its step; in a dialog, the item under it is the dialog's.
func (m *Model) onClick(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft {
		return nil
	}
	scr := m.screen()
	if m.dialog != nil {
		i := views.OverlayItemAt(scr, ms.X, ms.Y)
		if i < 0 {
			return nil
		}
		var a views.Action
		m.dialog, a = m.dialog.Click(i, m.dialogCtx())
		return m.act(a)
	}
	if t := views.StepAt(scr, ms.X, ms.Y); t > 0 {
		return m.jump(t)
	}
	return nil
}

// onWheel moves the selection over the steps taken.
func (m *Model) onWheel(ms tea.Mouse) {
	if m.dialog != nil || m.frame == nil {
		return
	}
	switch ms.Button {
	case tea.MouseWheelUp, tea.MouseWheelLeft:
		m.sel = max(min(1, m.frame.Taken()), m.sel-1)
	case tea.MouseWheelDown, tea.MouseWheelRight:
		m.sel = min(m.frame.Taken(), m.sel+1)
	}
}

// keyState is what decides which main-screen keys work.
func (m *Model) keyState() views.KeyState {
	st := views.KeyState{Loading: m.set == nil && m.fatal == "", Fatal: m.fatal != "", Dialog: m.dialog != nil,
		HasSet: m.set != nil, HasSession: m.frame != nil, Selected: m.sel, HasInjections: len(m.inj) > 0,
		InjectedHere: injectionAt(m.inj, m.sel) >= 0, CanUndoInj: len(m.injUndo) > 0, CanRedoInj: len(m.injRedo) > 0,
		HasPrevious: len(m.previous) > 0, Running: m.cancel != nil || m.batch != nil, Forked: m.fork != nil}
	if m.frame != nil {
		st.Taken, st.Steps = m.frame.Taken(), m.frame.Steps
	}
	return st
}

func (m *Model) syncKeys() { m.keys.Main.SetState(m.keyState()) }

func (m *Model) dialogCtx() views.DialogCtx {
	return views.DialogCtx{Styles: m.styles, Frame: m.frame, Show: m.show, Width: m.w, Height: m.h}
}

// screen is what the view draws.
func (m *Model) screen() views.Screen {
	keys := m.keys
	keys.Main.SetState(m.keyState())
	st := m.status
	st.Seed = m.seed
	st.Typed = m.typed
	st.Busy = m.busy
	return views.Screen{
		Width: m.w, Height: m.h, Styles: m.styles, Keys: keys, Help: m.help,
		Frame: m.frame, Sel: m.sel, Show: m.show, Status: st, Dialog: m.dialog, Fatal: m.fatal,
		Presenter: m.presenter,
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

// Dialog is the ID of the open dialog ("picker", "help", ...; see
// views.Dialog), "" when the main screen has the keys.
func (m *Model) Dialog() string {
	if m.dialog == nil {
		return ""
	}
	return m.dialog.ID()
}

// Fatal is why there is nothing to explore, "" when there is.
func (m *Model) Fatal() string { return m.fatal }

// Status is the status line's message and whether it is an error.
func (m *Model) Status() (string, bool) { return m.status.Message, m.status.IsError }

// Typed reports whether the problem on screen was typed (or opened from a
// session file) rather than generated from Seed.
func (m *Model) Typed() bool { return m.typed }

// LoadErr is the error that stopped the model set from loading (nil if it
// loaded or is still loading): the explorer showed it and had nothing else
// to show.
func (m *Model) LoadErr() error { return m.loadErr }

// Presenter reports whether the presenter mode is on.
func (m *Model) Presenter() bool { return m.presenter }

// Seed is the seed of the problem on screen.
func (m *Model) Seed() uint64 { return m.seed }
