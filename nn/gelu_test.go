package nn

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// geluRef64 returns GELU(x) and GELU'(x) in float64, with the limits at
// ±Inf (GELU(−Inf) = 0, GELU'(−Inf) = 0, GELU(+Inf) = +Inf, GELU'(+Inf) = 1)
// where the plain formula gives ∞·0.
func geluRef64(x float64) (g, gd float64) {
	switch {
	case math.IsInf(x, 1):
		return x, 1
	case math.IsInf(x, -1):
		return 0, 0
	}
	c := math.Sqrt(2 / math.Pi)
	t := math.Tanh(c * (x + 0.044715*x*x*x))
	g = 0.5 * x * (1 + t)
	gd = 0.5*(1+t) + 0.5*x*(1-t*t)*c*(1+3*0.044715*x*x)
	if math.IsInf(x*x*x, 0) { // |x| > ~5e102: saturated
		gd = 0.5 * (1 + t)
	}
	return g, gd
}

// geluTol is the accuracy required of every path: 2e-6·(1+|x|).
func geluTol(x float64) float64 { return 2e-6 * (1 + math.Abs(x)) }

// geluEach runs f for every GELU path this CPU supports, forced.
func geluEach(t *testing.T, f func(t *testing.T, path string)) {
	for _, name := range geluKernelNames() {
		restore, ok := setGELUKernel(name)
		if !ok {
			t.Fatalf("setGELUKernel(%q) failed", name)
		}
		t.Run(name, func(t *testing.T) { f(t, name) })
		restore()
	}
}

