package views

import (
	"fmt"
	"image/color"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"jrx/engine"
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

// standardWants are the explorer's panels' size preferences as a frame of
// the tree task gives them, with synthetic extras that use every region.
func standardWants(need [4]int) []Want {
	return []Want{
		{ID: "tree", Place: PlaceSide, W: need[0], MinW: need[1]},
		{ID: PanelTrajectory, Place: PlaceStrip, H: need[2]},
		{ID: PanelNearest, Place: PlaceRow, Share: 45},
		{ID: PanelMixture, Place: PlaceRow, Share: 55},
		{ID: PanelLanes, Place: PlaceBottom, H: need[3]},
		{ID: "side2", Place: PlaceSide, W: need[0] / 2, MinW: need[1] / 2},
		{ID: "strip2", Place: PlaceStrip, H: need[2] + 1},
		{ID: "row3", Place: PlaceRow},
		{ID: "bottom2", Place: PlaceBottom, H: need[3] / 2},
	}
}

func TestLayoutTilesTheBody(t *testing.T) {
	// Subsets of the panels, as bit masks over standardWants: everything,
	// nothing, each alone, the explorer's own five, and some mixes.
	masks := []int{0x1f, 0, 1 << 4, 1, 1 | 1<<4, 1<<1 | 1<<3 | 1<<4, 1 | 1<<2, 1<<2 | 1<<3, 1 << 1, 1 << 2,
		0x1ff, 1<<5 | 1, 1<<6 | 1<<1 | 1<<2, 1<<8 | 1<<4 | 1<<7, 1<<6 | 1<<1, 1<<5 | 1<<6 | 1<<7 | 1<<8}
	for w := 0; w <= 240; w += 3 {
		for h := 0; h <= 80; h += 2 {
			for _, need := range [][4]int{{36, 22, 4, 10}, {64, 34, 3, 7}, {0, 0, 0, 0}, {500, 500, 50, 50}} {
				all := standardWants(need)
				for _, mask := range masks {
					var wants []Want
					for i, wt := range all {
						if mask&(1<<i) != 0 {
							wants = append(wants, wt)
						}
					}
					l := Compute(w, h, 1, 1, wants, (w+h)%2 == 0)
					if w < MinWidth || h < MinHeight {
						if !l.TooSmall {
							t.Fatalf("%d×%d: not too small", w, h)
						}
						continue
					}
					if len(l.Areas) != len(wants) {
						t.Fatalf("%d×%d mask %#x: %d areas for %d panels", w, h, mask, len(l.Areas), len(wants))
					}
					ps := l.Panels()
					area := 0
					for i, a := range ps {
						if a.X < 0 || a.Y < l.Body.Y || a.X+a.W > w || a.Y+a.H > l.Body.Y+l.Body.H {
							t.Fatalf("%d×%d mask %#x: panel %+v outside the body %+v", w, h, mask, a, l.Body)
						}
						area += a.W * a.H
						for _, b := range ps[i+1:] {
							if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
								t.Fatalf("%d×%d mask %#x: %+v overlaps %+v", w, h, mask, a, b)
							}
						}
					}
					if len(wants) > 0 && area != l.Body.W*l.Body.H {
						t.Fatalf("%d×%d mask %#x: panels cover %d cells of %d", w, h, mask, area, l.Body.W*l.Body.H)
					}
					if l.Status.H+l.Body.H+l.Help.H != h {
						t.Fatalf("%d×%d: chrome and body do not add up", w, h)
					}
				}
			}
		}
	}
}

// The explorer's five panels keep the geometry they had as fixed fields: the
// tree on the left (40% at most, 45% compact), the trajectory on top of the
// right column, nearest and mixture 45:55 under it, the lanes at the bottom
// (at most half the body).
func TestLayoutOfTheExplorer(t *testing.T) {
	wants := standardWants([4]int{36, 22, 4, 10})[:5]
	l := Compute(120, 40, 1, 1, wants, false)
	tree, traj, near, mix, lanes := l.Rect("tree"), l.Rect(PanelTrajectory), l.Rect(PanelNearest), l.Rect(PanelMixture), l.Rect(PanelLanes)
	want := map[string]Rect{
		"tree": {0, 1, 38, 26}, "traj": {38, 1, 82, 6}, "near": {38, 7, 36, 20}, "mix": {74, 7, 46, 20}, "lanes": {0, 27, 120, 12},
	}
	for name, got := range map[string]Rect{"tree": tree, "traj": traj, "near": near, "mix": mix, "lanes": lanes} {
		if got != want[name] {
			t.Errorf("%s: %+v, want %+v", name, got, want[name])
		}
	}
	// Without the side panel (a task with no panel), the right column takes
	// the whole width.
	l = Compute(120, 40, 1, 1, wants[1:], false)
	if r := l.Rect(PanelTrajectory); r.X != 0 || r.W != 120 {
		t.Errorf("without a task panel the trajectory is %+v", r)
	}
}

