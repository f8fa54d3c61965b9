package nn

import (
	"math"
	"testing"
)

// tlCacheInputs returns T input vectors mixing token embeddings (rows of E)
// and arbitrary vectors (scaled unit vectors, as fed-back latents are).
func tlCacheInputs(E []float32, d, T int, seed uint64) []float32 {
	rng := NewRNG(seed)
	x := make([]float32, T*d)
	norms := make([]float32, 1)
	for i := 0; i < T; i++ {
		row := x[i*d : (i+1)*d]
		if i%3 != 2 {
			tok := rng.IntN(len(E) / d)
			copy(row, E[tok*d:(tok+1)*d])
		} else {
			copy(row, tlRand32(rng, d, 1))
			L2NormForward(row, row, norms, 1, d)
			for j := range row {
				row[j] *= 0.7
			}
		}
	}
	return x
}

func tlMaxDiff(a, b []float32) float64 {
	w := 0.0
	for i := range a {
		w = math.Max(w, math.Abs(float64(a[i]-b[i]))/math.Max(1, math.Abs(float64(b[i]))))
	}
	return w
}

func tlBitsEqual(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

func TestStackStepMatchesForward(t *testing.T) {
	for _, qk := range []bool{true, false} {
		cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 32, Layers: 3, QKNorm: qk}
		d, T, V := cfg.D, 9, 7
		p, s := tlEmbedStack(cfg, V, 11)
		x0 := tlCacheInputs(p.W("embed"), d, T, 1)
		x1 := tlCacheInputs(p.W("embed"), d, T, 2)
		// Two sequences in one batch: attention stays within each.
		a := s.NewActs(2, T)
		full := s.Forward(a, append(append([]float32(nil), x0...), x1...), 2, T)
		for b, x := range [][]float32{x0, x1} {
			c := s.NewCache(T)
			h := make([]float32, d)
			worst := 0.0
			for i := 0; i < T; i++ {
				s.Step(c, x[i*d:(i+1)*d], h)
				worst = math.Max(worst, tlMaxDiff(h, full[(b*T+i)*d:(b*T+i+1)*d]))
			}
			if worst > 1e-5 {
				t.Errorf("qk %v seq %d: Step differs from Forward by %.3g", qk, b, worst)
			}
			t.Logf("stack qk %v seq %d: Step vs Forward max diff %.3e", qk, b, worst)
			if c.Len() != T {
				t.Fatalf("Len %d", c.Len())
			}
			tlMustPanic(t, "full cache", func() { s.Step(c, x[:d], h) })
		}
	}
}

func TestDecoderStepMatchesForward(t *testing.T) {
	for _, qk := range []bool{true, false} {
		cfg := StackConfig{D: 16, A: 16, Heads: 2, F: 24, Layers: 2, QKNorm: qk}
		d, T, Tm, V := cfg.D, 6, 5, 9
		p := NewParamSet()
		p.Add("embed", V, d)
		DeclareDecoder(p, "dec.", cfg)
		p.Alloc()
		tlRandParams(p, NewRNG(12), 0.3)
		dec := NewDecoder(p, "dec.", cfg)
		rng := NewRNG(3)
		mem := tlRand32(rng, 2*Tm*d, 1)
		x0 := tlCacheInputs(p.W("embed"), d, T, 4)
		x1 := tlCacheInputs(p.W("embed"), d, T, 5)
		a := dec.NewActsMem(2, T, Tm)
		full := dec.Forward(a, append(append([]float32(nil), x0...), x1...), 2, T, mem, Tm)
		for b, x := range [][]float32{x0, x1} {
			c := dec.NewCache(T)
			h := make([]float32, d)
			worst := 0.0
			for i := 0; i < T; i++ {
				dec.Step(c, x[i*d:(i+1)*d], mem[b*Tm*d:(b+1)*Tm*d], Tm, h)
				worst = math.Max(worst, tlMaxDiff(h, full[(b*T+i)*d:(b*T+i+1)*d]))
			}
			if worst > 1e-5 {
				t.Errorf("qk %v seq %d: decoder Step differs from Forward by %.3g", qk, b, worst)
			}
			t.Logf("decoder qk %v seq %d: Step vs Forward max diff %.3e", qk, b, worst)
		}
	}
}

