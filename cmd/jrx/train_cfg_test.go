package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/tasks"
	"jrx/tasks/cfg"
	"jrx/train"
)

// jrx train cfg: flags, errors and exit codes, the recipe it prints, and
// a short run from a recipe file.
func TestTrainCFG(t *testing.T) {
	empty := t.TempDir()
	badRecipe := filepath.Join(t.TempDir(), "recipe.json")
	if err := os.WriteFile(badRecipe, []byte(`{"task":"cfg","reasoner_layers":99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"train", "cfg", "--levels", "9"}, 2, "--levels 9"},
		{[]string{"train", "cfg", "--coconut-steps", "5,x"}, 2, "--coconut-steps"},
		{[]string{"train", "cfg", "--coconut-steps", "5"}, 2, "coconut_steps"},
		{[]string{"train", "cfg", "--reasoner-layers", "12"}, 2, "reasoner_layers 12"},
		{[]string{"train", "nope"}, 2, "tree, cfg"},
		{[]string{"train", "cfg", "--resume", "--out", empty}, 1, "holds no saved training state"},
		{[]string{"train", "cfg", "--recipe", badRecipe, "--out", t.TempDir()}, 1, "recipe " + badRecipe},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("jrx %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(c.args, " "), code, errOut, c.code, c.msg)
		}
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused command wrote %d files", len(ents))
	}

	code, out, errOut := runCLI(t, "train", "cfg", "--help")
	if code != 0 || !strings.Contains(out, "COCONUT") || !strings.Contains(out, "-coconut-steps") {
		t.Errorf("train cfg --help: exit %d, %q %q", code, out, errOut)
	}

	// --print-recipe: the recipe JSON rebuilds the task it names.
	code, out, errOut = runCLI(t, "train", "cfg", "--levels", "3", "--print-recipe")
	if code != 0 {
		t.Fatalf("--print-recipe: exit %d, %s", code, errOut)
	}
	var r train.CFGRecipe
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	task, err := tasks.New("cfg", json.RawMessage(out))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := cfg.Generate(cfg.DefaultSeed, cfg.DefaultShape(3))
	if !task.(*cfg.Task).Grammar().Equal(want) || r.Levels != 3 || r.Validate() != nil {
		t.Errorf("the printed recipe does not describe the 3-level default grammar")
	}

	// --micro-batches overrides the recipe's field; beyond the batch it is
	// a usage error.
	code, out, errOut = runCLI(t, "train", "cfg", "--micro-batches", "4", "--print-recipe")
	var rm train.CFGRecipe
	if code != 0 || json.Unmarshal([]byte(out), &rm) != nil || rm.MicroBatches != 4 {
		t.Errorf("--micro-batches 4: exit %d, micro_batches %d, %s", code, rm.MicroBatches, errOut)
	}
	code, _, errOut = runCLI(t, "train", "cfg", "--micro-batches", "33", "--print-recipe")
	if code != 2 || !strings.Contains(errOut, "micro_batches 33") {
		t.Errorf("--micro-batches 33 (batch 32): exit %d, %q; want a usage error", code, errOut)
	}

	// A short run from a recipe file: progress lines, the set, eval.json.
	tiny := train.TinyCFGRecipe()
	tiny.PretrainSteps, tiny.SSTSteps, tiny.DualSteps, tiny.MonoSteps = 6, 3, 3, 2
	tiny.CoconutSteps = []int{2, 2, 2}
	tiny.FinalEvalN, tiny.EvalEvery = 10, 0
	file := filepath.Join(t.TempDir(), "tiny.json")
	b, _ := json.Marshal(tiny)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "set")
	code, out, errOut = runCLI(t, "train", "cfg", "--recipe", file, "--out", dir)
	if code != 0 {
		t.Fatalf("train cfg --recipe: exit %d, %s", code, errOut)
	}
	for _, s := range []string{"pretrain done", "coconut2 done", "process CPU", "eval     done", "done in"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	for _, f := range []string{"reasoner", "baseline", "mono", "dual", "coconut"} {
		if _, err := os.Stat(filepath.Join(dir, f+".safetensors")); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "eval.json")); err != nil {
		t.Error(err)
	}
	// The directory now holds a run: without --resume it is refused.
	if code, _, errOut = runCLI(t, "train", "cfg", "--recipe", file, "--out", dir); code != 1 || !strings.Contains(errOut, "--resume") {
		t.Errorf("a second run into %s: exit %d, %q", dir, code, errOut)
	}
}
