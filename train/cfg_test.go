package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"jrx/baseline"
	"jrx/engine"
	"jrx/latent"
	"jrx/nn"
	"jrx/tasks"
	"jrx/tasks/cfg"
)

// The tiny grammar recipe trains end to end; the set opens with
// engine.LoadDir (which ignores coconut.safetensors), COCONUT opens with
// baseline.LoadCoconut, and every file rebuilds the recipe's grammar.
func TestCFGTinyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model set")
	}
	dir := t.TempDir()
	r := TinyCFGRecipe()
	var evals []string
	tr := &CFGTrainer{Recipe: r, Dir: dir, Progress: func(e Event) {
		if e.Eval != "" {
			evals = append(evals, e.Stage+": "+e.Eval)
		}
	}}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, e := range evals {
		t.Log(e)
	}
	set, err := engine.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	task, _, err := r.Tasks()
	if err != nil {
		t.Fatal(err)
	}
	fromRecipe, err := tasks.New("cfg", json.RawMessage(r.JSON()))
	if err != nil {
		t.Fatal(err)
	}
	for what, tk := range map[string]tasks.Task{"the set's task": set.Task, "tasks.New on the recipe": fromRecipe} {
		ct, ok := tk.(*cfg.Task)
		if !ok || !ct.Grammar().Equal(task.Grammar()) || ct.AnswerLen() != r.AnswerLen {
			t.Fatalf("%s is not the recipe's grammar task: %v", what, tk.Distribution())
		}
	}
	if set.Reasoner.Cfg.Layers != r.ReasonerLayers || set.Baseline.Net.Cfg.Layers != r.Model.Layers {
		t.Errorf("blocks: R %d, T %d; want %d, %d", set.Reasoner.Cfg.Layers, set.Baseline.Net.Cfg.Layers, r.ReasonerLayers, r.Model.Layers)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileCoconut))
	if err != nil {
		t.Fatal(err)
	}
	c, cmeta, err := baseline.LoadCoconut(b, FileCoconut)
	if err != nil {
		t.Fatal(err)
	}
	if c.Thoughts != r.Thoughts() || c.BOT != cfg.IDBOT || c.EOT != cfg.IDEOT {
		t.Errorf("coconut meta %+v", c.Meta())
	}
	evalJSON, err := os.ReadFile(filepath.Join(dir, "eval.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep CFGReport
	if err := json.Unmarshal(evalJSON, &rep); err != nil {
		t.Fatal(err)
	}
	metas := map[string]map[string]string{FileCoconut: cmeta}
	for k, v := range set.Meta {
		metas[k] = v
	}
	for name, m := range metas {
		if m["eval"] != strings.TrimSpace(string(evalJSON)) {
			t.Errorf("%s: eval metadata %q differs from eval.json", name, m["eval"])
		}
		if m["recipe"] != r.JSON() || m["grammar"] != task.Grammar().String() {
			t.Errorf("%s: recipe or grammar metadata missing", name)
		}
	}
	t.Logf("tiny run: %s", rep)
	if rep.N != r.FinalEvalN || rep.Seed != r.FinalEvalSeed || rep.Thoughts != r.Thoughts() || rep.CN == 0 || rep.CN > rep.N {
		t.Errorf("report bookkeeping: %+v", rep)
	}
	// What the tiny run learns (a few hundred steps of a 3-block d 32
	// model on a 2-level grammar; measured: T 89%, to the end 89%, R
	// nearest 36%, R+Dual 52%, C 59%); the bars sit well below the
	// measured figures and well above what an untrained model scores (a
	// few percent: most positions allow one or two of the four tokens).
	for what, v := range map[string][2]float64{
		"T": {rep.TValid, 0.75}, "T to the end": {rep.TEndValid, 0.7}, "R nearest": {rep.RNearestValid, 0.2},
		"R+Dual": {rep.RDualValid, 0.3}, "C": {rep.CValid, 0.35},
	} {
		if v[0] < v[1] {
			t.Errorf("%s valid %.3f < %.2f after the tiny run", what, v[0], v[1])
		}
	}
}

// An interrupted grammar run resumed with Resume gives bit-identical files
// to an uninterrupted one.
func TestCFGResumeIsExact(t *testing.T) {
	r := TinyCFGRecipe()
	r.PretrainSteps, r.SSTSteps, r.DualSteps, r.MonoSteps = 24, 10, 10, 6
	r.CoconutSteps = []int{4, 6, 4}
	r.EvalEvery, r.EvalN, r.EvalEndN, r.FinalEvalN = 5, 8, 2, 20
	ref := t.TempDir()
	if err := (&CFGTrainer{Recipe: r, Dir: ref}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stops := []struct {
		stage string
		step  int
	}{{"pretrain", 13}, {"baseline", 4}, {"sst", 7}, {"dual", 3}, {"mono", 2}, {"coconut1", 3}}
	resumedAt := map[string]int{}
	for _, stop := range stops {
		ctx, cancel := context.WithCancel(context.Background())
		tr := &CFGTrainer{Recipe: r, Dir: dir, Resume: true, Progress: func(e Event) {
			if e.Start > 0 {
				resumedAt[e.Stage] = e.Start
			}
			if e.Stage == stop.stage && e.Step >= stop.step {
				cancel()
			}
		}}
		tr.SaveEvery = 1
		tr.ProgressEvery = -1
		err := tr.Run(ctx)
		cancel()
		if err == nil {
			t.Fatalf("run was not interrupted in %s", stop.stage)
		}
	}
	if err := (&CFGTrainer{Recipe: r, Dir: dir, Resume: true, Progress: func(e Event) {
		if e.Start > 0 {
			resumedAt[e.Stage] = e.Start
		}
	}}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, stop := range stops {
		if got := resumedAt[stop.stage]; got < stop.step {
			t.Errorf("stage %s resumed at step %d, it had been stopped at %d", stop.stage, got, stop.step)
		}
	}
	for _, f := range []string{FileReasoner, FileBaseline, FileMono, FileDual, FileCoconut, FilePretrain} {
		a, err1 := nn.ReadSafetensorsFile(filepath.Join(ref, f))
		b, err2 := nn.ReadSafetensorsFile(filepath.Join(dir, f))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !slices.Equal(a.Order, b.Order) {
			t.Fatalf("%s: tensors %v vs %v", f, a.Order, b.Order)
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
		var ea, eb CFGReport
		json.Unmarshal([]byte(a.Meta["eval"]), &ea)
		json.Unmarshal([]byte(b.Meta["eval"]), &eb)
		ea.Seconds, eb.Seconds = 0, 0
		if ea != eb {
			t.Errorf("%s: recorded figures differ: %+v vs %+v", f, ea, eb)
		}
	}
}

// R starts as exactly T0's embedding, first N blocks and final norm, with
// Ē = E, and has no other tensor.
func TestReasonerFromT0(t *testing.T) {
	c := latent.DefaultConfig(cfg.VocabSize)
	c.D, c.A, c.F, c.Layers, c.Heads = 16, 16, 32, 5, 2
	t0, err := latent.New(c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	t0.Init(7)
	data := t0.P.Data() // every weight distinct, so a wrong copy shows
	for i := range data {
		data[i] = float32(i) * 1e-3
	}
	for _, n := range []int{1, 3, 5} {
		r, err := ReasonerFromT0(t0, n)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		want = append(want, latent.NameEmbed)
		for _, name := range t0.P.Names() {
			for l := range n {
				if strings.HasPrefix(name, fmt.Sprintf("blocks.%d.", l)) {
					want = append(want, name)
				}
			}
		}
		want = append(want, "final_norm")
		got := r.P.Names()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("N = %d: R has tensors %v, want %v", n, got, want)
		}
		for _, name := range got {
			if !slices.Equal(r.P.W(name), t0.P.W(name)) || !slices.Equal(r.P.Shape(name), t0.P.Shape(name)) {
				t.Errorf("N = %d: %s is not T0's", n, name)
			}
		}
		if r.Cfg.Layers != n || !slices.Equal(r.Target, t0.Embed()) {
			t.Errorf("N = %d: layers %d, or the target table is not E", n, r.Cfg.Layers)
		}
	}
	for _, n := range []int{0, 6} {
		if _, err := ReasonerFromT0(t0, n); err == nil {
			t.Errorf("ReasonerFromT0(%d of 5) accepted", n)
		}
	}
}

// language enumerates a tiny grammar's sentences (every derivation).
func language(g *cfg.Grammar) [][]int {
	var yields func(id int) [][]int
	yields = func(id int) [][]int {
		nt := g.NT(id)
		var out [][]int
		for _, rhs := range nt.Rules {
			if nt.Level == g.Levels() {
				out = append(out, rhs)
				continue
			}
			acc := [][]int{nil}
			for _, y := range rhs {
				var next [][]int
				for _, a := range acc {
					for _, b := range yields(y) {
						next = append(next, append(slices.Clone(a), b...))
					}
				}
				acc = next
			}
			out = append(out, acc...)
		}
		return out
	}
	return yields(0)
}

// continues and coconutValid agree with the enumerated language of a tiny
// grammar: C's tokens are valid iff some sentence begins with prefix, has
// k symbols after it, and goes on with C's symbols (and ends right after
// them where C says [EOS]; without [EOS], n symbols).
func TestCoconutValidBruteForce(t *testing.T) {
	g, err := cfg.Generate(3, cfg.DefaultShape(2))
	if err != nil {
		t.Fatal(err)
	}
	lang := language(g)
	rng := tasks.NewRNG(4)
	const k, n = 2, 2
	var yes, no int
	for range 3000 {
		w := lang[rng.IntN(len(lang))]
		prefix := w[:1+rng.IntN(len(w)-1)]
		toks := make([]int, n)
		for j := range toks {
			toks[j] = rng.IntN(cfg.NumTerminals + 1)
			if toks[j] == cfg.NumTerminals {
				toks[j] = cfg.IDEOS
			}
		}
		syms := throughEOS(toks)
		eos := syms[len(syms)-1] == cfg.IDEOS
		if eos {
			syms = syms[:len(syms)-1]
		}
		want := false
		for _, s := range lang {
			if len(s) < len(prefix)+k || !slices.Equal(s[:len(prefix)], prefix) {
				continue
			}
			rest := s[len(prefix)+k:]
			if eos && slices.Equal(rest, syms) || !eos && len(rest) >= len(syms) && slices.Equal(rest[:len(syms)], syms) {
				want = true
				break
			}
		}
		if got := coconutValid(g, prefix, k, toks, n); got != want {
			t.Fatalf("prefix %v, C's tokens %v: coconutValid %v, the language says %v", prefix, toks, got, want)
		}
		if want {
			yes++
		} else {
			no++
		}
	}
	if yes < 100 || no < 100 {
		t.Fatalf("too few cases of one kind: %d valid, %d invalid", yes, no)
	}
}

// tinyPretask is the tiny recipe's pretraining task.
func tinyPretask(t *testing.T) *cfg.Task {
	t.Helper()
	_, pre, err := TinyCFGRecipe().Tasks()
	if err != nil {
		t.Fatal(err)
	}
	return pre
}

// tokenBatch trains every position of prefix [ANS] rest [EOS] except the
// one that predicts [ANS]; SST's weights are on the positions from [ANS]
// on.
func TestTokenBatch(t *testing.T) {
	pre := tinyPretask(t)
	ps := sampleProblems(pre, tasks.NewRNG(1), 6)
	b, real := tokenBatch(ps)
	n := 0
	for i, p := range ps {
		seq := append(p.Prompt(), p.Answer()...)
		cut := len(p.Prefix())
		n += len(seq) - 1
		for j := range b.T {
			w1, ws := b.W1[i*b.T+j], b.WSST[i*b.T+j]
			switch {
			case j >= len(seq)-1:
				if w1 != 0 || ws != 0 || b.Inputs[i*b.T+j] != cfg.IDPAD {
					t.Fatalf("row %d position %d: padding has weight", i, j)
				}
			case j == cut-1:
				if w1 != 0 || b.Targets[i*b.T+j] != cfg.IDAns {
					t.Fatalf("row %d: the position that predicts [ANS] has weight %v", i, w1)
				}
			default:
				if w1 != 1 || b.Inputs[i*b.T+j] != seq[j] || b.Targets[i*b.T+j] != seq[j+1] {
					t.Fatalf("row %d position %d: weight %v, %d → %d", i, j, w1, b.Inputs[i*b.T+j], b.Targets[i*b.T+j])
				}
				if want := float32(0); j >= cut {
					want = 1
					if ws != want {
						t.Fatalf("row %d position %d: SST weight %v", i, j, ws)
					}
				} else if ws != 0 {
					t.Fatalf("row %d position %d (prompt): SST weight %v", i, j, ws)
				}
			}
		}
	}
	if real != n {
		t.Errorf("tokens %d, want %d", real, n)
	}
}

// A marked row (pretrain_markers) is prefix [ANS] [BOT] [EOT] rest [EOS]
// with no loss on predicting any of the three markers; the unmarked rows
// are tokenBatch's, and so is the token count but for the markers.
func TestTokenBatchMarked(t *testing.T) {
	pre := tinyPretask(t)
	ps := sampleProblems(pre, tasks.NewRNG(2), 6)
	marked := []bool{true, false, true, false, false, true}
	b, real := tokenBatchMarked(ps, marked)
	plain, realPlain := tokenBatch(ps)
	nMarked := 0
	for i, p := range ps {
		seq := append(p.Prompt(), p.Answer()...)
		cut := len(p.Prefix()) // index of [ANS]
		if marked[i] {
			nMarked++
			seq = slices.Concat(p.Prompt(), []int{cfg.IDBOT, cfg.IDEOT}, p.Answer())
		}
		for j := range b.T {
			k := i*b.T + j
			in, tg, w := b.Inputs[k], b.Targets[k], b.W1[k]
			switch {
			case j >= len(seq)-1:
				if w != 0 || in != cfg.IDPAD {
					t.Fatalf("row %d position %d: padding %d with weight %v", i, j, in, w)
				}
			case in != seq[j] || tg != seq[j+1]:
				t.Fatalf("row %d position %d: %d → %d, want %d → %d", i, j, in, tg, seq[j], seq[j+1])
			case tg == cfg.IDAns || tg == cfg.IDBOT || tg == cfg.IDEOT:
				if w != 0 {
					t.Fatalf("row %d position %d predicts marker %d with weight %v", i, j, tg, w)
				}
			case w != 1:
				t.Fatalf("row %d position %d: weight %v", i, j, w)
			}
			if !marked[i] && j < plain.T && (in != plain.Inputs[i*plain.T+j] || w != plain.W1[i*plain.T+j]) {
				t.Fatalf("unmarked row %d differs from tokenBatch's at %d", i, j)
			}
		}
		if j := cut + 2; marked[i] && (b.Inputs[i*b.T+j] != cfg.IDEOT || b.Targets[i*b.T+j] != p.Answer()[0]) {
			t.Fatalf("row %d: [EOT] should predict the first answer symbol", i)
		}
	}
	if real != realPlain+2*nMarked {
		t.Errorf("tokens %d, want %d + 2·%d", real, realPlain, nMarked)
	}
	if markRows(tasks.NewRNG(1), 4, 0) != nil {
		t.Error("markRows with fraction 0 should mark nothing (and draw nothing)")
	}
}

// The recipe's JSON rebuilds its task through the registry, and Validate
// refuses recipes the stages cannot run.
func TestCFGRecipe(t *testing.T) {
	r, err := CFGRecipeFor(4)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	task, _, _ := r.Tasks()
	def, _ := tasks.New("cfg", nil)
	if !task.Grammar().Equal(def.(*cfg.Task).Grammar()) {
		t.Error("the default recipe's grammar is not the cfg task's default")
	}
	if r.Model.Context != task.Grammar().MaxLen()+r.AnswerLen+1 {
		t.Errorf("context %d for a longest sentence of %d", r.Model.Context, task.Grammar().MaxLen())
	}
	var back CFGRecipe
	if err := json.Unmarshal([]byte(r.JSON()), &back); err != nil || back.JSON() != r.JSON() {
		t.Fatalf("recipe JSON does not round-trip: %v", err)
	}
	bad := map[string]func(*CFGRecipe){
		"reasoner_layers > layers": func(r *CFGRecipe) { r.ReasonerLayers = r.Model.Layers + 1 },
		"one coconut stage":        func(r *CFGRecipe) { r.CoconutSteps = []int{10} },
		"thoughts = answer_len":    func(r *CFGRecipe) { r.CoconutSteps = make([]int, r.AnswerLen+1) },
		"short context":            func(r *CFGRecipe) { r.Model.Context = 100 },
		"another task":             func(r *CFGRecipe) { r.Task = "tree" },
		"grammar of other levels":  func(r *CFGRecipe) { r.Levels = 3 },
		"negative coconut steps":   func(r *CFGRecipe) { r.CoconutSteps[2] = -1 },
		"min_lr above lr":          func(r *CFGRecipe) { r.MinLR = 2 * r.LR },
	}
	for what, f := range bad {
		b := r
		b.CoconutSteps = slices.Clone(r.CoconutSteps)
		f(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}
