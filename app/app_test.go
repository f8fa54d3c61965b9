package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/tasks/tree"
	"jrx/views"
)

func tinySet(t testing.TB) *engine.Set {
	t.Helper()
	set, _, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// newTest makes a model on the tiny set with deterministic seeds, sized,
// initialised and settled.
func newTest(t testing.TB, w, h int) *Model {
	t.Helper()
	set := tinySet(t)
	seeds := uint64(100)
	m := New(Options{Seed: 42, NoColor: true, Load: func(string) (*engine.Set, error) { return set, nil },
		Seeds: func() uint64 { seeds++; return seeds }})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drain(t, m, m.Init())
	if m.Frame() == nil {
		t.Fatal("no session after Init")
	}
	return m
}

// drain runs cmd and every command that follows from it, feeding the
// messages to m, synchronously. It reports whether the program would quit.
func drain(t testing.TB, m *Model, cmd tea.Cmd) bool {
	t.Helper()
	queue := []tea.Cmd{cmd}
	quit := false
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			quit = true
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return quit
}

// press sends keys (one message per key; "enter", "esc", "left" and the
// like are named keys, anything else is typed text) and settles.
func press(t testing.TB, m *Model, keys ...string) bool {
	t.Helper()
	quit := false
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		if drain(t, m, cmd) {
			quit = true
		}
	}
	return quit
}

var named = map[string]rune{
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "left": tea.KeyLeft, "right": tea.KeyRight,
	"up": tea.KeyUp, "down": tea.KeyDown, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
	"space": tea.KeySpace, "end": tea.KeyEnd, "home": tea.KeyHome,
}