func TestRenderFitsEverySize(t *testing.T) {
	styles := []*Styles{PlainStyles(), NewStyles(true), NewStyles(false)}
	modes := dialogIDs
	i := 0
	for w := 0; w <= 230; w += 13 {
		for h := 0; h <= 72; h += 7 {
			for _, taken := range []int{0, 2, 4} {
				s := fixtureScreen(t, w, h, taken, min(taken, 2), taken > 2)
				s.Styles = styles[i%len(styles)]
				if i%3 == 1 && taken == 4 { // a fork's lanes and the PCA scatter too
					s.Frame.Fork = forkFixture(t)
					s.Frame.PCA = &PCAView{Explained: [2]float64{0.5, 0.3}, Steps: [][2]float64{{0, 0}, {1, 1}, {2, 0}, {3, 1}},
						Vocab: []PCAToken{{Token: s.Frame.Answer[0], X: 0.1, Y: 0.2}}}
				}
				s.Dialog = testDialog(modes[i%len(modes)], s)
				i++
				checkFrame(t, Render(s), w, h)
			}
		}
	}
	for _, sz := range [][2]int{{MinWidth, MinHeight}, {MinWidth - 1, MinHeight}, {MinWidth, MinHeight - 1}, {80, 24}, {120, 40}, {200, 60}, {1, 1}, {300, 100}} {
		for _, m := range modes {
			s := fixtureScreen(t, sz[0], sz[1], 4, 2, true)
			s.Dialog = testDialog(m, s)
			checkFrame(t, Render(s), sz[0], sz[1])
		}
	}
}

// dialogIDs are the dialogs testDialog makes; "" is none.
var dialogIDs = []string{"", "help", "picker", "noise", "surgery", "input", "toggles", "files", "breaks", "fork", "compare", "batch"}