func TestKVCacheTruncateClone(t *testing.T) {
	cfg := StackConfig{D: 16, A: 16, Heads: 2, F: 32, Layers: 2, QKNorm: true}
	d, T := cfg.D, 8
	p := NewParamSet()
	p.Add("embed", 5, d)
	DeclareStack(p, "", cfg)
	p.Alloc()
	tlRandParams(p, NewRNG(13), 0.3)
	s := NewStack(p, "", cfg)
	x := tlCacheInputs(p.W("embed"), d, T, 6)
	y := tlCacheInputs(p.W("embed"), d, T, 7)
	c := s.NewCache(T)
	hs := make([][]float32, T)
	for i := 0; i < T; i++ {
		hs[i] = make([]float32, d)
		s.Step(c, x[i*d:(i+1)*d], hs[i])
	}
	h := make([]float32, d)
	// Step back to 4, take a different path, step back again, redo the
	// original: bit-identical.
	c.Truncate(4)
	s.Step(c, y[:d], h)
	s.Step(c, y[d:2*d], h)
	c.Truncate(4)
	for i := 4; i < T; i++ {
		s.Step(c, x[i*d:(i+1)*d], h)
		if !tlBitsEqual(h, hs[i]) {
			t.Fatalf("position %d after Truncate differs", i)
		}
	}
	// Clone at 5: stepping the clone does not touch the original.
	c.Truncate(5)
	cl := c.Clone()
	if cl.Len() != 5 {
		t.Fatalf("clone Len %d", cl.Len())
	}
	s.Step(cl, y[:d], h)
	s.Step(cl, y[d:2*d], h)
	s.Step(c, x[5*d:6*d], h)
	if !tlBitsEqual(h, hs[5]) {
		t.Fatal("original changed by stepping its clone")
	}
	cl.Truncate(5)
	s.Step(cl, x[5*d:6*d], h)
	if !tlBitsEqual(h, hs[5]) {
		t.Fatal("clone does not reproduce the original")
	}
	tlMustPanic(t, "Truncate beyond Len", func() { c.Truncate(c.Len() + 1) })
	tlMustPanic(t, "Truncate negative", func() { c.Truncate(-1) })
}

func TestStepDoesNotAllocate(t *testing.T) {
	cfg := StackConfig{D: 16, A: 16, Heads: 2, F: 32, Layers: 2, QKNorm: true}
	d := cfg.D
	p := NewParamSet()
	DeclareStack(p, "s.", cfg)
	DeclareDecoder(p, "d.", cfg)
	p.Alloc()
	tlRandParams(p, NewRNG(14), 0.3)
	s := NewStack(p, "s.", cfg)
	dec := NewDecoder(p, "d.", cfg)
	x := tlRand32(NewRNG(1), d, 1)
	mem := tlRand32(NewRNG(2), 4*d, 1)
	h := make([]float32, d)
	c := s.NewCache(8)
	for i := 0; i < 3; i++ {
		s.Step(c, x, h)
	}
	if n := testing.AllocsPerRun(50, func() { c.Truncate(3); s.Step(c, x, h) }); n != 0 {
		t.Errorf("Stack.Step allocates %v times per call", n)
	}
	dc := dec.NewCache(8)
	dec.Step(dc, x, mem, 4, h)
	if n := testing.AllocsPerRun(50, func() { dc.Truncate(1); dec.Step(dc, x, mem, 4, h) }); n != 0 {
		t.Errorf("Decoder.Step allocates %v times per call", n)
	}
}

// Prefill then Step equals Steps from the start (float32 rounding), for
// every prefix length; its cache holds the same keys and values; and it
// refuses a cache that is not empty or too small.
func TestStackPrefillMatchesSteps(t *testing.T) {
	for _, qk := range []bool{true, false} {
		cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 32, Layers: 3, QKNorm: qk}
		d, A, T, V := cfg.D, cfg.A, 11, 7
		p := NewParamSet()
		p.Add("embed", V, d)
		DeclareStack(p, "", cfg)
		p.Alloc()
		tlRandParams(p, NewRNG(13), 0.3)
		s := NewStack(p, "", cfg)
		x := tlCacheInputs(p.W("embed"), d, T, 3)
		ref := s.NewCache(T)
		hs := make([][]float32, T)
		for i := range T {
			hs[i] = make([]float32, d)
			s.Step(ref, x[i*d:(i+1)*d], hs[i])
		}
		a := s.NewActs(1, T) // reused by every prefill
		for P := 1; P <= T; P++ {
			c := s.NewCache(T)
			h := make([]float32, d)
			s.Prefill(c, a, x, P, h)
			worst := tlMaxDiff(h, hs[P-1])
			for l := range cfg.Layers {
				worst = math.Max(worst, tlMaxDiff(c.K[l][:P*A], ref.K[l][:P*A]))
				worst = math.Max(worst, tlMaxDiff(c.V[l][:P*A], ref.V[l][:P*A]))
			}
			if c.Len() != P {
				t.Fatalf("Len %d after a prefill of %d", c.Len(), P)
			}
			for i := P; i < T; i++ {
				s.Step(c, x[i*d:(i+1)*d], h)
				worst = math.Max(worst, tlMaxDiff(h, hs[i]))
			}
			if worst > 1e-5 {
				t.Errorf("qk %v prefix %d: Prefill then Step differs from Steps by %.3g", qk, P, worst)
			}
		}
		c := s.NewCache(T)
		h := make([]float32, d)
		s.Step(c, x[:d], h)
		tlMustPanic(t, "non-empty cache", func() { s.Prefill(c, s.NewActs(1, T), x, 2, h) })
		tlMustPanic(t, "too many positions", func() { s.Prefill(s.NewCache(3), s.NewActs(1, T), x, 4, h) })
		tlMustPanic(t, "zero positions", func() { s.Prefill(s.NewCache(3), s.NewActs(1, T), x, 0, h) })
		tlMustPanic(t, "small activations", func() { s.Prefill(s.NewCache(T), s.NewActs(1, 2), x, 3, h) })
	}
}
