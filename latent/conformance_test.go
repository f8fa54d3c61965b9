package latent

import (
	"math"
	"testing"

	"jrx/internal/testvec"
)

// The Reasoner package itself (not just nn's layers) must reproduce the
// independent conformance vectors of docs/MODEL.md.
func loadReasonerCase(t *testing.T) (*Reasoner, testvec.Case) {
	t.Helper()
	cases, err := testvec.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := cases["reasoner"]
	cfg := Config{Format: FormatReasoner, Vocab: int(c.Config["vocab"]), D: int(c.Config["d"]), A: int(c.Config["attn"]),
		Heads: int(c.Config["heads"]), F: int(c.Config["ffn"]), Layers: int(c.Config["layers"]), Context: int(c.Config["context"]),
		QKNorm: true, RopeBase: 10000, FeedbackScale: float32(c.Config["feedback_scale"]), K: float32(c.Config["k"]), EMA: 0.98}
	r, err := New(cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := testvec.Fill(r.P, c.Params)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != NameTarget {
		t.Fatalf("unexpected tensors outside the parameter set: %v", missing)
	}
	for i, v := range c.Params[NameTarget].Data {
		r.Target[i] = float32(v)
	}
	return r, c
}

func TestReasonerConformance(t *testing.T) {
	r, c := loadReasonerCase(t)
	tokens, _ := testvec.Get[[]int](c.Inputs, "tokens")
	targets, _ := testvec.Get[[]int](c.Inputs, "targets")
	mask, _ := testvec.Get[[]float32](c.Inputs, "sst_mask")
	T := len(tokens)
	wk := r.NewWork(1, T)

	ceWant, _ := testvec.Get[float64](c.Outputs, "ce_loss")
	r.P.ZeroGrad()
	ce, _ := r.TokenLoss(wk, tokens, targets, nil, nil, nil, 1, T)
	if e := math.Abs(float64(ce)-ceWant) / ceWant; e > 1e-5 {
		t.Errorf("CE loss %v, want %v (rel %.2g)", ce, ceWant, e)
	}
	worst := 0.0
	for name, g := range c.GradsCE {
		e := testvec.RelErr(r.P.G(name), g.Data)
		worst = math.Max(worst, e)
		if e > 1e-3 {
			t.Errorf("CE grad %s: rel err %.3g", name, e)
		}
	}
	t.Logf("CE: loss rel err %.2g, worst grad rel err %.3g", math.Abs(float64(ce)-ceWant)/ceWant, worst)

	sstWant, _ := testvec.Get[float64](c.Outputs, "sst_loss")
	r.P.ZeroGrad()
	sst := r.SSTLoss(wk, tokens, targets, mask, 1, T)
	if e := math.Abs(float64(sst)-sstWant) / sstWant; e > 1e-5 {
		t.Errorf("SST loss %v, want %v (rel %.2g)", sst, sstWant, e)
	}
	worst = 0
	for name, g := range c.GradsSST {
		e := testvec.RelErr(r.P.G(name), g.Data)
		worst = math.Max(worst, e)
		if e > 1e-3 {
			t.Errorf("SST grad %s: rel err %.3g", name, e)
		}
	}
	t.Logf("SST: worst grad rel err %.3g", worst)
	if len(c.GradsSST) != len(r.P.Names()) || len(c.GradsCE) != len(r.P.Names()) {
		t.Errorf("vectors give %d/%d gradients, the Reasoner trains %d tensors", len(c.GradsCE), len(c.GradsSST), len(r.P.Names()))
	}
}

func TestReasonerFreeRunConformance(t *testing.T) {
	r, c := loadReasonerCase(t)
	prompt, _ := testvec.Get[[]int](c.Inputs, "free_prompt")
	steps, _ := testvec.Get[int](c.Inputs, "free_steps")
	want, _ := testvec.Get[testvec.Tensor](c.Outputs, "free_latents")
	lat, err := r.FreeRun(prompt, steps)
	if err != nil {
		t.Fatal(err)
	}
	var flat []float32
	for _, l := range lat {
		flat = append(flat, l...)
	}
	if e := testvec.RelErr(flat, want.Data); e > 1e-5 {
		t.Errorf("free-running latents: rel err %.3g", e)
	}
	// The batched path used for the Talkers' training data agrees.
	wk := r.NewWork(1, len(prompt)+steps-1)
	batched := make([]float32, steps*r.Cfg.D)
	r.FreeRunBatch(wk, prompt, 1, len(prompt), steps, batched)
	if e := testvec.RelErr(batched, want.Data); e > 1e-5 {
		t.Errorf("batched free-running latents: rel err %.3g", e)
	}
	// So does a stepper whose prompt is read in one pass (FeedTokens), twice
	// in a row (the second pass reuses pooled activations).
	for range 2 {
		st := r.NewStepper()
		if err := st.FeedTokens(prompt); err != nil {
			t.Fatal(err)
		}
		var pre []float32
		for i := range steps {
			l := make([]float32, r.Cfg.D)
			st.Latent(l)
			pre = append(pre, l...)
			if i+1 < steps {
				if err := st.FeedLatent(l); err != nil {
					t.Fatal(err)
				}
			}
		}
		if e := testvec.RelErr(pre, want.Data); e > 1e-5 {
			t.Errorf("free-running latents after a one-pass prompt: rel err %.3g", e)
		}
	}
	// Bad prompts are errors, not panics.
	if err := r.NewStepper().FeedTokens([]int{0, r.Cfg.Vocab}); err == nil {
		t.Error("a token outside the vocabulary was accepted")
	}
	if err := r.NewStepper().FeedTokens(make([]int, r.Cfg.Context+1)); err == nil {
		t.Error("a prompt longer than the context was accepted")
	}
}