// geluInputs: a dense sweep of [−20, 20], random values at several scales,
// and extremes.
func geluInputs() []float32 {
	var x []float32
	for v := -20.0; v <= 20; v += 1.0 / 4096 {
		x = append(x, float32(v))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []float64{0.01, 1, 3, 10, 100} {
		for range 4000 {
			x = append(x, float32(rng.NormFloat64()*s))
		}
	}
	inf := float32(math.Inf(1))
	for _, v := range []float32{0, 1e-30, 1e-40, 1e-45, 1e-7, 1, 5, 8.999, 9, 9.001, 10, 30, 1e4, 1e6, 1e13, 1e19, 1e30, math.MaxFloat32, inf} {
		x = append(x, v, -v)
	}
	return x
}

// geluCheck compares g, gd (for the inputs x) with the float64 reference
// and returns the worst errors in units of geluTol and absolutely.
func geluCheck(t *testing.T, x, g, gd []float32) (worstG, worstD, absG, absD float64) {
	t.Helper()
	bad := 0
	for i, v := range x {
		wg, wd := geluRef64(float64(v))
		tol := geluTol(float64(v))
		if math.IsInf(wg, 1) {
			if !math.IsInf(float64(g[i]), 1) || math.Abs(float64(gd[i])-1) > tol {
				t.Errorf("x=%g: GELU %g GELU' %g, want +Inf, 1", v, g[i], gd[i])
			}
			continue
		}
		eg, ed := math.Abs(float64(g[i])-wg), math.Abs(float64(gd[i])-wd)
		if !(eg <= tol && ed <= tol) {
			if bad++; bad <= 10 {
				t.Errorf("x=%g: GELU %g (want %g, err %.3g) GELU' %g (want %g, err %.3g), tol %.3g",
					v, g[i], wg, eg, gd[i], wd, ed, tol)
			}
			continue
		}
		worstG, worstD = math.Max(worstG, eg/tol), math.Max(worstD, ed/tol)
		if math.Abs(float64(v)) <= 20 {
			absG, absD = math.Max(absG, eg), math.Max(absD, ed)
		}
	}
	if bad > 10 {
		t.Errorf("… %d bad values in all", bad)
	}
	return
}

func TestGELUAccuracy(t *testing.T) {
	x := geluInputs()
	n := len(x)
	simd := map[string][2][]float32{}
	geluEach(t, func(t *testing.T, path string) {
		g, gd := make([]float32, n), make([]float32, n)
		geluFused(g, gd, x)
		if path != "generic" {
			simd[path] = [2][]float32{g, gd}
		}
		wG, wD, aG, aD := geluCheck(t, x, g, gd)
		t.Logf("%s: worst err/tol GELU %.3f GELU' %.3f; worst abs err on [-20,20] GELU %.3g GELU' %.3g",
			path, wG, wD, aG, aD)

		// The other entry points give the same values bit for bit.
		g2 := make([]float32, n)
		geluFused(g2, nil, x)
		geluSame(t, "geluFused(g, nil, u)", g2, g)
		GELUForward(g2, x)
		geluSame(t, "GELUForward", g2, g)
		u := append([]float32(nil), x...)
		geluFused(g2, u, u) // gd aliasing u, as in the stack
		geluSame(t, "geluFused(g, u, u) g", g2, g)
		geluSame(t, "geluFused(g, u, u) gd", u, gd)

		// GELUBackward: dx += dy·GELU'(x), one rounding or two.
		rng := rand.New(rand.NewPCG(3, 4))
		dy, dx := make([]float32, n), make([]float32, n)
		for i := range dy {
			dy[i], dx[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		dx0 := append([]float32(nil), dx...)
		GELUBackward(dx, dy, x)
		for i, v := range x {
			want := float64(dx0[i]) + float64(dy[i])*float64(gd[i])
			tol := 2e-7 * (math.Abs(float64(dx0[i])) + math.Abs(float64(dy[i])*float64(gd[i])))
			if math.Abs(float64(dx[i])-want) > tol {
				t.Fatalf("GELUBackward x=%g: dx %g, want %g + %g·%g", v, dx[i], dx0[i], dy[i], gd[i])
			}
		}
	})
	// The SIMD paths do the same IEEE operations (FMA, true division), so
	// they agree bit for bit (and with other CPUs of either kind).
	if a, ok := simd["avx2"]; ok {
		if b, ok := simd["avx512"]; ok {
			geluSame(t, "avx2 vs avx512 GELU", a[0], b[0])
			geluSame(t, "avx2 vs avx512 GELU'", a[1], b[1])
		}
	}
}

func geluSame(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s [%d]: %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestGELUOddLengths: lengths around the vector widths, at odd offsets,
// with guard values after the end; every element gets the value it gets in
// a long slice.
func TestGELUOddLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const N = 200
	x, dy := tlRand32(rng, N, 3), tlRand32(rng, N, 1)
	geluEach(t, func(t *testing.T, path string) {
		wg, wd := make([]float32, N), make([]float32, N)
		geluFused(wg, wd, x)
		for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 129} {
			for _, off := range []int{0, 1, 5} {
				xs := x[off : off+n]
				g, gd := tlGuarded(nil, n+5), tlGuarded(nil, n+5)
				geluFused(g[:n], gd[:n], xs)
				tlCheckGuard(t, fmt.Sprintf("geluFused n=%d g", n), g, n)
				tlCheckGuard(t, fmt.Sprintf("geluFused n=%d gd", n), gd, n)
				geluSame(t, fmt.Sprintf("n=%d off=%d g", n, off), g[:n], wg[off:off+n])
				geluSame(t, fmt.Sprintf("n=%d off=%d gd", n, off), gd[:n], wd[off:off+n])

				y := tlGuarded(nil, n+5)
				GELUForward(y[:n], xs)
				tlCheckGuard(t, fmt.Sprintf("GELUForward n=%d", n), y, n)
				geluSame(t, fmt.Sprintf("GELUForward n=%d", n), y[:n], wg[off:off+n])

				dx := tlGuarded(make([]float32, n), 5)
				GELUBackward(dx[:n], dy[off:off+n], xs)
				tlCheckGuard(t, fmt.Sprintf("GELUBackward n=%d", n), dx, n)
				dx2 := make([]float32, N)
				GELUBackward(dx2, dy, x)
				geluSame(t, fmt.Sprintf("GELUBackward n=%d off=%d", n, off), dx[:n], dx2[off:off+n])
			}
		}
	})
}

// TestGELUFiniteDifference checks GELU' against central differences of the
// float64 GELU and of the path's own GELU.
func TestGELUFiniteDifference(t *testing.T) {
	geluEach(t, func(t *testing.T, path string) {
		const h = 1.0 / 64 // x ± h exact in float32 on the grid below
		var x, xp, xm []float32
		for v := -12.0; v <= 12; v += 1.0 / 256 {
			x, xp, xm = append(x, float32(v)), append(xp, float32(v+h)), append(xm, float32(v-h))
		}
		n := len(x)
		dx, dy := make([]float32, n), make([]float32, n)
		for i := range dy {
			dy[i] = 1
		}
		GELUBackward(dx, dy, x)
		gp, gm := make([]float32, n), make([]float32, n)
		GELUForward(gp, xp)
		GELUForward(gm, xm)
		worst64, worst32 := 0.0, 0.0
		for i, v := range x {
			const h64 = 1e-5
			gp64, _ := geluRef64(float64(v) + h64)
			gm64, _ := geluRef64(float64(v) - h64)
			e64 := math.Abs(float64(dx[i]) - (gp64-gm64)/(2*h64))
			if e64 > geluTol(float64(v))+1e-9 {
				t.Fatalf("x=%g: GELU' %g, float64 central difference %g", v, dx[i], (gp64-gm64)/(2*h64))
			}
			// The path's own forward: truncation (h²/6)·|GELU'''| ≲ 5e-5
			// plus rounding ulp(GELU)/(2h).
			fd := (float64(gp[i]) - float64(gm[i])) / (2 * h)
			e32 := math.Abs(float64(dx[i]) - fd)
			if e32 > 1e-4+2e-7*math.Abs(float64(v))/(2*h) {
				t.Fatalf("x=%g: GELU' %g, central difference of the forward %g", v, dx[i], fd)
			}
			worst64, worst32 = math.Max(worst64, e64), math.Max(worst32, e32)
		}
		t.Logf("%s: worst |GELU' − CD| float64 %.3g, own forward (h=1/64) %.3g", path, worst64, worst32)
	})
}

// TestGELUDeterminism: the same inputs give the same bits, run after run
// and whatever the parallel split.
func TestGELUDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 3*16384 + 77
	x, dy := tlRand32(rng, n, 2), tlRand32(rng, n, 1)
	geluEach(t, func(t *testing.T, path string) {
		run := func(procs int) (g, gd, y, dx []float32) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			g, gd, y, dx = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			geluFused(g, gd, x)
			GELUForward(y, x)
			GELUBackward(dx, dy, x)
			return
		}
		g1, gd1, _, dx1 := run(1)
		for _, procs := range []int{1, 2, 3, 4} {
			g, gd, y, dx := run(procs)
			geluSame(t, "g", g, g1)
			geluSame(t, "gd", gd, gd1)
			geluSame(t, "GELUForward", y, g1)
			geluSame(t, "GELUBackward", dx, dx1)
		}
	})
}

