package app

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/views"
)

func TestBreakpointListAddsTogglesAndDeletes(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "B")
	if m.Dialog() != "breaks" {
		t.Fatalf("B opened %q", m.Dialog())
	}
	// A parse error shows whole in the dialog, and nothing is added.
	typeText(t, m, "margin<")
	press(t, m, "enter")
	d := m.dialog.(views.Breaks)
	want, _ := engine.ParseCondition("margin<")
	_, err := engine.ParseCondition("margin<")
	if d.Err != err.Error() || len(m.Breaks()) != 0 || want != (engine.Condition{}) {
		t.Fatalf("error %q (want %q), %d breakpoints", d.Err, err, len(m.Breaks()))
	}
	if !strings.Contains(view(m), "threshold") {
		t.Fatal("the parse error is not on the screen")
	}
	// A lane the model set lacks: CheckConditions' error.
	press(t, m, "ctrl+u")
	typeText(t, m, "diverge:coconut")
	press(t, m, "enter")
	if d := m.dialog.(views.Breaks); !strings.Contains(d.Err, "no lane") || len(m.Breaks()) != 0 {
		t.Fatalf("unknown lane: error %q, %d breakpoints", d.Err, len(m.Breaks()))
	}
	press(t, m, "ctrl+u")
	typeText(t, m, "angle > 30")
	press(t, m, "enter")
	typeText(t, m, "diverge:talker") // an injection name: resolved to its lane
	press(t, m, "enter")
	bs := m.Breaks()
	if len(bs) != 2 || bs[0].Cond.String() != "angle>30" || !bs[0].On || bs[1].Cond.String() != "diverge:dual" || !bs[1].On {
		t.Fatalf("breakpoints %+v", bs)
	}
	if !strings.Contains(view(m), "[x] angle>30") {
		t.Fatal("the list does not show the breakpoint")
	}
	press(t, m, "up", "tab")
	if bs := m.Breaks(); bs[0].On || !bs[1].On {
		t.Fatalf("tab on the first: %+v", bs)
	}
	press(t, m, "ctrl+x")
	if bs := m.Breaks(); len(bs) != 1 || bs[0].Cond.String() != "diverge:dual" {
		t.Fatalf("ctrl+x on the first: %+v", bs)
	}
	// enter on an empty line closes; the list stays for next time.
	press(t, m, "enter")
	if m.Dialog() != "" || len(m.Breaks()) != 1 {
		t.Fatalf("dialog %q, %d breakpoints", m.Dialog(), len(m.Breaks()))
	}
	press(t, m, "B")
	if d := m.dialog.(views.Breaks); len(d.List) != 1 {
		t.Fatalf("reopened with %d breakpoints", len(d.List))
	}
}

func TestRunUntilStopsWhereTheConditionFirstHolds(t *testing.T) {
	// The angles of the whole run, from a session of our own.
	ref := newTest(t, 120, 40)
	press(t, ref, "e")
	snaps := ref.Frame().Snaps
	if len(snaps) < 3 {
		t.Fatalf("%d steps", len(snaps))
	}
	// A threshold just under step 3's angle: the first step from 2 on
	// whose angle exceeds it is where run until must stop.
	x := snaps[2].Angle - 1e-6
	want := 0
	for i := 1; i < len(snaps); i++ {
		if snaps[i].Angle > x {
			want = i + 1
			break
		}
	}
	m := newTest(t, 120, 40)
	press(t, m, ">")
	if msg, isErr := m.Status(); !isErr || !strings.Contains(msg, "no breakpoint is on") {
		t.Fatalf("run until without breakpoints: %q", msg)
	}
	press(t, m, "B")
	typeText(t, m, fmt.Sprintf("angle>%.9f", x))
	press(t, m, "enter", "esc", ">")
	if got := m.Frame().Taken(); got != want || m.Selected() != want {
		t.Fatalf("stopped at step %d (selected %d), want %d", got, m.Selected(), want)
	}
	msg, _ := m.Status()
	if !strings.Contains(msg, fmt.Sprintf("held at step %d", want)) || !strings.Contains(msg, "angle>") {
		t.Fatalf("status %q", msg)
	}
	if m.cancel != nil {
		t.Fatal("the run until is still marked running")
	}
	// A condition that never holds runs to the end (from the start: the
	// first condition may have held at the last step).
	m.breaks = []views.Breakpoint{{Cond: engine.Condition{Kind: engine.CondAngle, Op: '>', X: 1000}, On: true}}
	press(t, m, "r", ">")
	if f := m.Frame(); f.Taken() != f.Steps {
		t.Fatalf("taken %d of %d", f.Taken(), f.Steps)
	}
	if msg, _ := m.Status(); !strings.Contains(msg, "no breakpoint held") {
		t.Fatalf("status %q", msg)
	}
	// A breakpoint that is off does not count.
	m.breaks[0].On = false
	press(t, m, "r", ">")
	if m.Frame().Taken() != 0 {
		t.Fatalf("ran with every breakpoint off")
	}
}

