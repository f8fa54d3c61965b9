package nn

import (
	"math"
	"runtime"
	"strings"
	"testing"
)

// TestInferActsSameBits checks that Forward on forward-only activations
// (one layer's buffers shared by every layer) gives the same bits as on
// training activations, for several batch shapes in a row (stale values
// from a larger batch must not leak), and that Backward and Prefill refuse
// them.
func TestInferActsSameBits(t *testing.T) {
	for _, cfg := range []StackConfig{
		{D: 32, A: 32, Heads: 4, F: 64, Layers: 3, RopeBase: 10000},
		{D: 24, A: 36, Heads: 3, F: 50, Layers: 2, QKNorm: true},
	} {
		p := NewParamSet()
		DeclareStack(p, "", cfg)
		p.Alloc()
		rng := NewRNG(11)
		InitStack(p, "", cfg, rng)
		// Norm gains away from 1, so that a layer reading another layer's
		// buffers would show.
		for _, name := range p.Names() {
			if strings.Contains(name, "norm") {
				InitNormal(p.W(name), 0.3, rng)
			}
		}
		s := NewStack(p, "", cfg)
		full, lean := s.NewActs(4, 9), s.NewInferActs(4, 9)
		for _, bt := range [][2]int{{4, 9}, {2, 5}, {3, 9}, {1, 1}} {
			B, T := bt[0], bt[1]
			x := make([]float32, B*T*cfg.D)
			InitNormal(x, 1, rng)
			want := append([]float32(nil), s.Forward(full, x, B, T)...)
			got := s.Forward(lean, x, B, T)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.IsNaN(float64(want[i])) {
					t.Fatalf("%+v B %d T %d: h[%d] = %g, training acts %g", cfg, B, T, i, got[i], want[i])
				}
			}
		}
		mustPanic := func(what string, f func()) {
			t.Helper()
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "forward-only") {
					t.Errorf("%s on forward-only activations: panic %v", what, r)
				}
			}()
			f()
		}
		mustPanic("Backward", func() { s.Backward(lean, make([]float32, 4*9*cfg.D), nil) })
		mustPanic("Prefill", func() {
			s.Prefill(s.NewCache(9), lean, make([]float32, 9*cfg.D), 9, make([]float32, cfg.D))
		})
	}
}

func TestInferActsBytes(t *testing.T) {
	cfg := StackConfig{D: 64, A: 64, Heads: 4, F: 256, Layers: 6, RopeBase: 10000}
	p := NewParamSet()
	DeclareStack(p, "", cfg)
	p.Alloc()
	s := NewStack(p, "", cfg)
	var keep []any
	got := allocated(func() { keep = append(keep, s.NewInferActs(16, 40)) })
	runtime.KeepAlive(keep)
	if est := InferActsBytes(cfg, 16, 40); est < 0.9*got || est > 1.1*got {
		t.Errorf("estimate %.0f bytes, allocated %.0f", est, got)
	}
	if full := ActsBytes(cfg, false, 16, 40, 0); got > full/4 {
		t.Errorf("forward-only activations take %.0f bytes, training ones %.0f: want < 1/4", got, full)
	}
}
