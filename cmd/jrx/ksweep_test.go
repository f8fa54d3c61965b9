package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/train"
)

// jrx train tree --k and --sst-curve-every: what they accept, and the
// recipe they make (the default recipe's JSON does not change).
func TestTrainTreeKFlags(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--k", "0"}, "--k 0: want a number in (0, 16]"},
		{[]string{"--k", "-1"}, "--k -1"},
		{[]string{"--k", "17"}, "--k 17"},
		{[]string{"--k", "NaN"}, "--k NaN"},
		{[]string{"--k", "Inf"}, "--k +Inf"},
		{[]string{"--k", "two"}, "-k"},
		{[]string{"--sst-curve-every", "-2"}, "--sst-curve-every -2"},
	} {
		args := append([]string{"train", "tree", "--depth", "2", "--out", empty}, c.args...)
		code, _, errOut := runCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, c.msg) {
			t.Errorf("jrx %s: exit %d, stderr %q; want exit 2 saying %q", strings.Join(args, " "), code, errOut, c.msg)
		}
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused command wrote %d files", len(ents))
	}

	recipe := func(args ...string) (train.Recipe, string) {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"train", "tree", "--print-recipe"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errOut)
		}
		var r train.Recipe
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r, out
	}
	r, out := recipe("--depth", "3")
	if r.Model.K != 4 || r.SSTCurveEvery != 0 || strings.Contains(out, "sst_curve") {
		t.Errorf("the default recipe: k %g, curve %d\n%s", r.Model.K, r.SSTCurveEvery, out)
	}
	if def := train.TreeRecipe(3); r.JSON() != def.JSON() {
		t.Errorf("--print-recipe without --k differs from the default recipe")
	}
	r, _ = recipe("--depth", "3", "--k", "1.5", "--sst-curve-every", "20")
	want := train.TreeRecipe(3)
	want.Model.K, want.SSTCurveEvery = 1.5, 20
	if r.JSON() != want.JSON() {
		t.Errorf("--k 1.5 --sst-curve-every 20 gave\n%s\nwant\n%s", r.JSON(), want.JSON())
	}
	// --k overrides a recipe file's k; without --k the file's k stands.
	file := filepath.Join(t.TempDir(), "r.json")
	fr := train.TreeRecipe(2)
	fr.Model.K = 3
	if err := os.WriteFile(file, []byte(fr.JSON()), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, _ = recipe("--recipe", file); r.Model.K != 3 {
		t.Errorf("recipe file's k 3 became %g", r.Model.K)
	}
	if r, _ = recipe("--recipe", file, "--k", "6"); r.Model.K != 6 {
		t.Errorf("--k 6 over a recipe file gave %g", r.Model.K)
	}

	code, out, _ := runCLI(t, "train", "--help")
	if code != 0 || !strings.Contains(out, "-sst-curve-every") || !strings.Contains(out, "jrx eval ksweep") || !strings.Contains(out, "-k float") {
		t.Errorf("train --help does not explain the k sweep:\n%s", out)
	}
}

