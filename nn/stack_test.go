package nn

import (
	"math"
	"runtime"
	"testing"
	"time"
)

// tlLM is a small language model for the determinism test and the
// training benchmark: embedding, a Stack, tied head, cross-entropy.
type tlLM struct {
	p      *ParamSet
	s      *Stack
	a      *StackActs
	V      int
	x, dh  []float32
	dx     []float32
	logits []float32
	probs  []float32
	dz     []float32
}

func newTLLM(cfg StackConfig, V, B, T int, seed uint64) *tlLM {
	p := NewParamSet()
	p.Add("embed", V, cfg.D)
	DeclareStack(p, "", cfg)
	p.Alloc()
	rng := NewRNG(seed)
	InitNormal(p.W("embed"), InitStd, rng)
	InitStack(p, "", cfg, rng)
	n, d := B*T, cfg.D
	m := &tlLM{p: p, s: NewStack(p, "", cfg), V: V,
		x: make([]float32, n*d), dh: make([]float32, n*d), dx: make([]float32, n*d),
		logits: make([]float32, n*V), probs: make([]float32, n*V), dz: make([]float32, n*V)}
	m.a = m.s.NewActs(B, T)
	return m
}

// step runs forward and backward on tokens (targets are the next tokens of
// the same row, wrapping) and returns the loss; gradients are left in p.
func (m *tlLM) step(tokens, targets []int, B, T int) float32 {
	d, V, n := m.s.Cfg.D, m.V, B*T
	E := m.p.W("embed")
	m.p.ZeroGrad()
	EmbeddingForward(m.x[:n*d], E, tokens, d)
	h := m.s.Forward(m.a, m.x[:n*d], B, T)
	TiedHeadForward(m.logits, h, E, n, d, V)
	loss := CrossEntropyForward(m.probs, m.logits, targets, nil, n, V)
	clear(m.dz)
	clear(m.dh)
	clear(m.dx)
	CrossEntropyBackward(m.dz, m.probs, targets, nil, n, V, 1)
	TiedHeadBackward(m.dh, m.p.G("embed"), m.dz, h, E, n, d, V)
	m.s.Backward(m.a, m.dh, m.dx)
	EmbeddingBackward(m.p.G("embed"), m.dx, tokens, d)
	return loss
}

func tlTokens(seed uint64, V, n int) (tokens, targets []int) {
	rng := NewRNG(seed)
	tokens = make([]int, n)
	targets = make([]int, n)
	for i := range tokens {
		tokens[i] = rng.IntN(V)
		targets[i] = (tokens[i]*3 + 1) % V // a learnable map
	}
	return
}

func tlTrain(steps int) ([]float32, []float32) {
	cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 32, Layers: 2, QKNorm: true}
	V, B, T := 11, 4, 9
	m := newTLLM(cfg, V, B, T, 42)
	opt := NewAdamW(m.p, DefaultAdamWConfig())
	sched := Schedule{Peak: 3e-3, Min: 3e-4, Warmup: 5, Total: steps}
	var losses []float32
	for s := 0; s < steps; s++ {
		tok, tgt := tlTokens(uint64(s), V, B*T)
		losses = append(losses, m.step(tok, tgt, B, T))
		opt.Step(sched.LR(s))
	}
	return append([]float32(nil), m.p.Data()...), losses
}

// TestTrainingDeterministic: 20 AdamW steps twice with the same seed give
// bit-identical parameters, with GOMAXPROCS 2 and 1 alike (every parallel
// kernel splits by outputs only), and the loss goes down.
func TestTrainingDeterministic(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	w1, l1 := tlTrain(20)
	w2, _ := tlTrain(20)
	if !tlBitsEqual(w1, w2) {
		t.Fatal("two identical runs differ")
	}
	runtime.GOMAXPROCS(1)
	w3, _ := tlTrain(20)
	if !tlBitsEqual(w1, w3) {
		t.Fatal("GOMAXPROCS 1 and 2 differ")
	}
	if !(l1[19] < l1[0]) || math.IsNaN(float64(l1[19])) {
		t.Fatalf("loss did not fall: %v → %v", l1[0], l1[19])
	}
	t.Logf("loss %.4f → %.4f over 20 steps", l1[0], l1[19])
}

// BenchmarkStackForwardBackward: the training shape of the d 128 / 6-block
// / FFN 512 / 4-head model on a 64×51 batch (stack only).
func BenchmarkStackForwardBackward(b *testing.B) {
	cfg := StackConfig{D: 128, A: 128, Heads: 4, F: 512, Layers: 6, QKNorm: true}
	B, T := 64, 51
	n := B * T
	p := NewParamSet()
	DeclareStack(p, "", cfg)
	p.Alloc()
	InitStack(p, "", cfg, NewRNG(1))
	s := NewStack(p, "", cfg)
	a := s.NewActs(B, T)
	rng := NewRNG(2)
	x := tlRand32(rng, n*cfg.D, 1)
	dh := tlRand32(rng, n*cfg.D, 1)
	dx := make([]float32, n*cfg.D)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p.ZeroGrad()
		s.Forward(a, x, B, T)
		s.Backward(a, dh, dx)
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "tokens/s")
}

