package train

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"jrx/nn"
)

// Each change of a recipe field moves exactly the keys of the stages that
// read it.
func TestCFGStageKeys(t *testing.T) {
	stages := []string{"pretrain", "baseline", "sst", "dual", "mono", "coconut0", "coconut3"}
	base := TinyCFGRecipe()
	cases := []struct {
		name    string
		change  func(*CFGRecipe)
		changed []string // stages whose key must change; every other must not
	}{
		{"pretraining lr", func(r *CFGRecipe) { r.LR *= 2 }, stages},
		{"seed", func(r *CFGRecipe) { r.Seed++ }, stages},
		{"SST lr", func(r *CFGRecipe) { r.SSTLR *= 2 }, []string{"baseline", "sst", "dual", "mono"}},
		{"SST steps", func(r *CFGRecipe) { r.SSTSteps++ }, []string{"baseline", "sst", "dual", "mono"}},
		{"R's blocks", func(r *CFGRecipe) { r.ReasonerLayers-- }, []string{"sst", "dual", "mono"}},
		{"k", func(r *CFGRecipe) { r.Model.K = 2 }, []string{"sst", "dual", "mono"}},
		{"feedback scale", func(r *CFGRecipe) { r.Model.FeedbackScale = 2 }, []string{"dual", "mono"}},
		{"Talker lr", func(r *CFGRecipe) { r.TalkerLR *= 2 }, []string{"dual", "mono"}},
		{"COCONUT lr", func(r *CFGRecipe) { r.CoconutLR *= 2 }, []string{"coconut0", "coconut3"}},
		{"COCONUT steps", func(r *CFGRecipe) { r.CoconutSteps = append(slices.Clone(r.CoconutSteps[:len(r.CoconutSteps)-1]), 99) }, []string{"coconut0", "coconut3"}},
		{"evaluation size", func(r *CFGRecipe) { r.EvalN, r.FinalEvalN, r.EvalEvery = 3, 7, 1 }, nil},
	}
	for _, c := range cases {
		r := base
		r.CoconutSteps = slices.Clone(base.CoconutSteps)
		c.change(&r)
		for _, s := range stages {
			want := slices.Contains(c.changed, s)
			got := base.stageKey(s) != r.stageKey(s)
			if got != want {
				t.Errorf("%s: stage %s key changed = %v, want %v", c.name, s, got, want)
			}
			// The JSON round trip the state files go through keeps keys.
			if k, ok := cfgStageKey(s)(r.JSON()); !ok || k != r.stageKey(s) {
				t.Errorf("%s: stage %s key does not survive the recipe's JSON", c.name, s)
			}
		}
	}
}

func TestTreeStageKeys(t *testing.T) {
	stages := []string{"pretrain", "baseline", "sst", "mono", "dual"}
	base := tinyRecipe()
	cases := []struct {
		name    string
		change  func(*Recipe)
		changed []string
	}{
		{"pretraining lr", func(r *Recipe) { r.LR *= 2 }, stages},
		{"k", func(r *Recipe) { r.Model.K = 1 }, []string{"sst", "mono", "dual"}},
		{"EMA", func(r *Recipe) { r.Model.EMA = 0.9 }, []string{"sst", "mono", "dual"}},
		{"SST lr", func(r *Recipe) { r.SSTLR *= 2 }, []string{"baseline", "sst", "mono", "dual"}},
		{"Talker steps", func(r *Recipe) { r.TalkerSteps++ }, []string{"mono", "dual"}},
		{"evaluation size", func(r *Recipe) { r.EvalN, r.FinalEvalN = 3, 7 }, nil},
	}
	for _, c := range cases {
		r := base
		c.change(&r)
		for _, s := range stages {
			want := slices.Contains(c.changed, s)
			if got := base.stageKey(s) != r.stageKey(s); got != want {
				t.Errorf("%s: stage %s key changed = %v, want %v", c.name, s, got, want)
			}
		}
	}
	if sameStage(base.JSON(), "not json", treeStageKey("pretrain")) {
		t.Error("a state saved under an unreadable recipe was accepted")
	}
}

// A run that takes its unchanged stages from another (From) ends with the
// same files as a run that trains every stage itself, and really skips
// the taken stages.
func TestCFGFromEqualsTrainingEverything(t *testing.T) {
	r := TinyCFGRecipe()
	r.PretrainSteps, r.SSTSteps, r.DualSteps, r.MonoSteps = 24, 10, 10, 6
	r.CoconutSteps = []int{4, 6, 4}
	r.EvalEvery, r.EvalN, r.EvalEndN, r.FinalEvalN = 0, 8, 2, 20
	first := t.TempDir()
	if err := (&CFGTrainer{Recipe: r, Dir: first}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2 := r
	r2.SSTLR *= 2
	r2.SSTFeedPasses, r2.SSTFeedBoost = 1, 1 // and the self-fed SST path runs in a trainer
	scratch, taken := t.TempDir(), t.TempDir()
	if err := (&CFGTrainer{Recipe: r2, Dir: scratch}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	trained := map[string]bool{}
	reused := map[string]bool{}
	err := (&CFGTrainer{Recipe: r2, Dir: taken, From: first, ProgressEvery: -1, Progress: func(e Event) {
		switch {
		case strings.HasPrefix(e.Eval, "reused from"):
			reused[e.Stage] = true
		case !e.Done && e.Step > 0:
			trained[e.Stage] = true
		}
	}}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"pretrain", "coconut0", "coconut1", "coconut2"} {
		if !reused[s] || trained[s] {
			t.Errorf("stage %s: reused %v, trained %v; want it taken from the first run", s, reused[s], trained[s])
		}
	}
	for _, s := range []string{"baseline", "sst", "dual", "mono"} {
		if reused[s] || !trained[s] {
			t.Errorf("stage %s: reused %v, trained %v; its SST setting changed, so it must be trained", s, reused[s], trained[s])
		}
	}
	for _, f := range []string{FilePretrain, FileReasoner, FileBaseline, FileMono, FileDual, FileCoconut} {
		a, err1 := nn.ReadSafetensorsFile(filepath.Join(scratch, f))
		b, err2 := nn.ReadSafetensorsFile(filepath.Join(taken, f))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for _, name := range a.Order {
			x, y := a.Tensors[name].Data, b.Tensors[name].Data
			if len(x) != len(y) {
				t.Fatalf("%s: tensor %s sizes %d vs %d", f, name, len(x), len(y))
			}
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
					t.Errorf("%s: tensor %s differs at %d between training everything and taking stages", f, name, i)
					break
				}
			}
		}
		if noSeconds(a.Meta["eval"]) != noSeconds(b.Meta["eval"]) {
			t.Errorf("%s: final figures differ: %s vs %s", f, a.Meta["eval"], b.Meta["eval"])
		}
	}
}

// noSeconds drops the evaluation's wall time from its JSON.
func noSeconds(s string) string {
	if i := strings.Index(s, `,"seconds":`); i >= 0 {
		return s[:i]
	}
	return s
}
