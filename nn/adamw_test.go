package nn

import (
	"math"
	"testing"
)

// TestAdamWStepMatchesHandComputed checks two steps against a float64
// computation of the documented update: clipping by the global norm,
// bias correction, decoupled weight decay on ≥2-D tensors only, and a
// frozen tensor that must not move.
func TestAdamWStepMatchesHandComputed(t *testing.T) {
	p := NewParamSet()
	p.Add("m", 2, 2)
	p.Add("g", 3)
	p.Add("frozen", 2, 1)
	p.Alloc()
	copy(p.W("m"), []float32{0.5, -1.25, 2, 0.125})
	copy(p.W("g"), []float32{1, 0.75, -0.5})
	copy(p.W("frozen"), []float32{3, 4})
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1.0}
	o := NewAdamW(p, cfg)
	o.Freeze("frozen")
	grads := [][]float32{
		{0.3, -2, 0.7, 0.01, -0.4, 1.5, 0.2, 100, 100},    // norm > 1: clipped (frozen grads ignored)
		{0.01, 0.02, -0.03, 0.0, 0.05, -0.01, 0.02, 5, 5}, // norm < 1: not clipped
	}
	lrs := []float64{0.01, 0.003}
	w := make([]float64, 9)
	for i, v := range p.Data() {
		w[i] = float64(v)
	}
	m := make([]float64, 9)
	v := make([]float64, 9)
	for step, g := range grads {
		copy(p.Grad(), g)
		var ss float64
		for _, x := range g[:7] {
			ss += float64(x) * float64(x)
		}
		norm := math.Sqrt(ss)
		scale := 1.0
		if norm > 1 {
			scale = 1 / norm
		}
		tt := float64(step + 1)
		lr := lrs[step]
		for i := 0; i < 7; i++ {
			gi := float64(g[i]) * scale
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.95*v[i] + 0.05*gi*gi
			mh := m[i] / (1 - math.Pow(0.9, tt))
			vh := v[i] / (1 - math.Pow(0.95, tt))
			if i < 4 {
				w[i] *= 1 - lr*0.1
			}
			w[i] -= lr * mh / (math.Sqrt(vh) + 1e-8)
		}
		gotNorm := o.Step(float32(lr))
		if math.Abs(float64(gotNorm)-norm) > 1e-6*norm {
			t.Fatalf("step %d: norm %v, want %v", step, gotNorm, norm)
		}
		for i, x := range p.Data() {
			if d := math.Abs(float64(x) - w[i]); d > 2e-7*math.Max(1, math.Abs(w[i])) {
				t.Errorf("step %d: w[%d] = %.9g, want %.9g", step, i, x, w[i])
			}
		}
	}
	if o.T != 2 {
		t.Fatalf("T = %d", o.T)
	}
	if f := p.W("frozen"); f[0] != 3 || f[1] != 4 {
		t.Fatalf("frozen tensor moved: %v", f)
	}
}

func TestAdamWNonFiniteGradSkips(t *testing.T) {
	p := NewParamSet()
	p.Add("w", 2)
	p.Alloc()
	copy(p.W("w"), []float32{1, 2})
	o := NewAdamW(p, DefaultAdamWConfig())
	p.Grad()[0] = float32(math.NaN())
	if n := o.Step(0.1); !math.IsNaN(float64(n)) {
		t.Fatalf("norm %v", n)
	}
	if w := p.W("w"); w[0] != 1 || w[1] != 2 || o.M[0] != 0 || o.T != 0 {
		t.Fatal("non-finite step changed state")
	}
}