func testDialog(id string, s Screen) Dialog {
	k := DefaultKeyMap()
	lane, _ := s.Frame.laneInfo("baseline")
	switch id {
	case "help":
		return NewHelp(k.Help, s.Keys.Main)
	case "picker":
		return Picker{Keys: k.Picker, Lane: lane, Step: 2, Items: []int{0, 3, 14, 21, 30}, Cursor: 1, TrueTok: 21}
	case "noise":
		d := NewNoise(k.Noise, 2)
		d.SigmaIdx = 1
		return d
	case "surgery":
		return Surgery{Keys: k.Surgery, Step: 2, A: 21, B: 3, Weight: 0.6, Field: 2, Cands: []int{0, 3, 21}}
	case "input":
		return NewInput(k.Input, "problem", "Type or paste a problem", "enter opens it · esc cancels", "OV,OD,VX,VU,DE,DB[ROOT]O[TARGET]Q").
			WithErr("OV,OD,VX,VU,DE,DB[ROOT]O[TARGET]Q\n                                 ^ offset 33 \"Q\": the target is not in the tree")
	case "toggles":
		return NewToggles(k.Toggles, s.Frame)
	case "breaks":
		d := NewBreaks(k.Breaks, []Breakpoint{{Cond: engine.Condition{Kind: engine.CondMargin, Op: '<', X: 0.2}, On: true},
			{Cond: engine.Condition{Kind: engine.CondDiverge, Lane: "baseline"}, On: false}})
		d = d.Paste("angle>").(Breaks)
		_, err := engine.ParseCondition("angle>")
		return d.WithErr(err.Error())
	case "fork":
		return NewFork(k.Fork, 2)
	case "compare":
		return NewCompare(k.Compare).Of(s.Frame).Resize(s.Width, s.Height)
	case "batch":
		d := NewBatch(k.Batch, s.Frame.Injections)
		d.Started, d.Running, d.Done, d.Total, d.Skipped = true, true, 13, 20, 1
		for i, l := range s.Frame.LaneInfo {
			d.Lanes = append(d.Lanes, BatchLane{Info: l, Verdicts: map[string]int{engine.VerdictCorrect: 12 - 3*i, engine.VerdictPropagated: 3 * i}})
		}
		return d
	case "files":
		// The picker on this package's testdata folder, its directory read
		// at once (the app runs that command).
		d, cmd := NewFiles(k.Files, NewInput(k.Input, "open", "Open a session file", "", ""), "testdata", PlainStyles(), s.Height)
		var dd Dialog = d
		for cmd != nil {
			dd, cmd = dd.(Files).Handle(cmd())
		}
		return dd
	}
	return nil
}

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name       string
		w, h       int
		taken, sel int
		inj        bool
		dialog     string
	}{
		{"80x24", 80, 24, 4, 4, false, ""},
		{"120x40", 120, 40, 4, 4, false, ""},
		{"200x60", 200, 60, 4, 4, false, ""},
		{"80x24-injected", 80, 24, 4, 2, true, ""},
		{"120x40-injected", 120, 40, 4, 2, true, ""},
		{"200x60-injected", 200, 60, 4, 2, true, ""},
		{"120x40-start", 120, 40, 0, 0, false, ""},
		{"80x24-picker", 80, 24, 4, 2, false, "picker"},
		{"120x40-help", 120, 40, 2, 2, false, "help"},
		{"50x15-too-small", 50, 15, 4, 4, false, ""},
		{"300x100-injected", 300, 100, 4, 2, true, ""},
		{"120x40-presenter", 120, 40, 4, 2, true, "presenter"},
		{"120x40-ascii", 120, 40, 4, 2, true, "ascii"},
		{"80x24-off-distribution", 80, 24, 0, 0, false, "off-distribution"},
		{"80x24-surgery", 80, 24, 4, 2, false, "surgery"},
		{"80x24-breaks", 80, 24, 2, 2, false, "breaks"},
		{"120x40-fork-dialog", 120, 40, 4, 2, false, "fork"},
		{"120x40-fork", 120, 40, 4, 2, false, "fork-lanes"},
		{"120x40-compare", 120, 40, 4, 2, true, "compare"},
		{"120x40-batch", 120, 40, 4, 2, true, "batch"},
		{"140x45-pca", 140, 45, 4, 2, false, "pca"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := fixtureScreen(t, c.w, c.h, c.taken, c.sel, c.inj)
			switch c.dialog {
			case "presenter":
				s.Presenter = true
				s.Styles = ContrastStyles(true)
				for _, id := range []string{PanelTrajectory, PanelNearest, PanelMixture} {
					s.Show.Hide(id)
				}
				c.dialog = ""
			case "ascii":
				s.Styles = PlainStyles().WithASCII()
				c.dialog = ""
			case "pca":
				// Hand-placed points: steps 1-4 along a curve, the
				// hypotheses around them (the fixture's problem has V,
				// D, X, U, E, B, O... as nodes).
				pv := &PCAView{Explained: [2]float64{0.52, 0.31}, Steps: [][2]float64{{-1, 0.2}, {-0.2, 0.8}, {0.5, 0.1}, {1, -0.9}}}
				for i, tok := range s.Frame.Problem.Hypotheses() {
					pv.Vocab = append(pv.Vocab, PCAToken{Token: tok, X: -1.2 + 0.35*float64(i), Y: -1 + 0.3*float64(i%4)})
				}
				s.Frame.PCA = pv
				c.dialog = ""
			case "fork-lanes":
				s.Frame.Fork = forkFixture(t)
				s.Keys.Main.SetState(KeyState{HasSet: true, HasSession: true, Taken: 4, Steps: s.Frame.Steps, Selected: 2, Forked: true})
				c.dialog = ""
			case "off-distribution":
				s.Frame.OutOfDistribution = "this tree has 2 levels; the models were trained on 3-level trees"
				s.Status.Typed = true
				c.dialog = ""
			}
			s.Dialog = testDialog(c.dialog, s)
			if c.dialog != "" {
				s.Keys.Main.SetState(KeyState{Dialog: true, HasSet: true, HasSession: true})
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

// Render is a pure function of the Screen: it must not change the frame,
// the dialog or the key map it is given, nor keep state between calls. The
// test renders a screen, churns through other renders that share its
// frame, its key map and its dialog (other sizes, dialogs, visibilities,
// styles), renders it again, and compares both with a render of an
// independently built equal screen; the frame must still equal a freshly
// built one, field by field.
func TestRenderIsPure(t *testing.T) {
	for _, id := range dialogIDs {
		s := fixtureScreen(t, 120, 40, 4, 2, true)
		s.Dialog = testDialog(id, s)
		first := Render(s)

		for _, w := range []int{80, 200, 64} {
			o := s
			o.Width, o.Height = w, w/3
			Render(o)
		}
		for _, other := range dialogIDs {
			o := s
			o.Dialog = testDialog(other, s)
			o.Sel = 3
			o.Show.Hide(PanelNearest)
			o.Show.HideLane("dual")
			o.Styles = NewStyles(false)
			Render(o)
			OverlayItemAt(o, 60, 20)
			StepAt(o, 60, 3)
		}
		again := Render(s)

		fresh := fixtureScreen(t, 120, 40, 4, 2, true)
		fresh.Dialog = testDialog(id, fresh)
		want := Render(fresh)
		if first != want {
			t.Fatalf("dialog %q: the render differs from that of an equal screen built apart", id)
		}
		if again != want {
			t.Fatalf("dialog %q: rendering other screens that share this one's frame and keys changed its render", id)
		}
		if !reflect.DeepEqual(s.Frame, fresh.Frame) {
			t.Fatalf("dialog %q: rendering changed the frame", id)
		}
		// (bubbles' filepicker holds closures and a per-instance id, which
		// DeepEqual cannot compare; its render is compared above.)
		if id != "files" && !reflect.DeepEqual(s.Dialog, fresh.Dialog) {
			t.Fatalf("dialog %q: rendering changed the dialog", id)
		}
		if !s.Show.Panel(PanelNearest) || !s.Show.Lane("dual") {
			t.Fatal("hiding on a copy of the visibility hid on the original")
		}
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
		traj, lanes := l.Rect(PanelTrajectory), l.Rect(PanelLanes)
		lines := strings.Split(ansi.Strip(Render(s)), "\n")
		// The trajectory's first row shows "N TOK" for step N; clicking on
		// the digit selects that step.
		for step := 1; step <= 4; step++ {
			row := []rune(lines[traj.Y+1])
			x := -1
			for i := traj.X + 1 + trajLabelW; i+1 < len(row); i++ {
				if row[i] == rune('0'+step) && row[i+1] == ' ' {
					x = i
					break
				}
			}
			if x < 0 {
				t.Fatalf("%v: no cell %d in %q", sz, step, string(row))
			}
			if got := StepAt(s, x, traj.Y+1); got != step {
				t.Errorf("%v: click at the trajectory's cell %d selects %d", sz, step, got)
			}
			lx := lanes.X + 1 + laneLabelW + (step-1)*stepW(lanes, l.Compact) + 1
			if got := StepAt(s, lx, lanes.Y+2); got != step {
				t.Errorf("%v: click at the lanes' column %d selects %d", sz, step, got)
			}
			if got := LanesStepAt(lanes, 4, 1, lx, lanes.Y+2, l.Compact, l.Large); got != step {
				t.Errorf("%v: LanesStepAt at the lanes' column %d selects %d", sz, step, got)
			}
		}
		if got := StepAt(s, 0, 0); got != 0 {
			t.Errorf("a click outside selects %d", got)
		}
		if got := StepAt(s, l.Rect("tree").X+3, l.Rect("tree").Y+3); got != 0 {
			t.Errorf("a click in the tree selects %d", got)
		}
	}
}

func stepW(r Rect, compact bool) int {
	cw, _, _ := stepCells(r.W-2-laneLabelW-verdictW(compact), 4, 1, 5, 8)
	return cw
}

func TestOverlayItemsAreClickable(t *testing.T) {
	s := fixtureScreen(t, 80, 24, 4, 2, false)
	s.Dialog = testDialog("picker", s)
	lines := strings.Split(ansi.Strip(Render(s)), "\n")
	found := 0
	for y, l := range lines {
		r := []rune(l)
		for x := range r {
			if i := OverlayItemAt(s, x, y); i >= 0 {
				// The cell under the click shows the item's token.
				want := s.Frame.sym(s.Dialog.(Picker).Items[i])
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
	s.Dialog = testDialog("toggles", s)
	hits := 0
	for y := 0; y < 24; y++ {
		if OverlayItemAt(s, 40, y) >= 0 {
			hits++
		}
	}
	if n := len(s.Dialog.(Toggles).Items); hits != n || n != 9 {
		t.Fatalf("%d toggle rows are clickable, want %d (5 panels and 4 lanes)", hits, n)
	}
}

func TestKeyMapFollowsState(t *testing.T) {
	k := DefaultKeyMap().Main
	k.SetState(KeyState{HasSet: true, HasSession: true, Taken: 0, Steps: 4})
	if k.Inject[0].Binding.Enabled() || k.Inject[1].Binding.Enabled() || k.Undo.Enabled() || k.Clear.Enabled() || !k.Step.Enabled() || !k.End.Enabled() {
		t.Fatal("at step 0: injections, undo and clear must be off, step and run-to-end on")
	}
	k.SetState(KeyState{HasSet: true, HasSession: true, Taken: 4, Steps: 4, Selected: 4, HasInjections: true})
	if k.Step.Enabled() || k.End.Enabled() || !k.Inject[0].Binding.Enabled() || !k.Clear.Enabled() || !k.Prev.Enabled() {
		t.Fatal("at the end: step and run-to-end off; inject, clear and prev on")
	}
	for _, b := range k.ShortHelp() {
		if b.Help().Desc == "step" && b.Enabled() {
			t.Fatal("the help bar offers a key that does nothing")
		}
	}
	k.SetState(KeyState{Dialog: true, HasSet: true, HasSession: true, Taken: 4, Steps: 4, Selected: 2})
	for _, b := range k.all() {
		if b.Enabled() {
			t.Fatalf("a dialog has the keys, but the main screen's %q is on", b.Help().Key)
		}
	}
	k.SetState(KeyState{Fatal: true})
	if !k.Quit.Enabled() || k.New.Enabled() || !k.Help.Enabled() {
		t.Fatal("on the error screen: quit and help work, new problem does not")
	}
	k.SetState(KeyState{Loading: true})
	if !k.Quit.Enabled() || k.Help.Enabled() {
		t.Fatal("while loading: only quit works")
	}
}

// A copy of the key map keeps its own enabled state (SetState on the copy
// given to a Screen must not switch the original's lane pickers).
func TestKeyMapCopiesAreIndependent(t *testing.T) {
	k := DefaultKeyMap()
	k.Main.SetState(KeyState{HasSet: true, HasSession: true, Taken: 4, Steps: 4, Selected: 2})
	c := k
	c.Main.SetState(KeyState{Dialog: true})
	if !k.Main.Inject[0].Binding.Enabled() {
		t.Fatal("SetState on a copy switched the original's lane picker off")
	}
}

// The lane pickers follow the set's lanes: a lane that can be forced and
// has no default key gets the first free letter of its injection name; a
// lane that cannot be forced gets none.
func TestLanePickersFollowTheLanes(t *testing.T) {
	k := DefaultKeyMap().Main
	lanes := append(engine.StandardLanes(), engine.LaneInfo{Name: "fork", Label: "fork", Kind: engine.KindCoupled, Inject: "fork"},
		engine.LaneInfo{Name: "coconut", Label: "coconut", Kind: engine.KindCoupled, Inject: "coconut"})
	k.ForLanes(lanes)
	var got []string
	for _, lk := range k.Inject {
		got = append(got, lk.Lane+"="+lk.Binding.Help().Key)
	}
	// Every letter and digit of "coconut" is some other binding's key: it
	// gets no picker (its injections still work from a session file).
	// "f" forks on a hypothesis: a lane called fork gets its next letter.
	if strings.Join(got, " ") != "talker=t baseline=b fork=k" {
		t.Fatalf("lane pickers %v", got)
	}
	k.ForLanes(lanes[:2]) // reasoner, mono: nothing to force
	if len(k.Inject) != 0 {
		t.Fatalf("lanes that cannot be forced got pickers: %v", k.Inject)
	}
}

// A task without a registered panel gets none: the other panels take its
// room, and the menu does not list it. A registered one shows with its
// title and its lines.
func TestTaskPanelsComeFromTheRegistry(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, false)
	s.Frame.Task = "no-such-task"
	out := ansi.Strip(Render(s))
	checkFrame(t, Render(s), 120, 40)
	if strings.Contains(out, "Problem") {
		t.Fatal("a task without a panel shows the tree panel")
	}
	if r := s.Layout().Rect(PanelTrajectory); r.X != 0 || r.W != 120 {
		t.Fatalf("without a task panel the trajectory is %+v", r)
	}
	for _, it := range ToggleItems(s.Frame) {
		if it.Panel == "tree" {
			t.Fatal("the menu lists the tree for another task")
		}
	}

	RegisterTaskPanel("test-task", Panel{ID: "parse", Label: "parse view", Key: "t", Place: PlaceSide,
		Size:   func(PanelCtx) Want { return Want{W: 30, MinW: 20} },
		Title:  func(PanelCtx) string { return "Parse" },
		Render: func(c PanelCtx, w, h int) []string { return []string{fmt.Sprintf("parse of step %d", c.Sel)} },
	})
	s.Frame.Task = "test-task"
	out = ansi.Strip(Render(s))
	if !strings.Contains(out, "Parse") || !strings.Contains(out, "parse of step 2") {
		t.Fatalf("the registered task panel is not drawn:\n%s", out)
	}
	if r := s.Layout().Rect("parse"); r.X != 0 || r.W != 32 {
		t.Fatalf("the task panel is at %+v", r)
	}
	if got := TaskPanels(); !slices.Contains(got, "tree") || !slices.Contains(got, "test-task") {
		t.Fatalf("registered task panels: %v", got)
	}
}

// The lanes panel shows the frame's lanes, by their labels, and hides those
// the visibility hides; the menu lists them.
func TestLanesFollowTheFrame(t *testing.T) {
	s := fixtureScreen(t, 120, 40, 4, 2, false)
	s.Frame.LaneInfo = append(s.Frame.LaneInfo, engine.LaneInfo{Name: "coconut", Label: "coconut", Kind: engine.KindCoupled})
	s.Show.HideLane("mono")
	out := ansi.Strip(Render(s))
	for _, l := range []string{"truth", "reasoner", "dual-talker", "baseline", "coconut"} {
		if !strings.Contains(out, "│"+l+" ") {
			t.Errorf("no %s row", l)
		}
	}
	if strings.Contains(out, "mono-talker") {
		t.Error("the hidden Mono-Talker row is drawn")
	}
	var keys []string
	for _, it := range ToggleItems(s.Frame) {
		if it.Lane != "" {
			keys = append(keys, it.Key+"="+it.Lane)
		}
	}
	if strings.Join(keys, " ") != "r=reasoner m=mono d=dual b=baseline c=coconut" {
		t.Fatalf("lane toggles %v", keys)
	}
}

func TestTooSmallSaysWhatIsNeeded(t *testing.T) {
	s := fixtureScreen(t, MinWidth-1, 30, 4, 4, false)
	out := ansi.Strip(Render(s))
	if !strings.Contains(out, "terminal too small") || !strings.Contains(out, fmt.Sprintf("need %d×%d", MinWidth, MinHeight)) {
		t.Fatalf("too-small screen:\n%s", out)
	}
}

// The ASCII fallback draws the same screen with ASCII characters only: the
// same lines, each as wide, and the folded glyphs where the UTF-8 screen
// has its glyphs.
func TestASCIIFallback(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {200, 60}, {64, 20}, {50, 15}} {
		for _, id := range dialogIDs {
			s := fixtureScreen(t, sz[0], sz[1], 4, 2, true)
			s.Dialog = testDialog(id, s)
			utf := Render(s)
			s.Styles = PlainStyles().WithASCII()
			out := Render(s)
			checkFrame(t, out, sz[0], sz[1])
			for i := 0; i < len(out); i++ {
				if out[i] >= 0x80 {
					t.Fatalf("%v %q: a non-ASCII byte in %q", sz, id, strings.Split(out, "\n")[strings.Count(out[:i], "\n")])
				}
			}
			ul, al := strings.Split(ansi.Strip(utf), "\n"), strings.Split(ansi.Strip(out), "\n")
			for i := range ul {
				if ansi.StringWidth(ul[i]) != ansi.StringWidth(al[i]) {
					t.Fatalf("%v %q: line %d is %d wide in ASCII, %d in UTF-8", sz, id, i, ansi.StringWidth(al[i]), ansi.StringWidth(ul[i]))
				}
			}
			if strings.Contains(ansi.Strip(utf), "╭") && !strings.Contains(out, "+-") {
				t.Fatalf("%v %q: the boxes are not drawn with + and -", sz, id)
			}
		}
	}
	s := fixtureScreen(t, 120, 40, 4, 2, true)
	s.Styles = PlainStyles().WithASCII()
	out := ansi.Strip(Render(s))
	for _, want := range []string{"x propagated", "# contained", "+ correct", "Dlatent 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("the ASCII lanes lack %q", want)
		}
	}
}

// Panels grow with a large window: at 300×100 the side panel, the tree and
// the step cells are larger than at 200×60, and the tree takes more rows.
func TestLargeTerminalsGrow(t *testing.T) {
	rows := func(s Screen) (treeW, treeRows, laneCell int) {
		l := s.Layout()
		r := l.Rect("tree")
		lines := strings.Split(ansi.Strip(Render(s)), "\n")
		first, last := -1, -1
		for y := r.Y + 1; y < r.Y+r.H-1; y++ {
			in := string([]rune(lines[y])[r.X+1 : r.X+r.W-1])
			if strings.ContainsAny(in, "╭│[") && !strings.Contains(in, "route") && !strings.Contains(in, "(X) target") {
				if first < 0 {
					first = y
				}
				last = y
			}
		}
		return r.W, last - first + 1, stepW(l.Rect(PanelLanes), l.Compact)
	}
	small := fixtureScreen(t, 200, 60, 4, 2, true)
	big := fixtureScreen(t, 300, 100, 4, 2, true)
	if !big.Layout().Large || small.Layout().Large {
		t.Fatal("the large layout is not chosen by size")
	}
	sw, sr, _ := rows(small)
	bw, br, _ := rows(big)
	if bw <= sw || br <= sr {
		t.Fatalf("the tree panel is %d wide with %d tree rows at 300×100, %d and %d at 200×60", bw, br, sw, sr)
	}
	l := big.Layout()
	if cw, _, _ := stepCells(l.Rect(PanelLanes).W-2-laneLabelW-verdictW(false), 4, 2, 5, laneCellMax(true)); cw <= 8 {
		t.Fatalf("the lanes' step cells stay %d wide at 300×100", cw)
	}
	// Clicks find the steps in the large layout too.
	lanes := l.Rect(PanelLanes)
	for step := 1; step <= 4; step++ {
		cw, _, _ := stepCells(lanes.W-2-laneLabelW-verdictW(false), 4, 2, 5, laneCellMax(true))
		x := lanes.X + 1 + laneLabelW + (step-1)*cw + 1
		if got := StepAt(big, x, lanes.Y+2); got != step {
			t.Fatalf("a click on the large lanes' column %d selects %d", step, got)
		}
	}
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		ch := func(v uint32) float64 {
			x := float64(v) / 65535
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// The help bar and the status line are readable on a light background as
// on a dark one (WCAG AA, 4.5:1 for text), in the normal and the presenter
// styles; bubbles' own light greys (the bar's old colours) are not.
func TestBarsAreReadableOnLightAndDark(t *testing.T) {
	white, black := color.RGBA{255, 255, 255, 255}, color.RGBA{0, 0, 0, 255}
	for _, c := range []struct {
		name string
		st   *Styles
		bg   color.Color
	}{
		{"light", NewStyles(false), white}, {"dark", NewStyles(true), black},
		{"light presenter", ContrastStyles(false), white}, {"dark presenter", ContrastStyles(true), black},
	} {
		for name, s := range map[string]lipgloss.Style{
			"help key": c.st.Help.ShortKey, "help desc": c.st.Help.ShortDesc, "full key": c.st.Help.FullKey, "full desc": c.st.Help.FullDesc,
			"status key": c.st.Status.Key, "status value": c.st.Status.Value, "dim": c.st.Dim,
		} {
			if r := contrast(s.GetForeground(), c.bg); r < 4.5 {
				t.Errorf("%s background: %s has contrast %.2f", c.name, name, r)
			}
		}
	}
	if r := contrast(help.DefaultStyles(false).ShortDesc.GetForeground(), white); r >= 4.5 {
		t.Fatalf("bubbles' light help description has contrast %.2f: the test would not catch unreadable greys", r)
	}
}

// forkFixture is a fork of the clean fixture at step 2: the injected
// fixture's lanes (the Dual-Talker and the baseline leave the run at step
// 2), with a fork as its only injection and nothing forced.
func forkFixture(t testing.TB) *Frame {
	fk := fixture(t, 4, true)
	fk.Injections = []engine.Injection{engine.ForkInjection(2, 2)}
	fk.Summary.Injections = []string{fk.Injections[0].String()}
	for i := range fk.Summary.Lanes {
		fk.Summary.Lanes[i].Forced = make([]bool, 4)
	}
	return fk
}
