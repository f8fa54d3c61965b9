package cfg

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"jrx/tasks"
)

// sentenceProbs is the exact probability of every sentence of a tiny
// grammar under Grammar.Sentence (each non-terminal picks a rule
// uniformly; the derivations of an ambiguous sentence add up), computed by
// enumerating the derivations.
func sentenceProbs(g *Grammar) map[string]float64 {
	var of func(id int) map[string]float64
	of = func(id int) map[string]float64 {
		nt := g.nts[id]
		out := map[string]float64{}
		pr := 1 / float64(len(nt.Rules))
		for _, rhs := range nt.Rules {
			if nt.Level == g.Levels() {
				out[key(rhs)] += pr
				continue
			}
			acc := map[string]float64{"": pr}
			for _, y := range rhs {
				next := map[string]float64{}
				for a, pa := range acc {
					for b, pb := range of(y) {
						next[a+b] += pa * pb
					}
				}
				acc = next
			}
			for s, p := range acc {
				out[s] += p
			}
		}
		return out
	}
	return of(0)
}

// The sentences SampleCut draws have the conditional distribution of
// Sample's, P(s | cut, rest ≥ minRest) ∝ P(s)/(len(s)−1), computed here
// from the enumerated language; SampleBatch's cuts have the marginal
// P(cut | rest ≥ minRest). Frequencies must lie within 5 standard errors.
func TestSampleCutDistribution(t *testing.T) {
	g := tinyGrammars(t)["ambiguous"]
	tk, err := NewTask(g, 3)
	if err != nil {
		t.Fatal(err)
	}
	probs := sentenceProbs(g)
	var total float64
	for _, p := range probs {
		total += p
	}
	if math.Abs(total-1) > 1e-12 {
		t.Fatalf("sentence probabilities sum to %v", total)
	}
	const n = 60000
	// within compares frequencies with probabilities cell by cell; the
	// cells expected fewer than 25 times are pooled into one (the normal
	// approximation of a count needs a mean well above 1).
	within := func(what string, got map[string]int, want map[string]float64) {
		t.Helper()
		var z float64
		for _, w := range want {
			z += w
		}
		check := func(s string, p float64, count int) {
			f := float64(count) / n
			if se := math.Sqrt(p * (1 - p) / n); math.Abs(f-p) > 5*se {
				t.Errorf("%s: %s drawn %.6f of the time, want %.6f (±%.6f)", what, s, f, p, se)
			}
		}
		var rareP float64
		var rareN int
		for s, w := range want {
			if p := w / z; p*n >= 25 {
				check(fmt.Sprintf("%q", s), p, got[s])
			} else {
				rareP += p
				rareN += got[s]
			}
		}
		check("the rare cells together", rareP, rareN)
		for s := range got {
			if want[s] == 0 {
				t.Errorf("%s: drew %q, which has probability 0", what, s)
			}
		}
	}
	rng := tasks.NewRNG(5)
	for _, c := range []struct{ cut, minRest int }{{1, 1}, {2, 1}, {2, 3}, {4, 2}} {
		got := map[string]int{}
		for range n {
			p, err := tk.SampleCut(rng, c.cut, c.minRest)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Prefix()) != c.cut || len(p.Sentence())-c.cut < c.minRest {
				t.Fatalf("cut %d, minRest %d: prefix %d of a %d-symbol sentence", c.cut, c.minRest, len(p.Prefix()), len(p.Sentence()))
			}
			got[key(p.Sentence())]++
		}
		want := map[string]float64{}
		for s, pr := range probs {
			if len(s) >= c.cut+c.minRest {
				want[s] = pr / float64(len(s)-1)
			}
		}
		within("SampleCut", got, want)
	}
	// SampleBatch: one cut per batch, drawn from the marginal.
	for _, minRest := range []int{1, 3} {
		cuts := map[string]int{}
		rows := map[string]int{}
		for range n {
			b, err := tk.SampleBatch(rng, 3, minRest)
			if err != nil {
				t.Fatal(err)
			}
			cut := len(b[0].Prefix())
			for _, p := range b {
				if len(p.Prefix()) != cut || len(p.Sentence())-cut < minRest {
					t.Fatal("rows of a batch have different cuts, or too short a rest")
				}
			}
			cuts[string(rune('0'+cut))]++
			rows[key(b[2].Prefix())+"|"+key(b[2].Sentence())]++ // a later row: the joint (cut, sentence)
		}
		wantCut := map[string]float64{}
		wantRow := map[string]float64{}
		for s, pr := range probs {
			for cut := 1; cut+minRest <= len(s); cut++ {
				wantCut[string(rune('0'+cut))] += pr / float64(len(s)-1)
				wantRow[s[:cut]+"|"+s] += pr / float64(len(s)-1)
			}
		}
		within("SampleBatch cut", cuts, wantCut)
		within("SampleBatch row", rows, wantRow)
	}
}

// SampleCut builds its problems as Sample does (prompt, answer, the
// pretraining variant's answer to the end), and refuses impossible cuts.
func TestSampleCutProblems(t *testing.T) {
	tk := defaultTask(t)
	rng := tasks.NewRNG(9)
	for _, task := range []*Task{tk, tk.Pretraining().(*Task)} {
		for _, cut := range []int{1, 50, 120} {
			p, err := task.SampleCut(rng, cut, 1)
			if err != nil {
				t.Fatal(err)
			}
			s := p.Sentence()
			want := append(slices.Clone(s[cut:]), IDEOS)
			if !task.toEnd && len(want) > task.k {
				want = want[:task.k]
			}
			if !slices.Equal(p.Prefix(), s[:cut]) || !slices.Equal(p.Answer(), want) || !slices.Equal(p.Prompt(), append(slices.Clone(s[:cut]), IDAns)) {
				t.Fatalf("cut %d: problem %s of sentence %v", cut, p.Text(), s)
			}
			if err := p.CheckAnswer(p.Answer()); err != nil {
				t.Fatal(err)
			}
			if err := task.InDistribution(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range [][2]int{{0, 1}, {1, 0}, {tk.Grammar().MaxLen(), 1}} {
		if _, err := tk.SampleCut(rng, c[0], c[1]); err == nil {
			t.Errorf("SampleCut(cut %d, minRest %d) accepted", c[0], c[1])
		}
	}
	if _, err := tk.SampleBatch(rng, 0, 1); err == nil {
		t.Error("SampleBatch of 0 accepted")
	}
	// One generator state, one batch.
	a, _ := tk.SampleBatch(tasks.NewRNG(3), 4, 8)
	b, _ := tk.SampleBatch(tasks.NewRNG(3), 4, 8)
	for i := range a {
		if a[i].Text() != b[i].Text() {
			t.Fatal("SampleBatch is not deterministic")
		}
	}
}
