package nn

import (
	"strings"
	"testing"
)

// TestStepBatchMatchesForward checks PrefillBatch + StepBatch against what
// the batched free run did before it (a Forward over the whole sequences at
// every position): on every pure-Go kernel path each step's rows have the
// bits of the last rows of that Forward (the same kernels in the same
// order; within 1e-5 on OpenBLAS), and the caches of several sequences
// stay apart.
func TestStepBatchMatchesForward(t *testing.T) {
	tlEachKernel(t, func(name string) {
		for _, qk := range []bool{false, true} {
			cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 40, Layers: 3, QKNorm: qk}
			d, P, T, B, V := cfg.D, 5, 11, 3, 7
			p, s := tlEmbedStack(cfg, V, 11)
			x := make([]float32, B*T*d) // [B][T][d]
			for b := 0; b < B; b++ {
				copy(x[b*T*d:], tlCacheInputs(p.W("embed"), d, T, uint64(b+1)))
			}
			a := s.NewActs(B, T)
			c := s.NewBatchCache(B+1, T)
			// The prompts: the first P positions of each sequence.
			xp := make([]float32, B*P*d)
			for b := 0; b < B; b++ {
				copy(xp[b*P*d:(b+1)*P*d], x[b*T*d:])
			}
			got := s.PrefillBatch(c, a, xp, B, P)
			xs := make([]float32, B*d)
			for t1 := P; t1 <= T; t1++ { // t1 positions so far
				if t1 > P {
					for b := 0; b < B; b++ {
						copy(xs[b*d:(b+1)*d], x[(b*T+t1-1)*d:])
					}
					got = s.StepBatch(c, xs)
				}
				// The reference: Forward over the first t1 positions.
				xf := make([]float32, B*t1*d)
				for b := 0; b < B; b++ {
					copy(xf[b*t1*d:(b+1)*t1*d], x[b*T*d:])
				}
				h := s.Forward(a, xf, B, t1)
				for b := 0; b < B; b++ {
					want := h[(b*t1+t1-1)*d : (b*t1+t1)*d]
					row := got[b*d : (b+1)*d]
					if im := implNamed(name); im != nil && im.whole != nil {
						// An external BLAS promises no bit-identity.
						if dd := tlMaxDiff(row, want); dd > 1e-5 {
							t.Fatalf("%s qk %v: sequence %d at %d positions: StepBatch differs from Forward by %.3g", name, qk, b, t1, dd)
						}
						continue
					}
					if !tlBitsEqual(row, want) {
						t.Fatalf("%s qk %v: sequence %d at %d positions: StepBatch differs from Forward by %.3g (want the same bits)",
							name, qk, b, t1, tlMaxDiff(row, want))
					}
				}
			}
			if c.Len() != T {
				t.Fatalf("Len %d after %d positions", c.Len(), T)
			}
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(r.(string), "cache holds") {
						t.Errorf("StepBatch on a full cache: panic %v", r)
					}
				}()
				s.StepBatch(c, xs)
			}()
		}
	})
}

// TestStepBatchAtRagged checks StepBatchAt on a right-padded batch of
// sequences of unequal lengths: one PrefillBatch over the longest prompt,
// then each sequence advanced at its own position. Every row must have the
// bits of Forward over that sequence alone at that position (within 1e-5 on
// OpenBLAS), although the prefill wrote padding positions past the shorter
// prompts into the cache.
func TestStepBatchAtRagged(t *testing.T) {
	tlEachKernel(t, func(name string) {
		for _, qk := range []bool{false, true} {
			cfg := StackConfig{D: 16, A: 24, Heads: 3, F: 40, Layers: 3, QKNorm: qk}
			d, T, V := cfg.D, 12, 7
			prompts := []int{6, 3, 8, 5} // prompt lengths; sequences run to T−1 at most
			B := len(prompts)
			p, s := tlEmbedStack(cfg, V, 12)
			x := make([]float32, B*T*d)
			for b := 0; b < B; b++ {
				copy(x[b*T*d:], tlCacheInputs(p.W("embed"), d, T, uint64(b+7)))
			}
			Pmax := 8
			xp := make([]float32, B*Pmax*d)
			for b := 0; b < B; b++ {
				// Positions past the prompt hold other inputs (padding), which
				// the steps must overwrite, not attend to.
				for i := 0; i < Pmax; i++ {
					src := x[(b*T+i)*d : (b*T+i+1)*d]
					if i >= prompts[b] {
						src = x[((B-1-b)*T+i)*d : ((B-1-b)*T+i+1)*d]
					}
					copy(xp[(b*Pmax+i)*d:], src)
				}
			}
			a := s.NewActs(B, T)
			c := s.NewBatchCache(B, T)
			s.PrefillBatch(c, a, xp, B, Pmax)
			pos := make([]int, B)
			xs := make([]float32, B*d)
			for step := 0; step < 3; step++ {
				for b := range B {
					pos[b] = prompts[b] + step
					copy(xs[b*d:(b+1)*d], x[(b*T+pos[b])*d:])
				}
				got := s.StepBatchAt(c, xs, pos)
				for b := range B {
					t1 := pos[b] + 1
					h := s.Forward(a, x[b*T*d:(b*T+t1)*d], 1, t1)
					want := h[(t1-1)*d : t1*d]
					row := got[b*d : (b+1)*d]
					if im := implNamed(name); im != nil && im.whole != nil {
						if dd := tlMaxDiff(row, want); dd > 1e-5 {
							t.Fatalf("%s qk %v: sequence %d at position %d: differs from Forward by %.3g", name, qk, b, pos[b], dd)
						}
						continue
					}
					if !tlBitsEqual(row, want) {
						t.Fatalf("%s qk %v: sequence %d at position %d: StepBatchAt differs from Forward by %.3g (want the same bits)",
							name, qk, b, pos[b], tlMaxDiff(row, want))
					}
				}
			}
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(r.(string), "outside") {
						t.Errorf("StepBatchAt at the capacity: panic %v", r)
					}
				}()
				pos[0] = T
				s.StepBatchAt(c, xs, pos)
			}()
		}
	})
}

// tlEmbedStack builds a stack of cfg and a V-row "embed" table, with random
// weights from seed.
func tlEmbedStack(cfg StackConfig, V int, seed uint64) (*ParamSet, *Stack) {
	p := NewParamSet()
	p.Add("embed", V, cfg.D)
	DeclareStack(p, "", cfg)
	p.Alloc()
	tlRandParams(p, NewRNG(seed), 0.3)
	return p, NewStack(p, "", cfg)
}

// tlEachKernel runs f with each kernel path available here active.
func tlEachKernel(t *testing.T, f func(name string)) {
	t.Helper()
	for _, name := range kernelNames() {
		restore, ok := setKernel(name)
		if !ok {
			t.Fatalf("setKernel(%q)", name)
		}
		f(name)
		restore()
	}
}