func keyMsg(k string) tea.KeyPressMsg {
	if c, ok := named[k]; ok {
		if c == tea.KeySpace {
			return tea.KeyPressMsg{Code: c, Text: " "}
		}
		return tea.KeyPressMsg{Code: c}
	}
	if strings.HasPrefix(k, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func view(m *Model) string { return ansi.Strip(m.View().Content) }

func checkView(t testing.TB, m *Model) {
	t.Helper()
	out := m.View().Content
	if m.w == 0 || m.h == 0 {
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) != m.h {
		t.Fatalf("%d×%d: %d lines", m.w, m.h, len(lines))
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > m.w {
			t.Fatalf("%d×%d: line %d is %d wide", m.w, m.h, i, ansi.StringWidth(l))
		}
	}
}

func lane(f *views.Frame, name string) engine.Lane {
	for _, l := range f.Summary.Lanes {
		if l.Name == name {
			return l
		}
	}
	return engine.Lane{}
}

func TestStepRunToEndAndInject(t *testing.T) {
	m := newTest(t, 120, 40)
	f := m.Frame()
	if f.Taken() != 0 || m.Selected() != 0 || m.Seed() != 42 {
		t.Fatalf("start: taken %d sel %d seed %d", f.Taken(), m.Selected(), m.Seed())
	}
	if !strings.Contains(view(m), "seed 42") {
		t.Fatal("the status line does not show the seed")
	}
	press(t, m, "right")
	if m.Frame().Taken() != 1 || m.Selected() != 1 {
		t.Fatalf("after a step: taken %d sel %d", m.Frame().Taken(), m.Selected())
	}
	press(t, m, "e")
	T := m.Frame().Steps
	if m.Frame().Taken() != T || m.Selected() != T {
		t.Fatalf("after run to end: taken %d of %d, sel %d", m.Frame().Taken(), T, m.Selected())
	}
	clean := lane(m.Frame(), engine.LaneMono).Verdict
	press(t, m, "2", "b", "enter")
	if got := m.Injections(); len(got) != 1 || got[0].Kind != engine.Force || got[0].Lane != "baseline" || got[0].Step != 2 {
		t.Fatalf("injections %v", got)
	}
	press(t, m, "t", "enter")
	f = m.Frame()
	if len(f.Injections) != 2 || f.Taken() != T || m.Selected() != 2 {
		t.Fatalf("after two injections: %v, taken %d, sel %d", f.Injections, f.Taken(), m.Selected())
	}
	if r := lane(f, engine.LaneReasoner); r.MaxLatentChange != 0 {
		t.Fatalf("a token injection changed the Reasoner's latents by %g", r.MaxLatentChange)
	}
	if v := lane(f, engine.LaneMono).Verdict; v != clean {
		t.Fatalf("the Mono-Talker reads only latents: verdict %s, clean run %s", v, clean)
	}
	for _, name := range []string{engine.LaneDual, engine.LaneBaseline} {
		l := lane(f, name)
		if !l.Forced[1] || (l.Verdict != engine.VerdictContained && l.Verdict != engine.VerdictPropagated) {
			t.Fatalf("%s: forced %v verdict %s", name, l.Forced, l.Verdict)
		}
	}
	out := view(m)
	for _, want := range []string{"Δlatent 0", "*", "injections baseline@2=", "talker@2="} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	checkView(t, m)

	// Clear goes back to the clean run, at the same step.
	press(t, m, "c")
	if len(m.Frame().Injections) != 0 || m.Frame().Taken() != T {
		t.Fatalf("after clear: %v, taken %d", m.Frame().Injections, m.Frame().Taken())
	}
	// Undo and reset.
	press(t, m, "u")
	if m.Frame().Taken() != T-1 {
		t.Fatalf("undo: taken %d", m.Frame().Taken())
	}
	press(t, m, "r")
	if m.Frame().Taken() != 0 || m.Selected() != 0 {
		t.Fatalf("reset: taken %d sel %d", m.Frame().Taken(), m.Selected())
	}
	// Jump forward by digit.
	press(t, m, "2")
	if m.Frame().Taken() != 2 || m.Selected() != 2 {
		t.Fatalf("jump: taken %d sel %d", m.Frame().Taken(), m.Selected())
	}
	press(t, m, "left")
	if m.Selected() != 1 || m.Frame().Taken() != 2 {
		t.Fatalf("prev: sel %d taken %d", m.Selected(), m.Frame().Taken())
	}
	press(t, m, "right")
	if m.Selected() != 2 || m.Frame().Taken() != 2 {
		t.Fatalf("next within the taken steps must not step: sel %d taken %d", m.Selected(), m.Frame().Taken())
	}
	if !press(t, m, "q") {
		t.Fatal("q does not quit")
	}
}

func TestLatentInjectionsChangeTheReasoner(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e", "1", "z", "right", "right", "enter")
	f := m.Frame()
	if len(f.Injections) != 1 || f.Injections[0].Kind != engine.Noise || f.Injections[0].Sigma != 1 {
		t.Fatalf("noise: %v", f.Injections)
	}
	if lane(f, engine.LaneReasoner).MaxLatentChange == 0 {
		t.Fatal("latent noise left the Reasoner's latents unchanged")
	}
	press(t, m, "c", "2", "m", "enter")
	f = m.Frame()
	if len(f.Injections) != 1 || f.Injections[0].Kind != engine.Surgery || f.Injections[0].Step != 2 {
		t.Fatalf("surgery: %v", f.Injections)
	}
	if f.Snap(2).LatentChange == 0 {
		t.Fatal("surgery at step 2 left its latent unchanged")
	}
	if f.Snap(1).LatentChange != 0 {
		t.Fatal("surgery at step 2 changed step 1")
	}
	checkView(t, m)
}

func TestPickerTypesALetterAndCancels(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "e", "2", "b")
	if m.Dialog() != "picker" {
		t.Fatalf("dialog %q", m.Dialog())
	}
	checkView(t, m)
	press(t, m, "esc")
	if m.Dialog() != "" || len(m.Injections()) != 0 {
		t.Fatal("esc must cancel the picker")
	}
	press(t, m, "t", "q") // q is a letter in the picker, not quit
	if got := m.Injections(); len(got) != 1 || got[0].Token != 'Q'-'A' || got[0].Kind != engine.Force || got[0].Lane != "talker" {
		t.Fatalf("typed Q: %v", got)
	}
}

func TestLateResultsAreDropped(t *testing.T) {
	m := newTest(t, 120, 40)
	// Two new problems in a row: the first one's result comes back last.
	_, c1 := m.Update(keyMsg("n"))
	_, c2 := m.Update(keyMsg("n"))
	msg2 := c2()
	msg1 := c1()
	m.Update(msg2)
	seed := m.Seed()
	m.Update(msg1)
	if m.Seed() != seed {
		t.Fatalf("a superseded result replaced the screen: seed %d, want %d", m.Seed(), seed)
	}
	// A step in flight when an injection re-runs the session is dropped.
	press(t, m, "e", "2")
	_, step := m.Update(keyMsg("u"))
	if step == nil {
		t.Fatal("undo started nothing")
	}
	_, inj := drainKeys(m, "b", "enter")
	stepMsg := step()
	m.Update(inj())
	taken := m.Frame().Taken()
	m.Update(stepMsg)
	if m.Frame().Taken() != taken || len(m.Frame().Injections) != 1 {
		t.Fatalf("the superseded undo changed the screen: taken %d, want %d", m.Frame().Taken(), taken)
	}
}

// drainKeys sends keys without running their commands; it returns the
// last non-nil command.
func drainKeys(m *Model, keys ...string) (tea.Model, tea.Cmd) {
	var last tea.Cmd
	for _, k := range keys {
		if _, c := m.Update(keyMsg(k)); c != nil {
			last = c
		}
	}
	return m, last
}

func TestKeysQueueWhileTheEngineWorks(t *testing.T) {
	m := newTest(t, 120, 40)
	_, c1 := m.Update(keyMsg("right"))
	_, c2 := m.Update(keyMsg("right"))
	_, c3 := m.Update(keyMsg("e"))
	if c1 == nil || c2 != nil || c3 != nil {
		t.Fatal("ops on the session must run one at a time")
	}
	if m.Busy() == "" {
		t.Fatal("the status line does not say that the engine is working")
	}
	drain(t, m, c1)
	if m.Frame().Taken() != m.Frame().Steps || m.Busy() != "" {
		t.Fatalf("step, step, run to end: taken %d, busy %q", m.Frame().Taken(), m.Busy())
	}
}

func TestLoadErrorShowsAScreen(t *testing.T) {
	m := New(Options{NoColor: true, Load: func(string) (*engine.Set, error) {
		return nil, errors.New("model set embedded: missing reasoner.safetensors (a set holds ...)")
	}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drain(t, m, m.Init())
	if m.Fatal() == "" || m.Dialog() != "" {
		t.Fatalf("fatal %q, dialog %q", m.Fatal(), m.Dialog())
	}
	out := view(m)
	for _, want := range []string{"Cannot load the model set", "missing reasoner.safetensors", "--model DIR"} {
		if !strings.Contains(out, want) {
			t.Errorf("error screen lacks %q:\n%s", want, out)
		}
	}
	checkView(t, m)
	press(t, m, "n", "e", "space", "b", "?")
	if m.Dialog() != "help" {
		t.Fatal("? opens help on the error screen")
	}
	press(t, m, "esc")
	if !press(t, m, "q") {
		t.Fatal("q does not quit the error screen")
	}
}

func TestTypedProblemAndParseErrors(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "p", "ctrl+u")
	for _, r := range "AB,AC[ROOT]A[TARGET]Q" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	if m.Dialog() != "input" {
		t.Fatal("a bad problem must keep the input open")
	}
	out := view(m)
	if !strings.Contains(out, "^") || !strings.Contains(out, "character") {
		t.Fatalf("no positioned parse error:\n%s", out)
	}
	press(t, m, "ctrl+u")
	m.Update(tea.PasteMsg{Content: "AB,AC[ROOT]A[TARGET]C"})
	press(t, m, "enter")
	if m.Dialog() != "" {
		t.Fatalf("dialog %q still open", m.Dialog())
	}
	f := m.Frame()
	if tr := tree.Of(f.Problem); tr == nil || tr.Root() != 0 || tr.Target() != 2 || !m.Typed() {
		t.Fatalf("typed problem not opened: %v", f.Problem)
	}
	if !strings.Contains(view(m), "typed problem") {
		t.Fatal("the status line does not say that the problem was typed")
	}
}

func TestSaveAndOpenASession(t *testing.T) {
	m := newTest(t, 120, 40)
	dir := t.TempDir()
	path := filepath.Join(dir, "s.json")
	press(t, m, "e", "2", "b", "enter", "w", "ctrl+u")
	m.Update(tea.PasteMsg{Content: path})
	press(t, m, "enter")
	if msg, isErr := m.Status(); isErr || !strings.Contains(msg, "saved") {
		t.Fatalf("save: %q", msg)
	}
	want := m.Frame()
	press(t, m, "n")
	press(t, m, "o")
	m.Update(tea.PasteMsg{Content: path})
	press(t, m, "enter")
	if msg, isErr := m.Status(); isErr {
		t.Fatalf("open: %s", msg)
	}
	got := m.Frame()
	if got.Taken() != want.Taken() || !reflect.DeepEqual(got.Injections, want.Injections) || !tree.Of(got.Problem).Equal(tree.Of(want.Problem)) {
		t.Fatalf("opened session differs: taken %d/%d, %v/%v", got.Taken(), want.Taken(), got.Injections, want.Injections)
	}
	// A missing file is an error in the dialog, which stays open with the
	// path to correct, not a crash.
	press(t, m, "o")
	m.Update(tea.PasteMsg{Content: filepath.Join(dir, "nope.json")})
	press(t, m, "enter")
	if m.Dialog() != "input" || !strings.Contains(view(m), "nope.json") || !strings.Contains(view(m), "session file: stat") {
		t.Fatalf("missing file: dialog %q\n%s", m.Dialog(), view(m))
	}
	if m.Frame() != got {
		t.Fatal("a failed open replaced the session")
	}
}

func TestClicksAndWheel(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e")
	traj := m.screen().Layout().Rect(views.PanelTrajectory)
	// Find the trajectory cell of step 1 by asking the same hit test.
	for x := traj.X; x < traj.X+traj.W; x++ {
		if views.TrajectoryStepAt(traj, m.Frame().Steps, m.Selected(), x, traj.Y+1, false) == 1 {
			m.Update(tea.MouseClickMsg{X: x, Y: traj.Y + 1, Button: tea.MouseLeft})
			break
		}
	}
	if m.Selected() != 1 {
		t.Fatalf("a click on cell 1 selects %d", m.Selected())
	}
	m.Update(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if m.Selected() != 2 {
		t.Fatalf("wheel down selects %d", m.Selected())
	}
	// Toggle the tree off with a click in the menu.
	press(t, m, "v")
	scr := m.screen()
	for y := 0; y < m.h; y++ {
		if views.OverlayItemAt(scr, m.w/2, y) == 0 {
			m.Update(tea.MouseClickMsg{X: m.w / 2, Y: y, Button: tea.MouseLeft})
			break
		}
	}
	press(t, m, "esc")
	if m.show.Panel("tree") {
		t.Fatal("clicking the first toggle does not hide the tree")
	}
	if strings.Contains(view(m), "Problem") {
		t.Fatal("the hidden tree panel is still drawn")
	}
	checkView(t, m)
}

func TestResize(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e")
	for _, sz := range [][2]int{{80, 24}, {50, 12}, {200, 60}, {64, 20}, {1, 1}, {0, 0}, {120, 40}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkView(t, m)
		small := sz[0] < views.MinWidth || sz[1] < views.MinHeight
		if got := strings.Contains(view(m), "terminal too small"); got != small && sz[0] > 30 {
			t.Fatalf("%v: too-small screen shown %v", sz, got)
		}
	}
}

// expectedErrors are the status-line errors random input may cause: each
// is the right answer to something a person could do (open a file that is
// not a session, save to a place that cannot be written, queue more keys
// than the engine keeps up with, type a problem the models cannot read).
var expectedErrors = regexp.MustCompile(`^(session file|open |read |busy: too many keys queued|` +
	`nothing to undo|write |rename |save |no breakpoint is on)`)

// invariants are what must hold after every message, whatever came before.
// The view is drawn when draw is set (drawing is the slow part).
func invariants(t *testing.T, m *Model, what string, draw bool) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after %s: "+format, append([]any{what}, args...)...)
	}
	if draw {
		checkView(t, m)
	}
	if m.fatal != "" {
		fail("the error screen: %s", m.fatal)
	}
	if f := m.frame; f != nil {
		if f.Taken() > f.Steps || m.sel < 0 || m.sel > f.Taken() {
			fail("selected %d of %d taken, %d steps", m.sel, f.Taken(), f.Steps)
		}
	}
	switch d := m.dialog.(type) {
	case nil:
	case views.Picker:
		if d.Cursor < 0 || d.Cursor >= len(d.Items) || d.Step < 1 || d.Step > m.frame.Steps {
			fail("picker cursor %d of %d items at step %d", d.Cursor, len(d.Items), d.Step)
		}
	case views.Noise:
		if d.SigmaIdx < 0 || d.SigmaIdx >= len(d.Sigmas) || d.Step < 1 {
			fail("noise σ index %d of %d at step %d", d.SigmaIdx, len(d.Sigmas), d.Step)
		}
	case views.Surgery:
		// A and B: any token of the vocabulary (typing a letter may name
		// one outside the problem).
		n := m.frame.Vocab.Size()
		if d.Field < 0 || d.Field > 2 || d.Weight < 0 || d.Weight > 1 || d.Step < 1 ||
			d.A < 0 || d.A >= n || d.B < 0 || d.B >= n {
			fail("surgery field %d weight %g A %d B %d at step %d", d.Field, d.Weight, d.A, d.B, d.Step)
		}
	case views.Breaks:
		if len(d.List) > 0 && (d.Cursor < 0 || d.Cursor >= len(d.List)) {
			fail("breakpoint cursor %d of %d", d.Cursor, len(d.List))
		}
	case views.Batch:
		if d.Done > d.Total || d.Skipped > d.Done {
			fail("batch %d done of %d, %d skipped", d.Done, d.Total, d.Skipped)
		}
	case views.Input, views.Toggles, views.Help, views.Files, views.Compare, views.ForkDialog:
	default:
		fail("an unknown dialog %T", d)
	}
	if len(m.queue) > maxQueue {
		fail("%d ops queued", len(m.queue))
	}
	if m.inflight && m.busy == "" {
		fail("a command owns the session but the status line says nothing runs")
	}
	if msg, isErr := m.Status(); isErr && !expectedErrors.MatchString(msg) {
		fail("an unexpected error: %q", msg)
	}
}

// Thousands of random keys, clicks, wheel turns, pastes and sizes, with
// commands run late and out of order: after every message the invariants
// hold (the view fits the terminal, the selection is a step taken, dialogs
// hold valid state, only expected errors), and once every command has run
// the explorer is idle.
func TestRandomInputNeverPanics(t *testing.T) {
	t.Chdir(t.TempDir()) // saves land here
	m := newTest(t, 120, 40)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"right", "left", "space", "e", "r", "u", "backspace", "1", "2", "3", "4", "9", "n", "p", "w", "o",
		"t", "b", "z", "m", "c", "v", "?", "enter", "esc", "tab", "up", "down", "a", "x", "j", "k", "l", "d", "-", "+",
		"home", "end", "ctrl+u", "ctrl+a", "Q", "é", "[", "]", ".", "N", "P", "ctrl+z", "ctrl+y", "0", "/",
		"B", ">", "f", "F", "D", "y", "A", "ctrl+x"}
	var pending []tea.Cmd
	for i := 0; i < 4000; i++ {
		var msg tea.Msg
		switch r := rng.IntN(100); {
		case r < 70:
			msg = keyMsg(keys[rng.IntN(len(keys))])
		case r < 80:
			msg = tea.MouseClickMsg{X: rng.IntN(m.w + 2), Y: rng.IntN(m.h + 2), Button: tea.MouseButton(rng.IntN(3) + 1)}
		case r < 85:
			msg = tea.MouseWheelMsg{X: rng.IntN(m.w + 1), Y: rng.IntN(m.h + 1), Button: tea.MouseWheelUp + tea.MouseButton(rng.IntN(2))}
		case r < 90:
			msg = tea.PasteMsg{Content: []string{"AB,AC[ROOT]A[TARGET]C", "garbage\x00\n", "s.json", ""}[rng.IntN(4)]}
		default:
			msg = tea.WindowSizeMsg{Width: rng.IntN(230), Height: rng.IntN(75)}
		}
		_, cmd := m.Update(msg)
		if cmd != nil {
			pending = append(pending, cmd)
		}
		_, resized := msg.(tea.WindowSizeMsg)
		invariants(t, m, fmt.Sprintf("input %d (%T %v)", i, msg, msg), resized || i%8 == 0)
		// Run commands late and out of order now and then, as a busy
		// engine would.
		if len(pending) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(pending))
			c := pending[j]
			pending = append(pending[:j], pending[j+1:]...)
			if msg := c(); msg != nil {
				if b, ok := msg.(tea.BatchMsg); ok {
					pending = append(pending, b...)
				} else if _, ok := msg.(tea.QuitMsg); !ok {
					if _, next := m.Update(msg); next != nil {
						pending = append(pending, next)
					}
					invariants(t, m, fmt.Sprintf("the result %T of a command at input %d", msg, i), false)
				}
			}
		}
	}
	for _, c := range pending {
		drain(t, m, c)
	}
	invariants(t, m, "draining every command", true)
	if m.inflight || len(m.queue) > 0 || m.busy != "" {
		t.Fatalf("every command has run, but the explorer is not idle: inflight %v, %d queued, busy %q", m.inflight, len(m.queue), m.busy)
	}
	if m.frame == nil {
		t.Fatal("no session at the end")
	}
}