func TestRunUntilIsCancelled(t *testing.T) {
	m := newTest(t, 120, 40)
	m.breaks = []views.Breakpoint{{Cond: engine.Condition{Kind: engine.CondAngle, Op: '>', X: 1000}, On: true}}
	_, cmd := m.Update(keyMsg(">"))
	if m.cancel == nil || !m.keys.Main.Stop.Enabled() && !m.screen().Keys.Main.Stop.Enabled() {
		t.Fatal("no run until going on")
	}
	if !strings.Contains(view(m), "esc stop running") {
		t.Fatal("the help bar does not offer to stop")
	}
	press(t, m, "esc") // Stop, before the op has taken a step
	drain(t, m, cmd)
	if m.Frame().Taken() != 0 {
		t.Fatalf("the cancelled run took %d steps", m.Frame().Taken())
	}
	if msg, _ := m.Status(); !strings.Contains(msg, "stopped at step 0") {
		t.Fatalf("status %q", msg)
	}
	// A superseding job (a new problem) cancels it too, and its result is
	// dropped.
	_, cmd = m.Update(keyMsg(">"))
	ctxCancelled := m.cancel
	press(t, m, "n")
	if m.cancel != nil || ctxCancelled == nil {
		t.Fatal("a new problem left the run until going")
	}
	drain(t, m, cmd)
	if m.Frame().Taken() != 0 || m.Seed() == 42 {
		t.Fatalf("after the superseded run: taken %d, seed %d", m.Frame().Taken(), m.Seed())
	}
}

