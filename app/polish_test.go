package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"jrx/engine"
	"jrx/tasks"
	"jrx/views"
)

// statusRow is the screen's first line (the status line).
func statusRow(m *Model) string { return strings.SplitN(view(m), "\n", 2)[0] }

// typeText types s into the open dialog, one key per character.
func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		press(t, m, string(r))
	}
}

// The typed-problem dialog: its example comes from the model set's task
// (and is a problem of the training distribution), its hint names ctrl+u,
// and a problem outside the distribution is flagged in the status line and
// the problem panel before the first step; the status line says "typed
// problem", not the seed, until noise makes the seed matter.
func TestTypedProblemExampleAndDistribution(t *testing.T) {
	// The embedded set (4 levels): a 3-level tree fits its context and
	// lies outside its distribution.
	set, err := engine.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	seeds := uint64(100)
	m := New(Options{Seed: 42, NoColor: true, Load: func(string) (*engine.Set, error) { return set, nil },
		Seeds: func() uint64 { seeds++; return seeds }, Session: engine.Options{Light: true}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drain(t, m, m.Init())
	press(t, m, "p")
	out := view(m)
	ex := tasks.Example(m.set.Task)
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(out, "│", " ")), ""), ex) {
		t.Fatalf("the dialog does not show the task's example %q:\n%s", ex, out)
	}
	p, err := m.set.Task.Parse(ex)
	if err != nil || m.set.Task.InDistribution(p) != nil {
		t.Fatalf("the example %q is not a problem of the training distribution: %v", ex, err)
	}
	if !strings.Contains(out, "ctrl+u clear") {
		t.Fatalf("the dialog does not show ctrl+u:\n%s", out)
	}

	// A valid problem whose target is not a leaf: outside the distribution.
	press(t, m, "ctrl+u")
	m.Update(tea.PasteMsg{Content: "AB,AC,BD,BE,CF,CG[ROOT]A[TARGET]G"}) // 3 levels
	press(t, m, "enter")
	if m.Dialog() != "" || !m.Typed() {
		t.Fatalf("the typed problem did not open: dialog %q, status %v", m.Dialog(), fmt.Sprint(m.Status()))
	}
	want := m.set.Task.InDistribution(m.Frame().Problem)
	if want == nil || m.Frame().OutOfDistribution != want.Error() {
		t.Fatalf("OutOfDistribution %q, the task says %v", m.Frame().OutOfDistribution, want)
	}
	out = view(m)
	if m.Frame().Taken() != 0 {
		t.Fatal("a step was taken")
	}
	if st := statusRow(m); !strings.Contains(st, "outside the training distribution") || !strings.Contains(st, "typed problem") || strings.Contains(st, "seed") {
		t.Fatalf("status line: %q", st)
	}
	if !strings.Contains(out, "│⚠ outside the training distribution:") || !strings.Contains(out, "this tree has 3 levels") {
		t.Fatalf("the problem panel does not warn:\n%s", out)
	}
	// Noise draws from the seed: now the status line names it.
	press(t, m, "right", "z", "enter")
	if st := statusRow(m); !strings.Contains(st, fmt.Sprintf("noise seed %d", m.Seed())) {
		t.Fatalf("with noise, the status line lacks the noise seed: %q", st)
	}

	// A generated problem of the distribution: no warning, its seed shown.
	press(t, m, "n")
	if m.Frame().OutOfDistribution != "" || strings.Contains(view(m), "⚠") || !strings.Contains(statusRow(m), fmt.Sprintf("seed %d", m.Seed())) {
		t.Fatalf("a generated problem: %q\n%s", m.Frame().OutOfDistribution, view(m))
	}
}

// A parse error that points at a character is shown whole, wrapped; text
// over the input's limit is not cut silently.
func TestInputErrorsAreShownWhole(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "p", "ctrl+u")
	bad := "AB,AC,BD[ROOT]A[TARGET]C" // B has one child
	m.Update(tea.PasteMsg{Content: bad})
	press(t, m, "enter")
	if m.Dialog() != "input" {
		t.Fatal("a bad problem closed the dialog")
	}
	_, err := engine.ParseProblem(m.set.Task, bad, 1)
	var pe *tasks.ParseError
	if err == nil || !asParseError(err, &pe) {
		t.Fatalf("the test's problem parses: %v", err)
	}
	if flat := strings.Join(strings.Fields(overlayText(view(m))), " "); !strings.Contains(flat, pe.Msg) {
		t.Fatalf("the error %q is not shown whole:\n%s", pe.Msg, view(m))
	}
	checkView(t, m)

	press(t, m, "ctrl+u")
	long := strings.Repeat("AB,", 2000) // 6,000 characters
	m.Update(tea.PasteMsg{Content: long})
	out := view(m)
	if !strings.Contains(out, fmt.Sprintf("cut at %d characters", views.InputLimit)) {
		t.Fatalf("a paste over the limit is cut silently:\n%s", out)
	}
	press(t, m, "enter")
	if m.Dialog() != "input" {
		t.Fatal("a cut problem was submitted")
	}
}

