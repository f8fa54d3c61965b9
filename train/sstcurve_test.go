package train

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/nn"
	"jrx/probes"
	"jrx/probes/treeprobe"
)

// curveRecipe is a recipe of a few seconds: a short pretraining and SST,
// Talkers of a few steps (EvalTree needs them), no final evaluation.
func curveRecipe() Recipe {
	r := TinyRecipe()
	r.PretrainSteps, r.SSTSteps, r.TalkerSteps, r.FinalEvalN = 30, 12, 2, 0
	r.EvalN = 48
	return r
}

// sameTensors reports the first tensor of file that differs between two
// run directories ("" when every tensor is bit-identical).
func sameTensors(t *testing.T, a, b, file string) string {
	t.Helper()
	fa, err1 := nn.ReadSafetensorsFile(filepath.Join(a, file))
	fb, err2 := nn.ReadSafetensorsFile(filepath.Join(b, file))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(fa.Order) != len(fb.Order) {
		return "the tensor lists"
	}
	for _, name := range fa.Order {
		x, y := fa.Tensors[name].Data, fb.Tensors[name].Data
		if len(x) != len(y) {
			return name
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return name
			}
		}
	}
	return ""
}

func run(t *testing.T, tr *Trainer) {
	t.Helper()
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Recording the curve changes no trained number, and its points are what
// an independent evaluation (treeprobe.EvalTree, which streams its own
// batches) measures on the same trees.
func TestSSTCurveRecordsWithoutChangingTraining(t *testing.T) {
	off := curveRecipe()
	on := off
	on.SSTCurveEvery = 5
	dirOff, dirOn := t.TempDir(), t.TempDir()
	run(t, &Trainer{Recipe: off, Dir: dirOff})
	run(t, &Trainer{Recipe: on, Dir: dirOn})
	for _, f := range []string{FilePretrain, FileReasoner, FileBaseline, FileMono, FileDual, "sst.state.safetensors"} {
		if name := sameTensors(t, dirOff, dirOn, f); name != "" {
			t.Errorf("%s: tensor %s differs with the curve on", f, name)
		}
	}
	if _, err := os.Stat(filepath.Join(dirOff, FileSSTCurve)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a run without sst_curve_every wrote a curve (%v)", err)
	}
	// The default recipe's JSON (in every file) does not mention the curve.
	if strings.Contains(off.JSON(), "sst_curve") || strings.Contains(TreeRecipe(4).JSON(), "sst_curve") {
		t.Errorf("a recipe without a curve names it: %s", off.JSON())
	}

	c, err := ReadSSTCurve(dirOn)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, p := range c.Points {
		steps = append(steps, p.Step)
	}
	if want := []int{0, 5, 10, 12}; !equalInts(steps, want) {
		t.Fatalf("curve steps %v, want %v", steps, want)
	}
	if c.K != on.Model.K || c.Seed != on.Seed || c.EvalN != on.EvalN || c.Every != 5 || c.SSTSteps != 12 || c.Depth != 2 {
		t.Errorf("curve header %+v", c)
	}
	set, err := engine.LoadDir(dirOn)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := treeprobe.EvalTree(context.Background(), set.Reasoner, set.Mono, set.Dual, set.Baseline, set.Task, c.EvalN, c.EvalSeed)
	if err != nil {
		t.Fatal(err)
	}
	last := c.Points[len(c.Points)-1]
	if last.MajorRate != rep.MajorContributorRate || last.NearestExact != rep.ReasonerNearestExact ||
		last.PlaneSteps != rep.PlaneSteps || last.PlaneRankPct != rep.SiblingPlaneRankPct {
		t.Errorf("last point %+v; EvalTree on the saved Reasoner: major %v nearest %v steps %d rank %v",
			last, rep.MajorContributorRate, rep.ReasonerNearestExact, rep.PlaneSteps, rep.SiblingPlaneRankPct)
	}
	if last.PlaneSteps != c.EvalN { // depth 2: one route step after the root has a rival
		t.Errorf("plane steps %d, want %d", last.PlaneSteps, c.EvalN)
	}
	// The evaluation trees are the recipe's evaluation stream.
	if ps, _ := probes.NewProblemSet(set.Task, on.Seed<<8|idEval, 1); c.EvalSeed != ps.Seed {
		t.Errorf("eval seed %d, want %d", c.EvalSeed, ps.Seed)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A run interrupted in SST and resumed writes the same curve as an
// uninterrupted one.
func TestSSTCurveResumes(t *testing.T) {
	r := curveRecipe()
	r.SSTCurveEvery = 4
	r.TalkerSteps = 0
	ref := t.TempDir()
	run(t, &Trainer{Recipe: r, Dir: ref})
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	tr := &Trainer{Recipe: r, Dir: dir, SaveEvery: 1, ProgressEvery: -1, Progress: func(e Event) {
		if e.Stage == "sst" && e.Step >= 6 {
			cancel()
		}
	}}
	if err := tr.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("not interrupted: %v", err)
	}
	cancel()
	mid, err := ReadSSTCurve(dir)
	if err != nil || len(mid.Points) != 2 {
		t.Fatalf("curve at the interruption: %+v, %v", mid.Points, err)
	}
	// A point the previous process recorded after the saved state is
	// measured again: make it wrong, the resumed run must replace it.
	mid.Points = append(mid.Points, CurvePoint{Step: 8, MajorRate: 0.123})
	if err := mid.Write(dir); err != nil {
		t.Fatal(err)
	}
	run(t, &Trainer{Recipe: r, Dir: dir, Resume: true})
	a, _ := os.ReadFile(filepath.Join(ref, FileSSTCurve))
	b, _ := os.ReadFile(filepath.Join(dir, FileSSTCurve))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resumed curve differs:\n%s\nuninterrupted:\n%s", b, a)
	}
}

// --from: a finished SST is taken with its curve; one without a curve is
// trained again when this run asks for one (to the same weights); a new k
// reuses the pretraining only.
func TestSSTCurveFrom(t *testing.T) {
	plain := curveRecipe()
	plain.TalkerSteps = 0
	a := t.TempDir()
	run(t, &Trainer{Recipe: plain, Dir: a})

	withCurve := plain
	withCurve.SSTCurveEvery = 6
	b := t.TempDir()
	notes := map[string]string{}
	run(t, &Trainer{Recipe: withCurve, Dir: b, From: a, Progress: func(e Event) {
		if e.Eval != "" && notes[e.Stage] == "" {
			notes[e.Stage] = e.Eval
		}
	}})
	if !strings.Contains(notes["pretrain"], "reused") || !strings.Contains(notes["sst"], "recorded no SST curve") {
		t.Errorf("notes %v", notes)
	}
	if name := sameTensors(t, a, b, FileReasoner); name != "" {
		t.Errorf("SST trained again for its curve differs in %s", name)
	}
	cb, err := ReadSSTCurve(b)
	if err != nil || len(cb.Points) != 3 {
		t.Fatalf("curve %+v, %v", cb, err)
	}

	c := t.TempDir()
	notes = map[string]string{}
	run(t, &Trainer{Recipe: withCurve, Dir: c, From: b, Progress: func(e Event) {
		if e.Eval != "" && notes[e.Stage] == "" {
			notes[e.Stage] = e.Eval
		}
	}})
	if !strings.Contains(notes["sst"], "reused") {
		t.Errorf("SST with a curve was not reused: %v", notes)
	}
	x, _ := os.ReadFile(filepath.Join(b, FileSSTCurve))
	y, _ := os.ReadFile(filepath.Join(c, FileSSTCurve))
	if !bytes.Equal(x, y) {
		t.Error("the reused SST's curve was not copied")
	}

	k2 := withCurve
	k2.Model.K = 2
	d := t.TempDir()
	notes = map[string]string{}
	run(t, &Trainer{Recipe: k2, Dir: d, From: b, Progress: func(e Event) {
		if e.Eval != "" && notes[e.Stage] == "" {
			notes[e.Stage] = e.Eval
		}
	}})
	if !strings.Contains(notes["pretrain"], "reused") || !strings.Contains(notes["baseline"], "reused") || !strings.Contains(notes["sst"], "differs") {
		t.Errorf("k = 2 from a k = 4 run: %v", notes)
	}
	if name := sameTensors(t, b, d, FilePretrain); name != "" {
		t.Errorf("pretraining differs in %s", name)
	}
	// A finished SST resumed with a curve asked for afterwards says it has
	// none.
	late := plain
	late.SSTCurveEvery = 5
	notes = map[string]string{}
	run(t, &Trainer{Recipe: late, Dir: a, Resume: true, Progress: func(e Event) {
		if strings.Contains(e.Eval, "no SST curve") {
			notes[e.Stage] = e.Eval
		}
	}})
	if notes["sst"] == "" {
		t.Error("a resumed run without a curve did not say so")
	}

	cd, err := ReadSSTCurve(d)
	if err != nil || cd.K != 2 {
		t.Fatalf("k = 2 curve %+v, %v", cd, err)
	}
	if cd.Points[0] != cb.Points[0] {
		t.Errorf("step 0 (the shared pretraining) differs: %+v vs %+v", cd.Points[0], cb.Points[0])
	}
	if cd.Points[len(cd.Points)-1] == cb.Points[len(cb.Points)-1] {
		t.Log("k = 2 and k = 4 end at the same point (possible on a tiny run, but suspicious)")
	}
}

func TestReadSSTCurveErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSSTCurve(dir); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "--sst-curve-every") {
		t.Errorf("no curve: %v", err)
	}
	if _, err := ReadSSTCurve(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("no dir: %v", err)
	}
	for body, want := range map[string]string{
		`{"format":"x"}`: "not a jrx SST curve",
		`{"format":"jrx-sst-curve/1","points":[{"step":5},{"step":5}]}`:                   "out of order",
		`{"format":"jrx-sst-curve/1","points":[{"step":5,"major_contributor_rate":1.5}]}`: "outside [0, 1]",
		`[`: "unexpected end",
	} {
		if err := os.WriteFile(filepath.Join(dir, FileSSTCurve), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSSTCurve(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

func TestRecipeCurveValidation(t *testing.T) {
	r := TinyRecipe()
	r.SSTCurveEvery = -1
	if err := r.Validate(); err == nil {
		t.Error("sst_curve_every -1 accepted")
	}
	r.SSTCurveEvery, r.EvalN = 10, 0
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "eval_n") {
		t.Errorf("a curve without evaluation trees: %v", err)
	}
	// The curve's interval is in no stage's key.
	a, b := TreeRecipe(3), TreeRecipe(3)
	b.SSTCurveEvery = 20
	for _, s := range []string{"pretrain", "sst", "baseline", "mono", "dual"} {
		if a.stageKey(s) != b.stageKey(s) {
			t.Errorf("stage %s: the curve changes the key", s)
		}
	}
}
