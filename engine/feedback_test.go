package engine_test

import (
	"context"
	"math"
	"testing"

	"jrx/engine"
)

// The "nearest token" condition is the network decoding greedily as a
// token model: recomputed here with whole-sequence forward passes over
// embedding rows (not the Stepper's cache), the read-out by float64
// cosine. The first step is the same in every condition, the per-step
// shares never rise, and the first-wrong counts add up.
func TestFeedbackStudy(t *testing.T) {
	set := tiny(t)
	const n = 24
	const seed = 77
	rep, err := engine.FeedbackStudy(context.Background(), set, n, seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 3 || rep.Rows[2].Feed != engine.FeedToken {
		t.Fatalf("rows %+v", rep.Rows)
	}
	r := set.Reasoner
	d := r.Cfg.D
	E := r.Embed()
	correct := 0
	for k := range n {
		p := engine.NewProblem(set.Task, seed+uint64(k)*7919).Instance
		seq := p.Prompt()
		var toks []int
		for range len(p.Answer()) {
			T := len(seq)
			x := make([]float32, T*d)
			for i, id := range seq {
				copy(x[i*d:(i+1)*d], E[id*d:(id+1)*d])
			}
			h := r.Net.Forward(r.Net.NewActs(1, T), x, 1, T)
			last := h[(T-1)*d : T*d]
			best, bi := math.Inf(-1), -1
			for v := range r.Cfg.Vocab {
				row := r.Target[v*d : (v+1)*d]
				var ab, aa, bb float64
				for i := range row {
					ab += float64(row[i]) * float64(last[i])
					aa += float64(row[i]) * float64(row[i])
					bb += float64(last[i]) * float64(last[i])
				}
				if c := ab / math.Sqrt(aa*bb); c > best {
					best, bi = c, v
				}
			}
			toks = append(toks, bi)
			seq = append(seq, bi)
		}
		if p.CheckAnswer(toks) == nil {
			correct++
		}
	}
	if got := rep.Rows[2].Correct; math.Abs(got-float64(correct)/n) > 1e-9 {
		t.Errorf("nearest-token condition correct %.3f, greedy decoding recomputed %.3f", got, float64(correct)/n)
	}
	for _, row := range rep.Rows {
		if row.StepOK[0] != rep.Rows[0].StepOK[0] {
			t.Errorf("%s: step 1 share %.3f differs from the latent condition's %.3f (step 1 reads only the prompt)", row.Feed, row.StepOK[0], rep.Rows[0].StepOK[0])
		}
		wrong := 0
		for t2, c := range row.FirstWrong {
			wrong += c
			if t2 > 0 && row.StepOK[t2] > row.StepOK[t2-1] {
				t.Errorf("%s: share right rises from step %d to %d", row.Feed, t2, t2+1)
			}
		}
		if math.Abs(float64(n-wrong)/n-row.Correct) > 1e-9 {
			t.Errorf("%s: %d first-wrong counts for %.3f correct of %d", row.Feed, wrong, row.Correct, n)
		}
	}
	if _, err := engine.FeedbackStudy(context.Background(), set, 0, seed, nil); err == nil {
		t.Error("n = 0 was accepted")
	}
}