func TestForkShowsItsLanesBesideTheRun(t *testing.T) {
	m := newTest(t, 140, 45)
	press(t, m, "e", "2", "f")
	if m.Dialog() != "fork" {
		t.Fatalf("f opened %q", m.Dialog())
	}
	press(t, m, "2")
	if !m.Forked() || m.Frame().Fork == nil {
		t.Fatalf("not forked (status %q)", firstStatus(m))
	}
	fk := m.Frame().Fork
	if len(m.Injections()) != 0 {
		t.Fatal("the fork became an injection of the run")
	}
	in := engine.ForkInjection(2, 2)
	if got := fk.Injections; len(got) != 1 || got[0].String() != in.String() {
		t.Fatalf("fork injections %v", got)
	}
	// The fork's latents are those of a session with the fork injected,
	// computed independently.
	set := tinySet(t)
	s, err := engine.NewSession(set, engine.NewProblem(set.Task, 42), []engine.Injection{in}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEndContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := s.Snapshots()
	if len(fk.Snaps) != len(want) {
		t.Fatalf("fork has %d steps, want %d", len(fk.Snaps), len(want))
	}
	for i := range want {
		for j := range want[i].Latent {
			if math.Float32bits(want[i].Latent[j]) != math.Float32bits(fk.Snaps[i].Latent[j]) {
				t.Fatalf("fork step %d latent %d differs", i+1, j)
			}
		}
	}
	out := view(m)
	if !strings.Contains(out, in.String()+" rows") || !strings.Contains(out, "fork R") {
		t.Fatalf("the lanes panel does not show the fork:\n%s", out)
	}
	// The fork follows the run: back to the start it stays at its step;
	// stepping past it moves it along.
	press(t, m, "r")
	if got := m.Frame().Fork.Taken(); got != 2 {
		t.Fatalf("after reset the fork has %d steps, want 2", got)
	}
	press(t, m, "3")
	if got := m.Frame().Fork.Taken(); got != 3 {
		t.Fatalf("after jumping to 3 the fork has %d steps", got)
	}
	// The compare view diffs it against the run.
	press(t, m, "D")
	if !strings.Contains(view(m), "The fork against the run") {
		t.Fatal("the compare view does not show the fork")
	}
	press(t, m, "esc", "F")
	if m.Forked() || m.Frame().Fork != nil || strings.Contains(view(m), "fork R") {
		t.Fatal("F did not leave the fork")
	}
	// A step after leaving does not bring it back.
	press(t, m, "space")
	if m.Frame().Fork != nil {
		t.Fatal("the fork came back")
	}
}

func firstStatus(m *Model) string { s, _ := m.Status(); return s }

func TestCompareShowsTheFirstDivergence(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "D")
	if !strings.Contains(view(m), "no steps taken") {
		t.Fatal("compare before any step")
	}
	press(t, m, "esc", "e", "D")
	if !strings.Contains(view(m), "no injections: the run is its clean run") {
		t.Fatal("compare without injections")
	}
	// A token forced into the baseline at step 2: nothing differs at step
	// 1 (the Reasoner never reads it), the baseline's token does at 2.
	press(t, m, "esc", "2", "b")
	d := m.dialog.(views.Picker)
	truth := m.Frame().Truth(2)
	if d.Items[d.Cursor] == truth {
		t.Fatal("the picker offers the truth first")
	}
	press(t, m, "enter", "D")
	out := view(m)
	if !strings.Contains(out, "first divergence: step 2") {
		t.Fatalf("compare view:\n%s", out)
	}
	if !strings.Contains(out, "baseline "+m.Frame().Sym(truth)+"→"+m.Frame().Sym(d.Items[d.Cursor])) {
		t.Fatalf("the baseline's change is not shown:\n%s", out)
	}
}

func TestCopyAsCommand(t *testing.T) {
	m := newTest(t, 200, 40)
	press(t, m, "e", "2", "b", "enter")
	_, cmd := m.Update(keyMsg("y"))
	if cmd == nil {
		t.Fatal("no clipboard command")
	}
	msg, isErr := m.Status()
	inj := m.Injections()
	if isErr || !strings.HasPrefix(msg, "jrx run ") || !strings.Contains(msg, "--prompt ") || !strings.Contains(msg, "--seed 42") ||
		len(inj) != 1 || !strings.Contains(msg, "--inject "+engine.ShellQuote(inj[0].String())) {
		t.Fatalf("status %q (injections %v)", msg, inj)
	}
	if msg != m.Frame().Command {
		t.Fatalf("status %q, frame command %q", msg, m.Frame().Command)
	}
}

func TestBatchCountsVerdictsOverFreshProblems(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "A")
	if m.Dialog() != "" {
		t.Fatal("A without injections opened a dialog")
	}
	press(t, m, "e", "2", "b", "enter", "A")
	if m.Dialog() != "batch" {
		t.Fatalf("A opened %q", m.Dialog())
	}
	press(t, m, "left", "enter") // 10 problems
	d := m.dialog.(views.Batch)
	if d.Running || d.Done != 10 || d.Total != 10 {
		t.Fatalf("batch: running %v, %d/%d", d.Running, d.Done, d.Total)
	}
	// The same counts from sessions of our own.
	set := tinySet(t)
	want := map[string]map[string]int{}
	skipped := 0
	for i := 1; i <= 10; i++ {
		s, err := engine.NewSession(set, engine.NewProblem(set.Task, 42+uint64(i)), m.Injections(), engine.Options{})
		if err != nil {
			skipped++
			continue
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		for _, l := range s.Summary().Lanes {
			if want[l.Name] == nil {
				want[l.Name] = map[string]int{}
			}
			want[l.Name][l.Verdict]++
		}
	}
	if d.Skipped != skipped {
		t.Fatalf("skipped %d, want %d", d.Skipped, skipped)
	}
	for _, l := range d.Lanes {
		for v, n := range want[l.Info.Name] {
			if l.Verdicts[v] != n {
				t.Fatalf("%s %s: %d, want %d", l.Info.Name, v, l.Verdicts[v], n)
			}
		}
		total := 0
		for _, n := range l.Verdicts {
			total += n
		}
		if total != 10-skipped {
			t.Fatalf("%s: %d verdicts for %d problems", l.Info.Name, total, 10-skipped)
		}
	}
	if !strings.Contains(view(m), "10/10 done") {
		t.Fatalf("batch view:\n%s", view(m))
	}
}

