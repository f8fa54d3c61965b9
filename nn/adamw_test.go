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
