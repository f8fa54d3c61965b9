package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"jrx/engine"
	"jrx/nn"
	"jrx/probes/treeprobe"
)

func tinyRecipe() Recipe { return TinyRecipe() }

func TestTinyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	dir := t.TempDir()
	tr := &Trainer{Recipe: tinyRecipe(), Dir: dir}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	set, err := engine.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := treeprobe.EvalTree(context.Background(), set.Reasoner, set.Mono, set.Dual, set.Baseline, set.Task, 300, 77)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tiny run: %+v", rep)
	for name, v := range map[string]float64{"baseline": rep.BaselineExact, "mono": rep.ReasonerMonoExact, "dual": rep.ReasonerDualExact} {
		if v < 0.9 {
			t.Errorf("%s route exact match %.3f < 0.9 after the tiny run", name, v)
		}
	}
	// The figures recorded in the files are the final evaluation's.
	var recorded treeprobe.TreeReport
	if err := json.Unmarshal([]byte(set.Meta[engine.FileMono]["eval"]), &recorded); err != nil {
		t.Fatalf("no eval metadata: %v", err)
	}
	if recorded.N != 200 {
		t.Errorf("recorded eval n = %d, want 200", recorded.N)
	}
	if _, err := os.Stat(filepath.Join(dir, "eval.json")); err != nil {
		t.Error(err)
	}
}

// An interrupted run resumed with Resume gives bit-identical files to an
// uninterrupted one.
func TestResumeIsExact(t *testing.T) {
	r := tinyRecipe()
	r.PretrainSteps, r.SSTSteps, r.TalkerSteps, r.FinalEvalN = 40, 20, 12, 20
	ref := t.TempDir()
	if err := (&Trainer{Recipe: r, Dir: ref}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Interrupt in every stage once: the run stops, then resumes.
	resumedAt := map[string]int{}
	for _, stop := range []struct {
		stage string
		step  int
	}{{"pretrain", 17}, {"sst", 5}, {"baseline", 9}, {"mono", 3}, {"dual", 7}} {
		ctx, cancel := context.WithCancel(context.Background())
		tr := &Trainer{Recipe: r, Dir: dir, Resume: true, Progress: func(e Event) {
			if e.Start > 0 {
				resumedAt[e.Stage] = e.Start
			}
			if e.Stage == stop.stage && e.Step >= stop.step {
				cancel()
			}
		}}
		tr.SaveEvery = 1      // save at every step too, to exercise the periodic path
		tr.ProgressEvery = -1 // an event per step, so the stop lands mid-stage
		err := tr.Run(ctx)
		cancel()
		if err == nil {
			t.Fatalf("run was not interrupted in %s", stop.stage)
		}
	}
	if err := (&Trainer{Recipe: r, Dir: dir, Resume: true, Progress: func(e Event) {
		if e.Start > 0 {
			resumedAt[e.Stage] = e.Start
		}
	}}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each stage really continued where it stopped rather than restarting.
	for stage, want := range map[string]int{"pretrain": 17, "sst": 5, "baseline": 9, "mono": 3, "dual": 7} {
		if got := resumedAt[stage]; got < want {
			t.Errorf("stage %s resumed at step %d, it had been stopped at %d", stage, got, want)
		}
	}
	for _, f := range []string{FileReasoner, FileBaseline, FileMono, FileDual} {
		a, err1 := nn.ReadSafetensorsFile(filepath.Join(ref, f))
		b, err2 := nn.ReadSafetensorsFile(filepath.Join(dir, f))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for _, name := range a.Order {
			x, y := a.Tensors[name].Data, b.Tensors[name].Data
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
					t.Errorf("%s: tensor %s differs at %d between the uninterrupted and the resumed run", f, name, i)
					break
				}
			}
		}
		var ea, eb treeprobe.TreeReport
		json.Unmarshal([]byte(a.Meta["eval"]), &ea)
		json.Unmarshal([]byte(b.Meta["eval"]), &eb)
		ea.Seconds, eb.Seconds = 0, 0
		if fmt.Sprint(ea) != fmt.Sprint(eb) {
			t.Errorf("%s: recorded figures differ: %+v vs %+v", f, ea, eb)
		}
	}
}

func TestResumeRefusesOtherRecipe(t *testing.T) {
	r := tinyRecipe()
	r.PretrainSteps, r.SSTSteps, r.TalkerSteps, r.FinalEvalN = 4, 0, 0, 0
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	tr := &Trainer{Recipe: r, Dir: dir, Progress: func(e Event) { cancel() }}
	_ = tr.Run(ctx)
	r.LR *= 2
	err := (&Trainer{Recipe: r, Dir: dir, Resume: true}).Run(context.Background())
	if err == nil {
		t.Fatal("resuming with another recipe was accepted")
	}
}