// writeCurve writes a synthetic curve (steps 0, 10, …) into a new run
// directory named name.
func writeCurve(t *testing.T, root, name string, k float32, seed uint64, rates ...float64) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := train.SSTCurve{Format: train.SSTCurveFormat, Task: "tree", Depth: 3, K: k, Seed: seed, EvalN: 256, EvalSeed: 355, Every: 10, SSTSteps: 10 * (len(rates) - 1), Recipe: json.RawMessage(`{}`)}
	for i, r := range rates {
		c.Points = append(c.Points, train.CurvePoint{Step: 10 * i, MajorRate: r, NearestExact: r * r, PlaneSteps: 512})
	}
	if err := c.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEvalKSweep(t *testing.T) {
	root := t.TempDir()
	k4 := writeCurve(t, root, "k4", 4, 1, 0.5, 0.9, 0.96, 0.97, 0.99)
	k1 := writeCurve(t, root, "k1", 1, 1, 0.5, 0.6, 0.8, 0.96, 0.98)
	svg, png := filepath.Join(root, "ks.svg"), filepath.Join(root, "ks.png")

	// Runs and flags interleaved; the table is sorted by k.
	code, out, errOut := runCLI(t, "eval", "ksweep", k4, "--svg", svg, k1, "--png", png)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	i1, i4 := strings.Index(out, k1), strings.Index(out, k4)
	if i1 < 0 || i4 < 0 || i1 > i4 {
		t.Errorf("runs missing or not sorted by k:\n%s", out)
	}
	for _, want := range []string{"depth 3", "256 evaluation trees (seed 355)", "≥ 95.0% from step", "plateau (last 25%)",
		"98.0%", "99.0%", "near 98.0%", "SST step →", "└" + strings.Repeat("─", 64)} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// k = 1: stays ≥ 95% from step 30, plateau (steps ≥ 30) (0.96+0.98)/2;
	// k = 4: from step 20.
	for _, row := range []struct{ dir, cells string }{{k1, "1     1       98.0%       40                 30               97.0%"}, {k4, "4     1       99.0%       40                 20               98.0%"}} {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasSuffix(l, row.dir) {
				line = l
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(line), " "), strings.Join(strings.Fields(row.cells), " ")) {
			t.Errorf("row of %s: %q, want the cells %q", row.dir, line, row.cells)
		}
	}
	// The curves are drawn with each run's k as its mark.
	if !strings.Contains(out, "1") || !strings.Contains(out, "4") || !strings.ContainsAny(out, "⠁⠂⠄⡀⠈⠐⠠⢀") {
		t.Errorf("no terminal plot:\n%s", out)
	}
	for _, f := range []string{svg, png} {
		if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	if !strings.Contains(errOut, "figure written to "+svg) {
		t.Errorf("stderr %q", errOut)
	}
	b, _ := os.ReadFile(svg)
	if !bytes.Contains(b, []byte("k = 1")) || !bytes.Contains(b, []byte("SST step")) {
		t.Error("the SVG does not label its lines and axes")
	}

	// --json: the report, seeds and every point included.
	code, out, _ = runCLI(t, "eval", "ksweep", k1, k4, "--json", "--reach", "0.97")
	var rep train.KSweepReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: exit %d, %q", code, out)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].K != 1 || rep.Runs[0].ReachStep != 40 || rep.Runs[1].ReachStep != 30 || rep.Runs[1].Seed != 1 ||
		rep.Runs[1].EvalSeed != 355 || len(rep.Runs[1].Points) != 5 || rep.Threshold != 0.97 {
		t.Errorf("--json report %+v", rep)
	}

	// --csv: one line per point, the same numbers as the files.
	code, out, _ = runCLI(t, "eval", "ksweep", k4, k1, "--csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 11 {
		t.Fatalf("--csv: exit %d, %v, %d records", code, err, len(recs))
	}
	if strings.Join(recs[0], ",") != "run,k,seed,eval_n,eval_seed,step,major_contributor_rate,sibling_plane_rank_pct,route_exact_nearest" ||
		strings.Join(recs[1], ",") != k1+",1,1,256,355,0,0.5,0,0.25" || strings.Join(recs[10], ",") != k4+",4,1,256,355,40,0.99,0,0.9801" {
		t.Errorf("--csv:\n%s", out)
	}

	// Runs that are not comparable are named; the same k twice gets letters.
	other := writeCurve(t, root, "k4s2", 4, 2, 0.5, 0.7, 0.9)
	code, out, _ = runCLI(t, "eval", "ksweep", k4, other)
	if code != 0 || !strings.Contains(out, "note: "+other+" has training seed 2") || !strings.Contains(out, "a = k 4 (seed 1); b = k 4 (seed 2)") {
		t.Errorf("two seeds of k = 4:\n%s", out)
	}

	// Errors: no runs, a run without a curve (saying how to make one), bad flags.
	noCurve := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"eval", "ksweep"}, 2, "which runs?"},
		{[]string{"eval", "ksweep", k1, "--reach", "0"}, 2, "--reach 0"},
		{[]string{"eval", "ksweep", k1, "--plateau", "1.5"}, 2, "--plateau 1.5"},
		{[]string{"eval", "ksweep", k1, "--json", "--csv"}, 2, "choose one"},
		{[]string{"eval", "ksweep", k1, noCurve}, 1, "jrx train tree --sst-curve-every"},
		{[]string{"eval", "ksweep", filepath.Join(root, "nope")}, 1, "no such directory"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("jrx %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(c.args, " "), code, errOut, c.code, c.msg)
		}
	}

	code, out, _ = runCLI(t, "eval", "ksweep", "--help")
	for _, want := range []string{"Usage: jrx eval ksweep", "App", "--sst-curve-every", "--from", "make ksweep", "-reach", "-plateau", "-svg"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("eval ksweep --help (exit %d) does not say %q", code, want)
		}
	}
}