func TestBatchIsCancelledWhenClosed(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e", "2", "b", "enter", "A")
	_, cmd := m.Update(keyMsg("enter"))
	if m.batch == nil {
		t.Fatal("no batch going on")
	}
	press(t, m, "esc")
	if m.batch != nil || m.Dialog() != "" {
		t.Fatal("esc left the batch going")
	}
	drain(t, m, cmd) // the first problem's result is dropped
	if m.Dialog() != "" {
		t.Fatal("a dropped result reopened the dialog")
	}
}

// The PCA panel is hidden until asked for (v, then s); its projections
// carry the variance its title states: Σ PC1² over the points, divided by
// the points' total variance computed here from the latents and the
// hypotheses' rows, is the explained fraction (and likewise PC2).
func TestPCAPanel(t *testing.T) {
	m := newTest(t, 160, 50)
	press(t, m, "e")
	if strings.Contains(view(m), "PCA") {
		t.Fatal("the PCA panel shows by default")
	}
	press(t, m, "v", "s", "esc")
	out := view(m)
	if !strings.Contains(out, "PCA · PC1") || !strings.Contains(out, "1-9 the steps' latents") {
		t.Fatalf("the PCA panel is not shown:\n%s", out)
	}
	f := m.Frame()
	p := f.PCA
	if len(p.Steps) != f.Taken() || len(p.Vocab) != len(f.Problem.Hypotheses()) {
		t.Fatalf("%d step points for %d steps, %d vocabulary points", len(p.Steps), f.Taken(), len(p.Vocab))
	}
	set := tinySet(t)
	d := set.Reasoner.Cfg.D
	var rows [][]float64
	for _, sn := range f.Snaps {
		r := make([]float64, d)
		for j, x := range sn.Latent {
			r[j] = float64(x)
		}
		rows = append(rows, r)
	}
	for _, v := range p.Vocab {
		row := set.Reasoner.Target[v.Token*d : (v.Token+1)*d]
		var nn float64
		for _, x := range row {
			nn += float64(x) * float64(x)
		}
		r := make([]float64, d)
		for j, x := range row {
			r[j] = float64(x) / math.Sqrt(nn)
		}
		rows = append(rows, r)
	}
	mean := make([]float64, d)
	for _, r := range rows {
		for j, x := range r {
			mean[j] += x / float64(len(rows))
		}
	}
	var total float64
	for _, r := range rows {
		for j, x := range r {
			total += (x - mean[j]) * (x - mean[j])
		}
	}
	var sx, sy float64
	pts := append([][2]float64{}, p.Steps...)
	for _, v := range p.Vocab {
		pts = append(pts, [2]float64{v.X, v.Y})
	}
	for _, q := range pts {
		sx += q[0] * q[0]
		sy += q[1] * q[1]
	}
	if math.Abs(sx/total-p.Explained[0]) > 1e-4 || math.Abs(sy/total-p.Explained[1]) > 1e-4 || p.Explained[0] < p.Explained[1] {
		t.Fatalf("PC1 %.6f (projections %.6f), PC2 %.6f (projections %.6f)", p.Explained[0], sx/total, p.Explained[1], sy/total)
	}
}