func TestScheduleLR(t *testing.T) {
	s := Schedule{Peak: 1e-3, Min: 1e-4, Warmup: 10, Total: 110}
	near := func(got, want float32) bool { return math.Abs(float64(got-want)) <= 1e-9 }
	cases := []struct {
		step int
		want float32
	}{
		{0, 1e-4},    // first warm-up step: Peak/Warmup
		{4, 5e-4},    // linear
		{9, 1e-3},    // end of warm-up reaches Peak
		{10, 1e-3},   // cosine starts at Peak
		{60, 5.5e-4}, // half-way: (Peak+Min)/2
		{110, 1e-4},  // end
		{1000, 1e-4}, // after the end
	}
	for _, c := range cases {
		if got := s.LR(c.step); !near(got, c.want) {
			t.Errorf("LR(%d) = %g, want %g", c.step, got, c.want)
		}
	}
	for st := 10; st < 110; st++ {
		if s.LR(st+1) > s.LR(st) {
			t.Fatalf("not decreasing at %d", st)
		}
	}
}

// TestAdamWOneLoopMatchesSequential checks the update of a parameter set
// whose tensors straddle the parallel loop's chunks (sizes around the
// 32k-element grain, a frozen tensor in the middle, 1-D and 2-D ones)
// against the same float32 formula applied element by element in order,
// bit for bit: a chunk that took the wrong tensor's decay, skipped or
// repeated part of a tensor, or moved the frozen one fails it.
func TestAdamWOneLoopMatchesSequential(t *testing.T) {
	// on every path (the SIMD ones update whole vectors in assembly), with
	// and without clipping
	tlEachKernel(t, func(kname string) {
		for _, clip := range []float32{0, 50} {
			adamWOneLoopCase(t, kname, clip)
		}
	})
}

func adamWOneLoopCase(t *testing.T, kname string, clip float32) {
	p := NewParamSet()
	p.Add("a", 100, 700) // 70,000: three chunks' worth
	p.Add("b", 5)
	p.Add("frozen", 200, 200)
	p.Add("c", 40001)
	p.Add("d", 3, 11111)
	p.Alloc()
	r := uint32(1)
	next := func() float32 { r = r*1664525 + 1013904223; return float32(int32(r)>>8) / (1 << 23) }
	for i := range p.Data() {
		p.Data()[i] = next()
	}
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: clip}
	o := NewAdamW(p, cfg)
	o.Freeze("frozen")
	w := append([]float32(nil), p.Data()...)
	m := make([]float32, len(w))
	v := make([]float32, len(w))
	for step := 1; step <= 2; step++ {
		for i := range p.Grad() {
			p.Grad()[i] = next()
		}
		scale := float32(1)
		if norm := o.GradNorm(); clip > 0 && norm > clip {
			scale = clip / norm
		}
		if clip > 0 && scale == 1 {
			t.Fatalf("clip %v: the gradients are not clipped", clip)
		}
		lr := float32(0.01) / float32(step)
		bc1 := float32(1 - math.Pow(float64(cfg.Beta1), float64(step)))
		bc2 := float32(1 - math.Pow(float64(cfg.Beta2), float64(step)))
		for _, name := range []string{"a", "b", "c", "d"} {
			off, n := p.offset(name)
			decay := float32(1)
			if name != "b" && name != "c" {
				decay = 1 - lr*cfg.WeightDecay
			}
			for i := off; i < off+n; i++ {
				gi := p.Grad()[i] * scale
				m[i] = cfg.Beta1*m[i] + (1-cfg.Beta1)*gi
				v[i] = cfg.Beta2*v[i] + (1-cfg.Beta2)*gi*gi
				mh, vh := m[i]/bc1, v[i]/bc2
				w[i] = w[i]*decay - lr*mh/(float32(math.Sqrt(float64(vh)))+cfg.Eps)
			}
		}
		o.Step(lr)
		for i, x := range p.Data() {
			if math.Float32bits(x) != math.Float32bits(w[i]) {
				t.Fatalf("%s clip %v step %d: w[%d] = %v, want %v", kname, clip, step, i, x, w[i])
			}
		}
		for i := range m {
			if math.Float32bits(o.M[i]) != math.Float32bits(m[i]) || math.Float32bits(o.V[i]) != math.Float32bits(v[i]) {
				t.Fatalf("%s clip %v step %d: moments [%d] = %v, %v, want %v, %v", kname, clip, step, i, o.M[i], o.V[i], m[i], v[i])
			}
		}
	}
}