// Every hint in the help bar is a binding that does something now: in each
// context (the main screen at the end of a run, and each dialog), pressing
// the first key of each shown binding changes what the screen shows or
// starts a command.
func TestHelpBarHintsAreHandled(t *testing.T) {
	contexts := []struct {
		name  string
		reach []string
	}{
		{"main", nil},
		{"picker", []string{"b"}},
		{"noise", []string{"z"}},
		{"surgery", []string{"m"}},
		{"input", []string{"p"}},
		{"toggles", []string{"v"}},
		{"help", []string{"?"}},
		{"breaks", []string{"B"}},
		{"fork", []string{"f"}},
		{"compare", []string{"D"}},
		{"batch", []string{"b", "enter", "A"}},
	}
	m := newTest(t, 120, 40)
	press(t, m, "e", "2") // at the end of the run, step 2 selected
	base := *m
	for _, c := range contexts {
		*m = base
		press(t, m, c.reach...)
		scr := m.screen()
		hints := scr.Keys.Main.ShortHelp()
		if scr.Dialog != nil {
			hints = scr.Dialog.ShortHelp()
		}
		if m.Dialog() != map[string]string{"main": ""}[c.name] && m.Dialog() != c.name {
			t.Fatalf("%s: dialog %q open", c.name, m.Dialog())
		}
		n := 0
		// The commands the keys return are not run, so restoring the
		// model's fields undoes what a key did (dialogs and Visibility are
		// values; the session is only touched by commands).
		saved := *m
		for _, b := range hints {
			if !b.Enabled() {
				continue
			}
			n++
			*m = saved
			before := view(m)
			_, cmd := m.Update(keyMsg(b.Keys()[0]))
			if cmd == nil && view(m) == before {
				t.Errorf("%s: the help bar shows %q (%s), which does nothing", c.name, b.Help().Key, b.Help().Desc)
			}
		}
		if n == 0 {
			t.Errorf("%s: the help bar shows no key", c.name)
		}
	}
}