// BenchmarkTrainStep adds the embedding, tied head (V 32), cross-entropy
// and the AdamW step to BenchmarkStackForwardBackward.
func BenchmarkTrainStep(b *testing.B) {
	cfg := StackConfig{D: 128, A: 128, Heads: 4, F: 512, Layers: 6, QKNorm: true}
	V, B, T := 32, 64, 51
	m := newTLLM(cfg, V, B, T, 1)
	opt := NewAdamW(m.p, DefaultAdamWConfig())
	tok, tgt := tlTokens(1, V, B*T)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		m.step(tok, tgt, B, T)
		opt.Step(1e-3)
	}
	b.ReportMetric(float64(B*T*b.N)/time.Since(start).Seconds(), "tokens/s")
}

// TestBackwardInput checks Stack.BackwardInput against Backward: the same
// input gradient, bit for bit (the same products in the same order), with
// every parameter gradient left as it was; and, by linearity, one Backward
// over the sum of two seeds gives the parameters the sum of two Backwards
// (to float32 rounding).
func TestBackwardInput(t *testing.T) {
	for _, qk := range []bool{false, true} {
		cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 40, Layers: 2, QKNorm: qk}
		B, T, d := 2, 9, cfg.D
		p := NewParamSet()
		DeclareStack(p, "", cfg)
		p.Alloc()
		rng := NewRNG(21)
		tlRandParams(p, rng, 0.3)
		s := NewStack(p, "", cfg)
		a := s.NewActs(B, T)
		x := tlRand32(rng, B*T*d, 1)
		s.Forward(a, x, B, T)
		seed1, seed2 := tlRand32(rng, B*T*d, 1), tlRand32(rng, B*T*d, 1)

		p.ZeroGrad()
		want := make([]float32, B*T*d)
		s.Backward(a, seed1, want)
		got := make([]float32, B*T*d)
		for i := range p.Grad() {
			p.Grad()[i] = 0.5 // a marker: BackwardInput must not touch it
		}
		s.BackwardInput(a, seed1, got)
		if !tlBitsEqual(got, want) {
			t.Fatalf("qk %v: BackwardInput's dx differs from Backward's by %.3g", qk, tlMaxDiff(got, want))
		}
		for i, g := range p.Grad() {
			if g != 0.5 {
				t.Fatalf("qk %v: BackwardInput changed parameter gradient %d to %v", qk, i, g)
			}
		}

		p.ZeroGrad()
		s.Backward(a, seed1, nil)
		s.Backward(a, seed2, nil)
		sep := append([]float32(nil), p.Grad()...)
		p.ZeroGrad()
		sum := make([]float32, B*T*d)
		for i := range sum {
			sum[i] = seed1[i] + seed2[i]
		}
		s.Backward(a, sum, nil)
		if dd := tlMaxDiff(p.Grad(), sep); dd > 1e-4 {
			t.Fatalf("qk %v: Backward of the summed seeds differs from the two Backwards by %.3g", qk, dd)
		}
	}
}

// TestFFNStrideKeepsBits: a model whose F-wide activations have a padded
// row stride (ffnStride) trains to the bits of the same model without the
// padding, and nothing reads or writes the padding: it holds a finite
// sentinel that every elementwise loop there would change (GELU, GELU',
// the product with GELU'), and that a product reading it as data would
// carry into the results. Rows enough that the loops run in parallel.
func TestFFNStrideKeepsBits(t *testing.T) {
	defer func(p bool) { ffnPad = p }(ffnPad)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	cfg := StackConfig{D: 32, A: 32, Heads: 2, F: 256, Layers: 2, QKNorm: true}
	V, B, T := 16, 6, 40 // 240 rows: ffnRows splits them (64 a unit at F 256)
	const sentinel = float32(-3.25)
	pads := func(m *tlLM, f func(l, i int, p *float32)) {
		for l := range m.a.blocks {
			ma := &m.a.blocks[l].mlp
			for _, buf := range [][]float32{ma.gd, ma.g, m.a.du} {
				for i := range buf {
					if i%ma.ld >= cfg.F {
						f(l, i, &buf[i])
					}
				}
			}
		}
	}
	run := func(pad bool) ([]float32, []float32, *tlLM) {
		ffnPad = pad
		m := newTLLM(cfg, V, B, T, 5)
		wantLd := cfg.F
		if pad {
			wantLd = cfg.F + 16
		}
		for l := range m.a.blocks {
			if ld := m.a.blocks[l].mlp.ld; ld != wantLd {
				t.Fatalf("pad %v: stride %d, want %d", pad, ld, wantLd)
			}
		}
		pads(m, func(_, _ int, p *float32) { *p = sentinel })
		opt := NewAdamW(m.p, DefaultAdamWConfig())
		var losses []float32
		for s := 0; s < 3; s++ {
			tok, tgt := tlTokens(uint64(10+s), V, B*T)
			losses = append(losses, m.step(tok, tgt, B, T))
			opt.Step(1e-3)
		}
		return append([]float32(nil), m.p.Data()...), losses, m
	}
	w0, l0, _ := run(false)
	w1, l1, m := run(true)
	if !tlBitsEqual(l0, l1) || !tlBitsEqual(w0, w1) {
		t.Fatalf("padded stride changed the numbers: losses %v vs %v", l0, l1)
	}
	n := 0
	pads(m, func(l, i int, p *float32) {
		n++
		if math.Float32bits(*p) != math.Float32bits(sentinel) {
			t.Fatalf("block %d: padding element %d written (%v)", l, i, *p)
		}
	})
	if n == 0 {
		t.Fatal("no padding to check")
	}
}
