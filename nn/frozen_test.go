package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func frozenFixture(t *testing.T, qk bool) (*Stack, StackConfig) {
	t.Helper()
	cfg := StackConfig{D: 40, A: 48, Heads: 4, F: 72, Layers: 3, QKNorm: qk}
	p := NewParamSet()
	DeclareStack(p, "m.", cfg)
	p.Alloc()
	InitStack(p, "m.", cfg, rand.New(rand.NewPCG(11, 12)))
	// Non-trivial gains.
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range p.Names() {
		if len(p.Shape(n)) == 1 {
			for i, w := range p.W(n) {
				p.W(n)[i] = w + 0.3*float32(rng.NormFloat64())
			}
		}
	}
	return NewStack(p, "m.", cfg), cfg
}

// asDType returns get over s's tensors stored as dtype t, and a ParamSet
// holding the same stored values widened (the reference network).
func asDType(s *Stack, t DType) (func(string) (Mat, error), *Stack) {
	p := s.P
	q := NewParamSet()
	for _, n := range p.Names() {
		q.Add(n, p.Shape(n)...)
	}
	q.Alloc()
	mats := map[string]Mat{}
	for _, n := range p.Names() {
		w := p.W(n)
		switch t {
		case F32:
			mats[n] = MatF32(w)
		default:
			u := make([]uint16, len(w))
			for i, v := range w {
				if t == BF16 {
					u[i] = F32ToBF16(v)
				} else {
					u[i] = F32ToF16(v)
				}
			}
			mats[n] = Mat{DType: t, U16: u}
		}
		mats[n].Widen(q.W(n))
	}
	return func(n string) (Mat, error) { return mats[n], nil }, NewStack(q, s.Prefix, s.Cfg)
}

// With F32 weights a FrozenStack's Prefill and Steps give Stack's bits;
// with F16 and BF16 weights they match Stack on the widened weights to
// float32 rounding.
func TestFrozenStackMatchesStack(t *testing.T) {
	for _, qk := range []bool{false, true} {
		s, cfg := frozenFixture(t, qk)
		for _, dt := range []DType{F32, BF16, F16} {
			for _, path := range kernelNames() {
				restore, _ := setKernel(path)
				get, ref := asDType(s, dt)
				fs, err := NewFrozenStack(get, "m.", cfg)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(15, 16))
				T, steps := 5, 4
				x := make([]float32, (T+steps)*cfg.D)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				cw, cg := ref.NewCache(T+steps), fs.NewCache(T+steps)
				hw, hg := make([]float32, cfg.D), make([]float32, cfg.D)
				ref.Prefill(cw, ref.NewActs(1, T), x, T, hw)
				fs.Prefill(cg, x, T, hg)
				compare := func(what string) {
					for i := range hw {
						if dt == F32 && math.Float32bits(hw[i]) != math.Float32bits(hg[i]) ||
							math.Abs(float64(hw[i]-hg[i])) > 1e-4*(1+math.Abs(float64(hw[i]))) {
							t.Fatalf("%s qk=%v %v: %s h[%d]: frozen %v, stack %v", path, qk, dt, what, i, hg[i], hw[i])
						}
					}
				}
				compare("prefill")
				for j := 0; j < steps; j++ {
					xi := x[(T+j)*cfg.D : (T+j+1)*cfg.D]
					ref.Step(cw, xi, hw)
					fs.Step(cg, xi, hg)
					compare("step")
				}
				restore()
			}
		}
	}
}

func TestFrozenStackWeightBytes(t *testing.T) {
	s, cfg := frozenFixture(t, false)
	for _, dt := range []DType{F32, BF16} {
		get, _ := asDType(s, dt)
		fs, _ := NewFrozenStack(get, "m.", cfg)
		mats := int64(cfg.Layers) * int64(4*cfg.D*cfg.A+2*cfg.D*cfg.F)
		want := mats*int64(dt.Size()) + 4*int64(cfg.D*(2*cfg.Layers+1))
		if got := fs.WeightBytes(); got != want {
			t.Errorf("%v: WeightBytes %d, want %d", dt, got, want)
		}
	}
	if _, err := NewFrozenStack(func(string) (Mat, error) { return MatF32(make([]float32, 3)), nil }, "", cfg); err == nil {
		t.Error("a misshapen tensor was accepted")
	}
}

// A stack wide enough that Step's products and attention run on the pool
// (and a cache long enough): F32 weights still give Stack's bits, and
// 16-bit weights give the same bits on one thread as on several, close to
// Stack on the widened weights.
func TestFrozenStackParallelStep(t *testing.T) {
	cfg := StackConfig{D: 384, A: 384, Heads: 6, F: 1536, Layers: 2, QKNorm: true}
	p := NewParamSet()
	DeclareStack(p, "m.", cfg)
	p.Alloc()
	InitStack(p, "m.", cfg, rand.New(rand.NewPCG(21, 22)))
	s := NewStack(p, "m.", cfg)
	if 3*cfg.D*cfg.A < 2*parMinWork {
		t.Fatal("fixture too small to run in parallel")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	T, steps := 100, 3
	if (T+1)*cfg.A < parMinWork/4 {
		t.Fatal("cache too short for parallel attention")
	}
	x := make([]float32, (T+steps)*cfg.D)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for _, dt := range []DType{F32, BF16} {
		get, ref := asDType(s, dt)
		fs, err := NewFrozenStack(get, "m.", cfg)
		if err != nil {
			t.Fatal(err)
		}
		run := func(procs int) [][]float32 {
			prev := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(prev)
			c := fs.NewCache(T + steps)
			h := make([]float32, cfg.D)
			fs.Prefill(c, x, T, h)
			var hs [][]float32
			for j := 0; j < steps; j++ {
				fs.Step(c, x[(T+j)*cfg.D:(T+j+1)*cfg.D], h)
				hs = append(hs, append([]float32(nil), h...))
			}
			return hs
		}
		one, two := run(1), run(2)
		cw := ref.NewCache(T + steps)
		hw := make([]float32, cfg.D)
		ref.Prefill(cw, ref.NewActs(1, T), x, T, hw)
		for j := 0; j < steps; j++ {
			ref.Step(cw, x[(T+j)*cfg.D:(T+j+1)*cfg.D], hw)
			for i := range hw {
				if math.Float32bits(one[j][i]) != math.Float32bits(two[j][i]) {
					t.Fatalf("%v step %d h[%d]: 1 thread %v, 2 threads %v", dt, j, i, one[j][i], two[j][i])
				}
				if dt == F32 && math.Float32bits(hw[i]) != math.Float32bits(two[j][i]) ||
					math.Abs(float64(hw[i]-two[j][i])) > 1e-4*(1+math.Abs(float64(hw[i]))) {
					t.Fatalf("%v step %d h[%d]: frozen %v, stack %v", dt, j, i, two[j][i], hw[i])
				}
			}
		}
	}
}
