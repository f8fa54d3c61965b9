package nn

import (
	"runtime"
	"testing"
)

// allocated returns the bytes f allocates (garbage included).
func allocated(f func()) float64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return float64(b.TotalAlloc - a.TotalAlloc)
}

// TestMemoryEstimates checks the estimates against what the constructors
// really allocate (within 10%, for configurations where the float buffers
// dominate the slice headers).
func TestMemoryEstimates(t *testing.T) {
	cfgs := []StackConfig{
		{D: 64, A: 64, Heads: 4, F: 256, Layers: 3, RopeBase: 10000},
		{D: 32, A: 48, Heads: 3, F: 100, Layers: 2, QKNorm: true},
	}
	within := func(tol float64) func(name string, est, got float64) {
		return func(name string, est, got float64) {
			t.Helper()
			if est < (1-tol)*got || est > (1+tol)*got {
				t.Errorf("%s: estimate %.0f bytes, allocated %.0f (tolerance %.0f%%)", name, est, got, 100*tol)
			}
		}
	}
	near := within(0.1)
	// 16×40 is large enough for the float buffers to be nearly all of
	// it: within 2% (leaving out the F-wide buffers' padded stride is
	// 2.5% at F 256).
	tight := within(0.02)
	for _, cfg := range cfgs {
		p := NewParamSet()
		DeclareStack(p, "", cfg)
		near("params", ParamBytes(float64(p.NumParams())), allocated(func() { p.Alloc() }))
		s := NewStack(p, "", cfg)
		var keep []any
		near("acts 1×200", ActsBytes(cfg, false, 1, 200, 0), allocated(func() { keep = append(keep, s.NewActs(1, 200)) }))
		tight("acts 16×40", ActsBytes(cfg, false, 16, 40, 0), allocated(func() { keep = append(keep, s.NewActs(16, 40)) }))
		near("cache 500", CacheBytes(cfg, 500), allocated(func() { keep = append(keep, s.NewCache(500)) }))

		q := NewParamSet()
		DeclareDecoderNamed(q, "dec.", "final_norm", cfg)
		q.Alloc()
		dec := NewDecoderNamed(q, "dec.", "final_norm", cfg)
		near("decoder acts 8×30", ActsBytes(cfg, true, 8, 30, 30), allocated(func() { keep = append(keep, dec.NewActs(8, 30)) }))
		near("decoder acts 4×20, memory 50", ActsBytes(cfg, true, 4, 20, 50), allocated(func() { keep = append(keep, dec.NewActsMem(4, 20, 50)) }))
		runtime.KeepAlive(keep)
	}
}
