package nn

// Conformance: compose the nn layers exactly as docs/MODEL.md says and match
// testdata/model_vectors.json (float64 values from an independent
// implementation): forward values within 1e-5 relative, gradients within
// 1e-3 relative.

import (
	"encoding/json"
	"jrx/internal/testvec"
	"math"
	"testing"
)

// The vectors' types and loader are shared with the model packages' tests.
type (
	cvTensor = testvec.Tensor
	cvCase   = testvec.Case
)

func cvLoad(t *testing.T) map[string]cvCase {
	t.Helper()
	cases, err := testvec.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func cvInput[T any](t *testing.T, c cvCase, name string, from map[string]json.RawMessage) T {
	t.Helper()
	v, err := testvec.Get[T](from, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// cvFill fills p from the vectors' params by name (rename maps a vector
// name to p's name), checking that every tensor of p is given with its
// shape; names listed in extra may be absent from p.
func cvFill(t *testing.T, p *ParamSet, params map[string]cvTensor, rename map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for name, tv := range params {
		if r, ok := rename[name]; ok {
			name = r
		}
		if !p.Has(name) {
			t.Fatalf("vector tensor %q not declared", name)
		}
		if sh := p.Shape(name); !cvSameShape(sh, tv.Shape) {
			t.Fatalf("tensor %q: shape %v, vectors have %v", name, sh, tv.Shape)
		}
		w := p.W(name)
		if len(w) != len(tv.Data) {
			t.Fatalf("tensor %q: %d values for %d", name, len(tv.Data), len(w))
		}
		for i, v := range tv.Data {
			w[i] = float32(v)
		}
		seen[name] = true
	}
	for _, name := range p.Names() {
		if !seen[name] {
			t.Fatalf("tensor %q missing from the vectors", name)
		}
	}
}

func cvSameShape(a, b []int) bool {
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

// cvErr returns the worst |a−e| / max(|e|, floor·max|e|) over a tensor.
// A floor is needed because float32 cannot give 1e-5 relative accuracy on
// an element that is itself a cancellation (e.g. a logit of 0.012 among
// logits of size 4 is a dot product of O(1) terms and carries their ~1e-7
// absolute rounding). Forward values use floor 0.1 (so |a−e| ≤
// 1e-5·max(|e|, 0.1·max|e|)); gradients use the gradient checks' measure
// |a−e| / max(|a|+|e|, 1e-3·max|e|).
func cvErr(a []float32, e []float64, floor float64) float64 {
	if len(a) != len(e) {
		return math.Inf(1)
	}
	scale := 0.0
	for _, v := range e {
		scale = math.Max(scale, math.Abs(v))
	}
	worst := 0.0
	for i := range e {
		den := math.Max(math.Abs(e[i]), floor*scale)
		if floor < 0.1 { // gradients: the gradient checks' measure
			den = math.Max(math.Abs(float64(a[i]))+math.Abs(e[i]), floor*scale)
		}
		if den == 0 {
			den = 1
		}
		worst = math.Max(worst, math.Abs(float64(a[i])-e[i])/den)
	}
	return worst
}

// cvCheck compares one value, logging the error and failing above tol;
// returns the error.
func cvCheck(t *testing.T, what string, a []float32, e []float64, tol float64) float64 {
	t.Helper()
	floor := 0.1
	if tol > cvFwdTol {
		floor = 1e-3
	}
	err := cvErr(a, e, floor)
	if err > tol {
		t.Errorf("%s: rel err %.3g > %g", what, err, tol)
	}
	return err
}

func cvGrads(t *testing.T, what string, p *ParamSet, grads map[string]cvTensor, rename map[string]string) float64 {
	t.Helper()
	worst, at := 0.0, ""
	if len(grads) == 0 {
		t.Fatalf("%s: no gradients in the vectors", what)
	}
	for name, g := range grads {
		if r, ok := rename[name]; ok {
			name = r
		}
		if e := cvCheck(t, what+" "+name, p.G(name), g.Data, 1e-3); e > worst {
			worst, at = e, name
		}
	}
	t.Logf("%s: worst rel err %.3e in %s", what, worst, at)
	return worst
}

const (
	cvFwdTol = 1e-5
)

func cvStackConfig(c cvCase, layers string) StackConfig {
	return StackConfig{D: int(c.Config["d"]), A: int(c.Config["attn"]), Heads: int(c.Config["heads"]),
		F: int(c.Config["ffn"]), Layers: int(c.Config[layers]), QKNorm: true}
}

func TestConformanceReasoner(t *testing.T) {
	c := cvLoad(t)["reasoner"]
	cfg := cvStackConfig(c, "layers")
	d, V := cfg.D, int(c.Config["vocab"])
	k := float32(c.Config["k"])
	fb := float32(c.Config["feedback_scale"])
	p := NewParamSet()
	p.Add("embed", V, d)
	DeclareStack(p, "", cfg)
	p.Add("target_embed", V, d)
	p.Alloc()
	cvFill(t, p, c.Params, nil)
	net := NewStack(p, "", cfg)
	E, Et := p.W("embed"), p.W("target_embed")

	tokens := cvInput[[]int](t, c, "tokens", c.Inputs)
	targets := cvInput[[]int](t, c, "targets", c.Inputs)
	mask := cvInput[[]float32](t, c, "sst_mask", c.Inputs)
	n := len(tokens)
	acts := net.NewActs(1, n)
	x := make([]float32, n*d)
	EmbeddingForward(x, E, tokens, d)
	h := net.Forward(acts, x, 1, n)
	lat, norms := make([]float32, n*d), make([]float32, n)
	L2NormForward(lat, h, norms, n, d)
	logits, probs := make([]float32, n*V), make([]float32, n*V)
	TiedHeadForward(logits, h, E, n, d, V)
	ce := CrossEntropyForward(probs, logits, targets, nil, n, V)
	tgt := make([]float32, n*d)
	EmbeddingForward(tgt, Et, targets, d)
	sst := CosineLossForward(lat, tgt, mask, n, d, k)

	worstF := 0.0
	for _, o := range []struct {
		name string
		got  []float32
	}{{"h", h}, {"latents", lat}, {"logits", logits}} {
		worstF = math.Max(worstF, cvCheck(t, "reasoner "+o.name, o.got, cvInput[cvTensor](t, c, o.name, c.Outputs).Data, cvFwdTol))
	}
	worstF = math.Max(worstF, cvCheck(t, "reasoner ce_loss", []float32{ce}, []float64{cvInput[float64](t, c, "ce_loss", c.Outputs)}, cvFwdTol))
	worstF = math.Max(worstF, cvCheck(t, "reasoner sst_loss", []float32{sst}, []float64{cvInput[float64](t, c, "sst_loss", c.Outputs)}, cvFwdTol))

	// CE gradients: tied head into h and E, stack, gather into E.
	p.ZeroGrad()
	dlogits, dh, dx := make([]float32, n*V), make([]float32, n*d), make([]float32, n*d)
	CrossEntropyBackward(dlogits, probs, targets, nil, n, V, 1)
	TiedHeadBackward(dh, p.G("embed"), dlogits, h, E, n, d, V)
	net.Backward(acts, dh, dx)
	EmbeddingBackward(p.G("embed"), dx, tokens, d)
	worstCE := cvGrads(t, "reasoner grads_ce", p, c.GradsCE, nil)

	// SST gradients: cosine loss, L2, stack, gather (no gradient to Ē).
	p.ZeroGrad()
	dlat := make([]float32, n*d)
	clear(dh)
	clear(dx)
	CosineLossBackward(dlat, lat, tgt, mask, n, d, k, 1)
	L2NormBackward(dh, dlat, lat, norms, n, d)
	net.Backward(acts, dh, dx)
	EmbeddingBackward(p.G("embed"), dx, tokens, d)
	worstSST := cvGrads(t, "reasoner grads_sst", p, c.GradsSST, nil)
	for _, v := range p.G("target_embed") {
		if v != 0 {
			t.Fatal("gradient reached target_embed")
		}
	}

	// Free-running: embed the prompt, then feed c·L2(h_last) back.
	prompt := cvInput[[]int](t, c, "free_prompt", c.Inputs)
	steps := cvInput[int](t, c, "free_steps", c.Inputs)
	want := cvInput[cvTensor](t, c, "free_latents", c.Outputs)
	cache := net.NewCache(len(prompt) + steps)
	hs, r, one := make([]float32, d), make([]float32, d), make([]float32, 1)
	for _, tok := range prompt {
		net.Step(cache, E[tok*d:(tok+1)*d], hs)
	}
	free := make([]float32, 0, steps*d)
	for s := 0; s < steps; s++ {
		L2NormForward(r, hs, one, 1, d)
		free = append(free, r...)
		u := make([]float32, d)
		for j := range r {
			u[j] = fb * r[j]
		}
		net.Step(cache, u, hs)
	}
	worstFree := cvCheck(t, "reasoner free_latents", free, want.Data, cvFwdTol)
	t.Logf("conformance reasoner: forward worst rel %.3e, free-running %.3e, grads_ce %.3e, grads_sst %.3e", worstF, worstFree, worstCE, worstSST)
}

func TestConformanceMonoTalker(t *testing.T) {
	c := cvLoad(t)["mono_talker"]
	cfg := cvStackConfig(c, "layers")
	d, V := cfg.D, int(c.Config["vocab"])
	p := NewParamSet()
	DeclareStack(p, "", cfg)
	p.Add("head", d, V)
	p.Alloc()
	cvFill(t, p, c.Params, nil)
	net := NewStack(p, "", cfg)
	latIn := cvInput[cvTensor](t, c, "latents", c.Inputs)
	targets := cvInput[[]int](t, c, "targets", c.Inputs)
	n := latIn.Shape[0]
	x := make([]float32, n*d)
	for i, v := range latIn.Data {
		x[i] = float32(v)
	}
	acts := net.NewActs(1, n)
	h := net.Forward(acts, x, 1, n)
	logits, probs := make([]float32, n*V), make([]float32, n*V)
	HeadForward(logits, h, p.W("head"), n, d, V)
	loss := CrossEntropyForward(probs, logits, targets, nil, n, V)
	worstF := cvCheck(t, "mono logits", logits, cvInput[cvTensor](t, c, "logits", c.Outputs).Data, cvFwdTol)
	worstF = math.Max(worstF, cvCheck(t, "mono ce_loss", []float32{loss}, []float64{cvInput[float64](t, c, "ce_loss", c.Outputs)}, cvFwdTol))
	p.ZeroGrad()
	dlogits, dh := make([]float32, n*V), make([]float32, n*d)
	CrossEntropyBackward(dlogits, probs, targets, nil, n, V, 1)
	HeadBackward(dh, p.G("head"), dlogits, h, p.W("head"), n, d, V)
	net.Backward(acts, dh, nil)
	worstG := cvGrads(t, "mono grads_ce", p, c.GradsCE, nil)
	t.Logf("conformance mono_talker: forward worst rel %.3e, grads_ce %.3e", worstF, worstG)
}

func TestConformanceDualTalker(t *testing.T) {
	c := cvLoad(t)["dual_talker"]
	ecfg := cvStackConfig(c, "enc_layers")
	dcfg := cvStackConfig(c, "dec_layers")
	d, V := ecfg.D, int(c.Config["vocab"])
	p := NewParamSet()
	DeclareStack(p, "enc.", ecfg)
	p.Add("dec.embed", V, d)
	DeclareDecoderNamed(p, "dec.", "final_norm", dcfg) // MODEL.md checkpoint names
	p.Add("head", d, V)
	p.Alloc()
	cvFill(t, p, c.Params, nil)
	enc := NewStack(p, "enc.", ecfg)
	dec := NewDecoderNamed(p, "dec.", "final_norm", dcfg)

	latIn := cvInput[cvTensor](t, c, "latents", c.Inputs)
	dtok := cvInput[[]int](t, c, "decoder_tokens", c.Inputs)
	targets := cvInput[[]int](t, c, "targets", c.Inputs)
	Tm, T := latIn.Shape[0], len(dtok)
	lat := make([]float32, Tm*d)
	for i, v := range latIn.Data {
		lat[i] = float32(v)
	}
	ea := enc.NewActs(1, Tm)
	mem := enc.Forward(ea, lat, 1, Tm)
	x := make([]float32, T*d)
	EmbeddingForward(x, p.W("dec.embed"), dtok, d)
	da := dec.NewActsMem(1, T, Tm)
	h := dec.Forward(da, x, 1, T, mem, Tm)
	logits, probs := make([]float32, T*V), make([]float32, T*V)
	HeadForward(logits, h, p.W("head"), T, d, V)
	loss := CrossEntropyForward(probs, logits, targets, nil, T, V)
	worstF := cvCheck(t, "dual memory", mem, cvInput[cvTensor](t, c, "memory", c.Outputs).Data, cvFwdTol)
	worstF = math.Max(worstF, cvCheck(t, "dual logits", logits, cvInput[cvTensor](t, c, "logits", c.Outputs).Data, cvFwdTol))
	worstF = math.Max(worstF, cvCheck(t, "dual ce_loss", []float32{loss}, []float64{cvInput[float64](t, c, "ce_loss", c.Outputs)}, cvFwdTol))

	p.ZeroGrad()
	dlogits, dh, dx := make([]float32, T*V), make([]float32, T*d), make([]float32, T*d)
	dmem := make([]float32, Tm*d)
	CrossEntropyBackward(dlogits, probs, targets, nil, T, V, 1)
	HeadBackward(dh, p.G("head"), dlogits, h, p.W("head"), T, d, V)
	dec.Backward(da, dh, dx, dmem)
	EmbeddingBackward(p.G("dec.embed"), dx, dtok, d)
	enc.Backward(ea, dmem, nil)
	worstG := cvGrads(t, "dual grads_ce", p, c.GradsCE, nil)

	// Greedy-decoding path: stepping the decoder with the KV cache gives
	// the same logits as the teacher-forced pass.
	ec := enc.NewCache(Tm)
	memS := make([]float32, Tm*d)
	for j := 0; j < Tm; j++ {
		enc.Step(ec, lat[j*d:(j+1)*d], memS[j*d:(j+1)*d])
	}
	dc := dec.NewCache(T)
	hs := make([]float32, d)
	stepLogits := make([]float32, T*V)
	E := p.W("dec.embed")
	for i, tok := range dtok {
		dec.Step(dc, E[tok*d:(tok+1)*d], memS, Tm, hs)
		HeadForward(stepLogits[i*V:(i+1)*V], hs, p.W("head"), 1, d, V)
	}
	worstS := cvCheck(t, "dual stepped logits", stepLogits, cvInput[cvTensor](t, c, "logits", c.Outputs).Data, cvFwdTol)
	t.Logf("conformance dual_talker: forward worst rel %.3e, stepped %.3e, grads_ce %.3e", worstF, worstS, worstG)
}
