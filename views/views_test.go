package views

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// checkFrame asserts the two invariants of every frame: exactly h lines,
// none wider than w.
func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if out != "" {
			t.Fatalf("%d×%d: want an empty frame", w, h)
		}
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%d×%d: %d lines, want %d", w, h, len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Fatalf("%d×%d: line %d is %d cells wide: %q", w, h, i, n, ansi.Strip(l))
		}
	}
}

func TestLayoutTilesTheBody(t *testing.T) {
	vis := []Visibility{AllVisible(), {}, {Lanes: true}, {Tree: true}, {Tree: true, Lanes: true},
		{Trajectory: true, Mixture: true, Lanes: true}, {Tree: true, Nearest: true}, {Nearest: true, Mixture: true}}
	for w := 0; w <= 240; w += 3 {
		for h := 0; h <= 80; h += 2 {
			for vi, v := range vis {
				for _, need := range []Needs{{36, 22, 4, 10}, {64, 34, 3, 7}, {0, 0, 0, 0}, {500, 500, 50, 50}} {
					l := Compute(w, h, 1, 1, v, need)
					if w < MinWidth || h < MinHeight {
						if !l.TooSmall {
							t.Fatalf("%d×%d: not too small", w, h)
						}
						continue
					}
					ps := l.Panels()
					area := 0
					for i, a := range ps {
						if a.X < 0 || a.Y < l.Body.Y || a.X+a.W > w || a.Y+a.H > l.Body.Y+l.Body.H {
							t.Fatalf("%d×%d vis %d: panel %+v outside the body %+v", w, h, vi, a, l.Body)
						}
						area += a.W * a.H
						for _, b := range ps[i+1:] {
							if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
								t.Fatalf("%d×%d vis %d: %+v overlaps %+v", w, h, vi, a, b)
							}
						}
					}
					if len(ps) > 0 && area != l.Body.W*l.Body.H {
						t.Fatalf("%d×%d vis %d: panels cover %d cells of %d", w, h, vi, area, l.Body.W*l.Body.H)
					}
					if l.Status.H+l.Body.H+l.Help.H != h {
						t.Fatalf("%d×%d: chrome and body do not add up", w, h)
					}
				}
			}
		}
	}
}

func TestRenderFitsEverySize(t *testing.T) {
	styles := []*Styles{PlainStyles(), NewStyles(true), NewStyles(false)}
	modes := []Mode{ModeMain, ModeHelp, ModePicker, ModeNoise, ModeSurgery, ModeInput, ModeToggles}
	i := 0
	for w := 0; w <= 230; w += 13 {
		for h := 0; h <= 72; h += 7 {
			for _, taken := range []int{0, 2, 4} {
				s := fixtureScreen(t, w, h, taken, min(taken, 2), taken > 2)
				s.Styles = styles[i%len(styles)]
				s.Mode = modes[i%len(modes)]
				s.Dialog = testDialog(s.Mode)
				i++
				checkFrame(t, Render(s), w, h)
			}
		}
	}
	for _, sz := range [][2]int{{MinWidth, MinHeight}, {MinWidth - 1, MinHeight}, {MinWidth, MinHeight - 1}, {80, 24}, {120, 40}, {200, 60}, {1, 1}, {300, 100}} {
		for _, m := range modes {
			s := fixtureScreen(t, sz[0], sz[1], 4, 2, true)
			s.Mode, s.Dialog = m, testDialog(m)
			checkFrame(t, Render(s), sz[0], sz[1])
		}
	}
}