// A divergence breakpoint names the tokens by their symbols: a token
// forced into the baseline at step 2 makes diverge:baseline hold there,
// with the forced token and the clean run's.
func TestRunUntilNamesTokens(t *testing.T) {
	m := newTest(t, 120, 40)
	press(t, m, "e", "2", "b")
	pk := m.dialog.(views.Picker)
	forced := pk.Items[pk.Cursor]
	press(t, m, "enter", "r", "B")
	typeText(t, m, "diverge:baseline")
	press(t, m, "enter", "esc", ">")
	f := m.Frame()
	want := fmt.Sprintf("breakpoint diverge:baseline held at step 2: baseline's token at step 2 is %s, the clean run's %s",
		f.Vocab.Sym(forced), f.Vocab.Sym(f.Clean[1].Token(engine.LaneBaseline)))
	if msg, _ := m.Status(); msg != want {
		t.Fatalf("status %q\nwant   %q", msg, want)
	}
}

// A letter in the fork dialog forks onto that token's hypothesis: the
// fork is fork@T=X, and its latent at T is X's normalised target-table row
// (checked here against the row itself).
func TestForkOnANamedToken(t *testing.T) {
	m := newTest(t, 140, 45)
	press(t, m, "e", "2", "f")
	f := m.Frame()
	sib := -1
	for _, h := range f.Problem.Hypotheses() {
		if h != f.Truth(2) && len([]rune(f.Vocab.Sym(h))) == 1 {
			sib = h
			break
		}
	}
	press(t, m, strings.ToLower(f.Vocab.Sym(sib)))
	fk := m.Frame().Fork
	if fk == nil {
		t.Fatalf("no fork (status %q)", firstStatus(m))
	}
	if got := fk.Injections[0].String(); got != "fork@2="+f.Vocab.Sym(sib) {
		t.Fatalf("fork %s", got)
	}
	set := tinySet(t)
	d := set.Reasoner.Cfg.D
	row := set.Reasoner.Target[sib*d : (sib+1)*d]
	var nn float64
	for _, x := range row {
		nn += float64(x) * float64(x)
	}
	lat := fk.Snaps[1].Latent
	for j := range row {
		if math.Abs(float64(lat[j])-float64(row[j])/math.Sqrt(nn)) > 1e-6 {
			t.Fatalf("component %d: %g, want %g", j, lat[j], float64(row[j])/math.Sqrt(nn))
		}
	}
}

// The compare view against a saved session: the clean run saved, a token
// forced into the baseline at step 2, then D, o and the file: the view
// shows the file against the run, diverging at step 2, with a note that
// the injections differ.
func TestCompareWithASessionFile(t *testing.T) {
	t.Chdir(t.TempDir())
	m := newTest(t, 120, 40)
	press(t, m, "e", "w", "ctrl+u")
	typeText(t, m, "clean.json")
	press(t, m, "enter")
	if msg, _ := m.Status(); !strings.Contains(msg, "saved") {
		t.Fatalf("save: %q", msg)
	}
	press(t, m, "2", "b", "enter", "D", "o")
	if m.Dialog() != "files" {
		t.Fatalf("o in the compare view opened %q", m.Dialog())
	}
	press(t, m, "tab", "ctrl+u")
	typeText(t, m, "nosuch.json")
	press(t, m, "enter")
	if m.Dialog() != "input" || !strings.Contains(view(m), "nosuch.json") {
		t.Fatalf("a missing file: dialog %q\n%s", m.Dialog(), view(m))
	}
	press(t, m, "ctrl+u")
	typeText(t, m, "clean.json")
	press(t, m, "enter")
	if m.Dialog() != "compare" {
		t.Fatalf("dialog %q after choosing the file (status %q)", m.Dialog(), firstStatus(m))
	}
	out := view(m)
	for _, want := range []string{"The run against clean.json", "injections: [] | [baseline@2=", "first divergence: step 2"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the compare view lacks %q:\n%s", want, out)
		}
	}
}