// overlayText is the text inside the dialog box drawn on screen, line by
// line.
func overlayText(screen string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		r := []rune(l)
		for x := 0; x+1 < len(r); x++ {
			if r[x] != '╭' || r[x+1] != '─' || x > 0 && r[x-1] == '│' && i == 0 {
				continue
			}
			// The dialog's box is the one whose left border runs down to
			// its bottom corner in the same column over other panels.
			end := x + 1
			for end < len(r) && r[end] != '╮' {
				end++
			}
			var out []string
			for _, b := range lines[i+1:] {
				br := []rune(b)
				if len(br) <= end || br[x] == '╰' {
					break
				}
				out = append(out, string(br[x+1:end]))
			}
			if len(out) > 0 && strings.Contains(l, "─ ") && !strings.Contains(l, "Problem") && !strings.Contains(l, "Trajectory") && !strings.Contains(l, "Lanes") && !strings.Contains(l, "Nearest") && !strings.Contains(l, "Hypothesis") {
				return strings.Join(out, "\n")
			}
		}
	}
	return ""
}

func asParseError(err error, pe **tasks.ParseError) bool {
	for e := err; e != nil; {
		if p, ok := e.(*tasks.ParseError); ok {
			*pe = p
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// "? help" and "q quit" are in the bottom bar at every width the explorer
// draws in, at the start, after steps and with injections.
func TestHelpAndQuitAlwaysInTheBar(t *testing.T) {
	m := newTest(t, 120, 40)
	for _, keys := range [][]string{nil, {"right"}, {"e", "1", "b", "enter"}} {
		press(t, m, keys...)
		for w := views.MinWidth; w <= 300; w += 3 {
			m.Update(tea.WindowSizeMsg{Width: w, Height: 30})
			lines := strings.Split(view(m), "\n")
			bar := lines[len(lines)-1]
			if !strings.Contains(bar, "? help") || !strings.Contains(bar, "q quit") {
				t.Fatalf("after %v at width %d the bar is %q", keys, w, bar)
			}
		}
	}
}

// The help overlay scrolls when the terminal is too short for it.
func TestHelpScrolls(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "?")
	top := view(m)
	if !strings.Contains(top, "lines 1–") {
		t.Fatalf("the help at 80×24 does not say it scrolls:\n%s", top)
	}
	last := "Mouse: click a step cell"
	if strings.Contains(top, last) {
		t.Fatal("the help's last line shows at 80×24 before scrolling: the test would not catch a clip")
	}
	if bar := strings.Split(top, "\n")[23]; !strings.Contains(bar, "↑/↓ scroll") || !strings.Contains(bar, "pgup/pgdn page") {
		t.Fatalf("the bar does not offer scrolling: %q", bar)
	}
	press(t, m, "down")
	if view(m) == top || !strings.Contains(view(m), "lines 2–") {
		t.Fatal("↓ does not scroll the help")
	}
	for range 10 {
		m.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	if !strings.Contains(view(m), last) {
		t.Fatalf("PgDn does not reach the help's end:\n%s", view(m))
	}
	end := view(m)
	m.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if view(m) != end {
		t.Fatal("scrolling went past the end")
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	for range 10 {
		press(t, m, "up")
	}
	if view(m) != top {
		t.Fatal("scrolling back up does not return to the top")
	}
	checkView(t, m)
	// At 120×40 it fits: nothing to scroll, and the bar does not offer it.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	if out := view(m); strings.Contains(out, "lines 1–") || strings.Contains(out, "↑/↓ scroll") {
		t.Fatalf("at 200×60 the help scrolls:\n%s", out)
	}
}

// The surgery dialog: focus moves only on tab; a letter sets the focused
// token; on the weight digits type it, a letter is ignored with a note;
// ←/→ cycle the token while the bar says so; weights have at most three
// decimals in the status line and in a saved file.
func TestSurgeryFieldsAndWeights(t *testing.T) {
	t.Chdir(t.TempDir())
	m := newTest(t, 120, 40)
	press(t, m, "e", "1", "m")
	sg := func() views.Surgery { return m.dialog.(views.Surgery) }
	d0 := sg()
	if d0.Field != views.FieldA {
		t.Fatalf("surgery opens on field %d", d0.Field)
	}
	bar := func() string { lines := strings.Split(view(m), "\n"); return lines[len(lines)-1] }
	if !strings.Contains(bar(), "←/→ cycle A") || !strings.Contains(bar(), "A-Z set A") {
		t.Fatalf("on A the bar says %q", bar())
	}
	// A letter sets A and the focus stays.
	other := -1
	for _, c := range d0.Cands {
		if c != d0.A && len(m.frame.Vocab.Sym(c)) == 1 {
			other = c
		}
	}
	press(t, m, strings.ToLower(m.frame.Vocab.Sym(other)))
	if sg().A != other || sg().Field != views.FieldA {
		t.Fatalf("a letter on A: A %d (want %d), field %d", sg().A, other, sg().Field)
	}
	press(t, m, "right")
	if sg().A == other || sg().Field != views.FieldA {
		t.Fatal("→ on A does not cycle A, or moves the focus")
	}
	press(t, m, "tab")
	if sg().Field != views.FieldB || !strings.Contains(bar(), "cycle B") {
		t.Fatalf("tab: field %d, bar %q", sg().Field, bar())
	}
	press(t, m, "tab")
	if sg().Field != views.FieldWeight || !strings.Contains(bar(), "0-9 . type the weight") || !strings.Contains(bar(), "weight ±0.1") {
		t.Fatalf("on the weight the bar says %q", bar())
	}
	w := sg().Weight
	press(t, m, "q")
	if sg().Weight != w || sg().Field != views.FieldWeight || !strings.Contains(view(m), "the weight takes digits") {
		t.Fatal("a letter on the weight changed something or said nothing")
	}
	typeText(t, m, "0.7")
	if sg().Weight != 0.7 {
		t.Fatalf("typed 0.7: weight %v", sg().Weight)
	}
	typeText(t, m, "5")
	typeText(t, m, "55") // a fourth decimal is refused
	if sg().Weight != 0.755 || !strings.Contains(view(m), "at most three decimals") {
		t.Fatalf("typed 0.7555: weight %v", sg().Weight)
	}
	press(t, m, "backspace", "backspace", "left")
	if sg().Weight != 0.6 {
		t.Fatalf("0.7 then ←: weight %v, want 0.6", sg().Weight)
	}
	press(t, m, "right", "right", "right", "left", "left", "left", "left", "right") // float steps that drift without rounding
	press(t, m, "enter")
	in := m.Injections()
	if len(in) != 1 || in[0].Kind != engine.Surgery {
		t.Fatalf("injections %v", in)
	}
	spec := in[0].String()
	if want := fmt.Sprintf("latent@1=0.6*%s+0.4*%s", m.frame.Vocab.Sym(in[0].Mix[0].Token), m.frame.Vocab.Sym(in[0].Mix[1].Token)); spec != want {
		t.Fatalf("spec %q, want %q", spec, want)
	}
	if !strings.Contains(statusRow(m), spec) {
		t.Fatalf("the status line lacks %q: %q", spec, statusRow(m))
	}
	// 0.7 and 0.3: 1−0.7 is 0.30000000000000004 in floating point.
	press(t, m, "m", "tab", "tab", "ctrl+u")
	typeText(t, m, "0.7")
	press(t, m, "enter", "w", "enter")
	if msg, isErr := m.Status(); isErr || !strings.Contains(msg, "saved") {
		t.Fatalf("save: %q %v (dialog %q)", msg, isErr, m.Dialog())
	}
	spec = m.Injections()[0].String()
	if !strings.Contains(spec, "0.7*") || !strings.Contains(spec, "+0.3*") {
		t.Fatalf("spec %q", spec)
	}
	raw, err := os.ReadFile(fmt.Sprintf("jrx-session-%d.json", m.Seed()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "0000000") {
		t.Fatal("the saved file holds a weight with float noise")
	}
	var rec engine.Record
	if err := json.Unmarshal(raw, &rec); err != nil || len(rec.Injections) != 1 || rec.Injections[0] != spec {
		t.Fatalf("saved injections %v (%v), want %q", rec.Injections, err, spec)
	}
}

// Below the minimum size, keys act on nothing but quit: an open input does
// not take q as a letter, and the main screen's keys do not inject.
func TestTooSmallActsOnlyOnQuit(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e", "2", "t")
	if m.Dialog() != "picker" {
		t.Fatal("no picker")
	}
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 10})
	press(t, m, "right", "enter", "a", "esc", "n", "c")
	if len(m.Injections()) != 0 || m.Dialog() != "picker" {
		t.Fatalf("keys acted on the too-small screen: injections %v, dialog %q", m.Injections(), m.Dialog())
	}
	m.Update(tea.MouseClickMsg{X: 5, Y: 5, Button: tea.MouseLeft})
	m.Update(tea.PasteMsg{Content: "A"})
	if len(m.Injections()) != 0 || m.Dialog() != "picker" {
		t.Fatal("a click or a paste acted on the too-small screen")
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(t, m, "esc", "p")
	text := m.dialog.(views.Input).Text()
	m.Update(tea.WindowSizeMsg{Width: 40, Height: 10})
	if !press(t, m, "q") {
		t.Fatal("q does not quit the too-small screen")
	}
	if m.dialog.(views.Input).Text() != text {
		t.Fatal("q was typed into the problem")
	}
}

// A message wraps under the status line (the injections stay visible) and
// is cleared by the next action.
func TestStatusMessagesWrapAndClear(t *testing.T) {
	m := newTest(t, 80, 24)
	press(t, m, "e", "2", "b", "enter")
	long := "an error that goes on and on to say why something did not work, much longer than the status line is wide, with a detail at its very end: THE-END"
	m.setError(fmt.Errorf("%s", long))
	out := view(m)
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "THE-END") {
		t.Fatalf("a long message is cut:\n%s", out)
	}
	if !strings.Contains(statusRow(m), "baseline@2=") {
		t.Fatalf("the message hides the injections: %q", statusRow(m))
	}
	checkView(t, m)
	press(t, m, "r")
	if msg, _ := m.Status(); msg != "" || strings.Contains(view(m), "THE-END") {
		t.Fatalf("r did not clear the message: %q", msg)
	}
	m.setError(fmt.Errorf("stale"))
	press(t, m, "e")
	if msg, _ := m.Status(); msg != "" {
		t.Fatalf("e did not clear the message: %q", msg)
	}
}

// Saving: ~ is the home folder; a missing folder keeps the dialog open
// with the error; an existing file is overwritten only after a second
// enter. Opening offers a file picker of session files.
func TestSaveAndOpenFiles(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	work := t.TempDir()
	t.Chdir(work)
	m := newTest(t, 120, 40)
	press(t, m, "e", "2", "b", "enter")
	save := func(path string) {
		t.Helper()
		press(t, m, "w", "ctrl+u")
		m.Update(tea.PasteMsg{Content: path})
		press(t, m, "enter")
	}
	save("~/x.json")
	if _, err := os.Stat(filepath.Join(home, "x.json")); err != nil || m.Dialog() != "" {
		t.Fatalf("~/x.json: %v, dialog %q, status %v", err, m.Dialog(), fmt.Sprint(m.Status()))
	}
	save("~/no/such/folder/x.json")
	if m.Dialog() != "input" || !strings.Contains(view(m), "no folder") {
		t.Fatalf("a missing folder: dialog %q\n%s", m.Dialog(), view(m))
	}
	press(t, m, "esc")
	before, _ := os.ReadFile(filepath.Join(home, "x.json"))
	press(t, m, "n", "e") // another problem, so the file would change
	save("~/x.json")
	if m.Dialog() != "input" || !strings.Contains(view(m), "exists") {
		t.Fatalf("overwriting without asking: dialog %q", m.Dialog())
	}
	if after, _ := os.ReadFile(filepath.Join(home, "x.json")); string(after) != string(before) {
		t.Fatal("the file was overwritten before confirming")
	}
	press(t, m, "enter")
	if after, _ := os.ReadFile(filepath.Join(home, "x.json")); string(after) == string(before) || m.Dialog() != "" {
		t.Fatalf("a second enter did not overwrite (dialog %q)", m.Dialog())
	}

	// The file picker lists the working folder's session files.
	if err := os.WriteFile(filepath.Join(work, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	save(filepath.Join(work, "a.json"))
	seed := m.Seed()
	press(t, m, "n")
	press(t, m, "o")
	if m.Dialog() != "files" {
		t.Fatalf("o opens %q", m.Dialog())
	}
	out := view(m)
	if !strings.Contains(out, "a.json") || !strings.Contains(out, "Open a session file") {
		t.Fatalf("the picker does not list a.json:\n%s", out)
	}
	checkView(t, m)
	press(t, m, "enter") // a.json is the first entry
	if m.Dialog() != "" || m.Seed() != seed || m.Typed() {
		t.Fatalf("choosing a.json: dialog %q, seed %d (want %d), typed %v, status %v", m.Dialog(), m.Seed(), seed, m.Typed(), fmt.Sprint(m.Status()))
	}
	// Typing in the picker starts a path.
	press(t, m, "o", "/")
	if m.Dialog() != "input" || m.dialog.(views.Input).Text() != "/" {
		t.Fatalf("typing in the picker: dialog %q", m.Dialog())
	}
}

// d removes the selected step's injection; ctrl+z and ctrl+y undo and redo
// changes of the injections; N goes back to the previous problem with its
// injections.
func TestInjectionEditsAndPreviousProblem(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e", "1", "b", "enter", "2", "t", "enter")
	specs := func() string {
		var s []string
		for _, in := range m.Injections() {
			s = append(s, in.String())
		}
		return strings.Join(s, " ")
	}
	both := specs()
	if len(m.Injections()) != 2 {
		t.Fatalf("injections %s", both)
	}
	press(t, m, "1", "d")
	if got := m.Injections(); len(got) != 1 || got[0].Step != 2 || len(m.Frame().Injections) != 1 {
		t.Fatalf("d at step 1 left %v", got)
	}
	if msg, _ := m.Status(); !strings.Contains(msg, "removed baseline@1=") {
		t.Fatalf("status %q", msg)
	}
	press(t, m, "d") // nothing at step 1 now
	if len(m.Injections()) != 1 {
		t.Fatal("d without an injection at the step removed one")
	}
	press(t, m, "ctrl+z")
	if specs() != both {
		t.Fatalf("undo: %s, want %s", specs(), both)
	}
	press(t, m, "ctrl+y")
	if len(m.Injections()) != 1 {
		t.Fatalf("redo: %s", specs())
	}
	press(t, m, "c", "ctrl+z")
	if len(m.Injections()) != 1 {
		t.Fatalf("undoing clear: %s", specs())
	}
	// N: back to this problem after a new one, injections and steps kept.
	seed, taken, kept := m.Seed(), m.Frame().Taken(), specs()
	press(t, m, "n")
	if m.Seed() == seed || len(m.Injections()) != 0 {
		t.Fatal("n did not open a new problem")
	}
	press(t, m, "ctrl+z")
	if len(m.Injections()) != 0 {
		t.Fatal("undo reached into the previous problem's injections")
	}
	press(t, m, "N")
	if m.Seed() != seed || specs() != kept || m.Frame().Taken() != taken {
		t.Fatalf("N: seed %d (want %d), injections %s (want %s), taken %d (want %d)", m.Seed(), seed, specs(), kept, m.Frame().Taken(), taken)
	}
	press(t, m, "N") // nothing further back: nothing happens
	if m.Seed() != seed {
		t.Fatal("N with nothing to go back to changed the problem")
	}
}

// The presenter mode: contrast styles, only the task's panel and the lanes,
// a bigger tree; P switches it back.
func TestPresenterMode(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e")
	normal := view(m)
	press(t, m, "P")
	if !m.Presenter() || !m.styles.Contrast && !m.opts.NoColor {
		t.Fatal("P does not switch the presenter mode on")
	}
	out := view(m)
	if strings.Contains(out, "Trajectory") || strings.Contains(out, "Nearest") || !strings.Contains(out, "Problem") || !strings.Contains(out, "Lanes") {
		t.Fatalf("the presenter shows other panels:\n%s", out)
	}
	if r := m.screen().Layout().Rect("tree"); r.W != 120 {
		t.Fatalf("the presenter's tree is %+v", r)
	}
	checkView(t, m)
	press(t, m, "P")
	if m.Presenter() || view(m) != normal {
		t.Fatal("P does not restore the screen")
	}
	p := New(Options{Presenter: true})
	if !p.Presenter() || !p.styles.Contrast {
		t.Fatal("Options.Presenter does not start the presenter mode")
	}
	a := New(Options{ASCII: true})
	if !a.styles.ASCII {
		t.Fatal("Options.ASCII does not draw ASCII")
	}
}