func testDialog(m Mode) Dialog {
	d := Dialog{Step: 2, Target: "baseline", Items: []int{0, 3, 14, 21, 30}, Cursor: 1, TrueTok: 21,
		Sigmas: []float64{0.05, 0.1, 0.2, 0.5, 1}, SigmaIdx: 1, A: 21, B: 3, Weight: 0.6, Field: 2}
	if m == ModeInput {
		d.Title = "Type or paste a problem"
		d.Input = "> OV,OD,VX,VU,DE,DB[ROOT]O[TARGET]Q"
		d.Err = "OV,OD,VX,VU,DE,DB[ROOT]O[TARGET]Q\n                                 ^ offset 33 \"Q\": the target is not in the tree"
		d.Hint = "enter opens it · esc cancels"
	}
	return d
}

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name       string
		w, h       int
		taken, sel int
		inj        bool
		mode       Mode
	}{
		{"80x24", 80, 24, 4, 4, false, ModeMain},
		{"120x40", 120, 40, 4, 4, false, ModeMain},
		{"200x60", 200, 60, 4, 4, false, ModeMain},
		{"80x24-injected", 80, 24, 4, 2, true, ModeMain},
		{"120x40-injected", 120, 40, 4, 2, true, ModeMain},
		{"200x60-injected", 200, 60, 4, 2, true, ModeMain},
		{"120x40-start", 120, 40, 0, 0, false, ModeMain},
		{"80x24-picker", 80, 24, 4, 2, false, ModePicker},
		{"120x40-help", 120, 40, 2, 2, false, ModeHelp},
		{"50x15-too-small", 50, 15, 4, 4, false, ModeMain},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := fixtureScreen(t, c.w, c.h, c.taken, c.sel, c.inj)
			s.Mode, s.Dialog = c.mode, testDialog(c.mode)
			if c.mode != ModeMain {
				s.Keys.SetState(KeyState{Mode: c.mode, HasSet: true, HasSession: true})
			}
			out := Render(s)
			checkFrame(t, out, c.w, c.h)
			golden.RequireEqual(t, out)
		})
	}
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(38|48)[;:]`)

func TestPlainStylesHaveNoColour(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, true)
	if out := Render(s); colourSGR.MatchString(out) {
		t.Fatal("the plain (NO_COLOR) styles emit a colour")
	}
	s.Styles = NewStyles(true)
	if out := Render(s); !colourSGR.MatchString(out) {
		t.Fatal("the coloured styles emit no colour (the test would not catch one)")
	}
}

func TestRenderIsPure(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, true)
	if Render(s) != Render(s) {
		t.Fatal("rendering the same screen twice differs")
	}
}

func TestLanesShowVerdictsAndMarks(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, true)
	out := ansi.Strip(Render(s))
	for _, want := range []string{"✗ propagated", "◆ contained", "Δlatent 0", "D*", "!"} {
		if !strings.Contains(out, want) {
			t.Errorf("the lanes lack %q", want)
		}
	}
}

func TestClicksFindSteps(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		s := fixtureScreen(t, sz[0], sz[1], 4, 1, false)
		l := s.Layout()
		lines := strings.Split(ansi.Strip(Render(s)), "\n")
		// The trajectory's first row shows "N TOK" for step N; clicking on
		// the digit selects that step.
		for step := 1; step <= 4; step++ {
			row := []rune(lines[l.Traj.Y+1])
			x := -1
			for i := l.Traj.X + 1 + trajLabelW; i+1 < len(row); i++ {
				if row[i] == rune('0'+step) && row[i+1] == ' ' {
					x = i
					break
				}
			}
			if x < 0 {
				t.Fatalf("%v: no cell %d in %q", sz, step, string(row))
			}
			if got := TrajectoryStepAt(l.Traj, 4, 1, x, l.Traj.Y+1); got != step {
				t.Errorf("%v: click at the trajectory's cell %d selects %d", sz, step, got)
			}
			if got := LanesStepAt(l.Lanes, 4, 1, l.Lanes.X+1+laneLabelW+(step-1)*stepW(l.Lanes, l.Compact)+1, l.Lanes.Y+2, l.Compact); got != step {
				t.Errorf("%v: click at the lanes' column %d selects %d", sz, step, got)
			}
		}
		if got := TrajectoryStepAt(l.Traj, 4, 1, 0, 0); got != 0 {
			t.Errorf("a click outside selects %d", got)
		}
	}
}

func stepW(r Rect, compact bool) int {
	cw, _, _ := stepCells(r.W-2-laneLabelW-verdictW(compact), 4, 1, 5, 8)
	return cw
}

func TestOverlayItemsAreClickable(t *testing.T) {
	s := fixtureScreen(t, 80, 24, 4, 2, false)
	s.Mode, s.Dialog = ModePicker, testDialog(ModePicker)
	lines := strings.Split(ansi.Strip(Render(s)), "\n")
	found := 0
	for y, l := range lines {
		r := []rune(l)
		for x := range r {
			if i := OverlayItemAt(s, x, y); i >= 0 {
				// The cell under the click shows the item's token.
				want := s.Frame.sym(s.Dialog.Items[i])
				seg := string(r[max(0, x-4):min(len(r), x+5)])
				if !strings.Contains(seg, want) {
					t.Fatalf("click at %d,%d picks item %d (%s) but shows %q", x, y, i, want, seg)
				}
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no clickable picker item")
	}
	s.Mode = ModeToggles
	hits := 0
	for y := 0; y < 24; y++ {
		if OverlayItemAt(s, 40, y) >= 0 {
			hits++
		}
	}
	if hits != len(toggleItems) {
		t.Fatalf("%d toggle rows are clickable, want %d", hits, len(toggleItems))
	}
}

func TestKeyMapFollowsState(t *testing.T) {
	k := DefaultKeyMap()
	k.SetState(KeyState{Mode: ModeMain, HasSet: true, HasSession: true, Taken: 0, Steps: 4})
	if k.Talker.Enabled() || k.Baseline.Enabled() || k.Undo.Enabled() || k.Clear.Enabled() || !k.Step.Enabled() || !k.End.Enabled() {
		t.Fatal("at step 0: injections, undo and clear must be off, step and run-to-end on")
	}
	k.SetState(KeyState{Mode: ModeMain, HasSet: true, HasSession: true, Taken: 4, Steps: 4, Selected: 4, HasInjections: true})
	if k.Step.Enabled() || k.End.Enabled() || !k.Talker.Enabled() || !k.Clear.Enabled() || !k.Prev.Enabled() {
		t.Fatal("at the end: step and run-to-end off; inject, clear and prev on")
	}
	for _, b := range k.ShortHelp() {
		if b.Help().Desc == "step" && b.Enabled() {
			t.Fatal("the help bar offers a key that does nothing")
		}
	}
	k.SetState(KeyState{Mode: ModePicker, HasSet: true, HasSession: true, Taken: 4, Steps: 4, Selected: 2})
	if k.Step.Enabled() || !k.Confirm.Enabled() || !k.Cancel.Enabled() {
		t.Fatal("in the picker only the picker's keys work")
	}
	k.SetState(KeyState{Mode: ModeFatal})
	if !k.Quit.Enabled() || k.New.Enabled() {
		t.Fatal("on the error screen: quit works, new problem does not")
	}
}

func TestTooSmallSaysWhatIsNeeded(t *testing.T) {
	s := fixtureScreen(t, MinWidth-1, 30, 4, 4, false)
	out := ansi.Strip(Render(s))
	if !strings.Contains(out, "terminal too small") || !strings.Contains(out, fmt.Sprintf("need %d×%d", MinWidth, MinHeight)) {
		t.Fatalf("too-small screen:\n%s", out)
	}
}