// TestGELUFollowsKernel: by default GELU uses the matmul path's kernel
// (JRX_KERNEL), and the setter rejects unknown paths.
func TestGELUFollowsKernel(t *testing.T) {
	if _, ok := setGELUKernel("no-such-path"); ok {
		t.Fatal("setGELUKernel accepted an unknown path")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	x := tlRand32(rng, 1000, 3)
	want := map[string][]float32{}
	geluEach(t, func(t *testing.T, path string) {
		want[path] = make([]float32, len(x))
		geluFused(want[path], nil, x)
	})
	for _, k := range kernelNames() {
		w, ok := want[k]
		if !ok {
			continue // a matmul path without a GELU kernel of its own
		}
		restoreK, _ := setKernel(k)
		restoreG, _ := setGELUKernel("auto")
		g := make([]float32, len(x))
		geluFused(g, nil, x)
		restoreG()
		restoreK()
		geluSame(t, "kernel "+k, g, w)
	}
}

// FuzzGELU compares every SIMD path with the Go path (and both with the
// float64 reference) on arbitrary float32 bit patterns.
func FuzzGELU(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0x7f, 0x11, 0x22, 0x33, 0xc0})
	f.Add(make([]byte, 4*37))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := min(len(data)/4, 1024)
		x := make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		gGo, dGo := make([]float32, n), make([]float32, n)
		geluFusedGo(gGo, dGo, x)
		for _, name := range geluKernelNames() {
			restore, _ := setGELUKernel(name)
			g, gd := make([]float32, n), make([]float32, n)
			geluFused(g, gd, x)
			restore()
			for i, v := range x {
				if v != v {
					continue // NaN in: anything out
				}
				wg, wd := geluRef64(float64(v))
				tol := geluTol(float64(v))
				for _, c := range []struct {
					what       string
					got, other float32
					want       float64
				}{{"GELU", g[i], gGo[i], wg}, {"GELU'", gd[i], dGo[i], wd}} {
					if math.IsInf(c.want, 0) {
						if float64(c.got) != c.want || float64(c.other) != c.want {
							t.Fatalf("%s x=%g: %s %g, Go %g, want %g", name, v, c.what, c.got, c.other, c.want)
						}
						continue
					}
					if !(math.Abs(float64(c.got)-c.want) <= tol && math.Abs(float64(c.got)-float64(c.other)) <= 2*tol) {
						t.Fatalf("%s x=%g: %s %g, Go %g, float64 %g", name, v, c.what, c.got, c.other, c.want)
					}
				}
			}
		}
	})
}

// BenchmarkGELU: ns per element of each path, one goroutine, on a slice
// that stays in L2 (the forward alone, with the derivative, and the
// backward product).
func BenchmarkGELU(b *testing.B) {
	const n = 32768
	rng := rand.New(rand.NewPCG(11, 12))
	x, dy := tlRand32(rng, n, 2), tlRand32(rng, n, 1)
	g, gd := make([]float32, n), make([]float32, n)
	for _, name := range geluKernelNames() {
		for _, op := range []string{"fwd", "fwd+deriv", "bwd"} {
			b.Run(name+"/"+op, func(b *testing.B) {
				restore, _ := setGELUKernel(name)
				defer restore()
				for b.Loop() {
					switch op {
					case "fwd":
						geluFused(g, nil, x)
					case "fwd+deriv":
						geluFused(g, gd, x)
					case "bwd":
						if !geluBackwardArch(gd, dy, x) {
							geluBackwardGo(gd, dy, x)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
			})
		}
	}
}
