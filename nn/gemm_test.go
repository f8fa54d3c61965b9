package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// guardVal fills every element of C outside the m×n window; the kernels must
// never write it.
var guardVal = math.Float32frombits(0x7fc0beef) // a NaN with a payload

const guardTail = 37 // guard elements after the last row of C

// gemmCase is one Sgemm call with its own (strided, guarded) buffers.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
	a, b, c0       []float32
}

// newGemmCase makes random operands; pad adds that many extra elements to
// each row stride. C's window starts random (or NaN when beta == 0, which
// must then be ignored).
func newGemmCase(rng *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) *gemmCase {
	g := &gemmCase{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	g.lda, g.ldb, g.ldc = ac+pad, bc+pad, n+pad
	g.a = randMat(rng, ar, ac, g.lda)
	g.b = randMat(rng, br, bc, g.ldb)
	g.c0 = make([]float32, max(0, (m-1)*g.ldc+n)+guardTail)
	for i := range g.c0 {
		g.c0[i] = guardVal
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if beta == 0 {
				g.c0[i*g.ldc+j] = float32(math.NaN())
			} else {
				g.c0[i*g.ldc+j] = float32(rng.NormFloat64())
			}
		}
	}
	return g
}

// randMat returns rows×cols random values with row stride ld; the stride gap
// holds NaNs, which must never be read.
func randMat(rng *rand.Rand, rows, cols, ld int) []float32 {
	s := make([]float32, max(0, (rows-1)*ld+cols))
	for i := range s {
		if i%ld < cols {
			s[i] = float32(rng.NormFloat64())
		} else {
			s[i] = float32(math.NaN())
		}
	}
	return s
}

func (g *gemmCase) opA(i, p int) float64 {
	if g.transA {
		return float64(g.a[p*g.lda+i])
	}
	return float64(g.a[i*g.lda+p])
}

func (g *gemmCase) opB(p, j int) float64 {
	if g.transB {
		return float64(g.b[j*g.ldb+p])
	}
	return float64(g.b[p*g.ldb+j])
}

func (g *gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta, g.lda, g.ldb, g.ldc)
}

// run calls f on a fresh copy of C and returns it.
func (g *gemmCase) run(f func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) []float32 {
	c := append([]float32(nil), g.c0...)
	f(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
	return c
}

// check compares c with a float64 reference: |c − ref| ≤ 1e-5·|alpha|·Σ|a||b|
// + 1e-6·|beta·c0| + tiny, and checks that guard elements are untouched.
func (g *gemmCase) check(c []float32) error {
	for idx, v := range c {
		if g.ldc > 0 {
			if i, j := idx/g.ldc, idx%g.ldc; i < g.m && j < g.n {
				continue
			}
		}
		if math.Float32bits(v) != math.Float32bits(guardVal) {
			return fmt.Errorf("%v: guard element %d overwritten with %g", g, idx, v)
		}
	}
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var s, sa float64
			if g.alpha != 0 {
				for p := 0; p < g.k; p++ {
					x := g.opA(i, p) * g.opB(p, j)
					s += x
					sa += math.Abs(x)
				}
			}
			ref := float64(g.alpha) * s
			tol := 1e-5*math.Abs(float64(g.alpha))*sa + 1e-30
			if g.beta != 0 {
				bc := float64(g.beta) * float64(g.c0[i*g.ldc+j])
				ref += bc
				tol += 1e-6 * math.Abs(bc)
			}
			got := float64(c[i*g.ldc+j])
			if !(math.Abs(got-ref) <= tol) {
				return fmt.Errorf("%v: C[%d][%d] = %g, want %g (tol %g)", g, i, j, got, ref, tol)
			}
		}
	}
	return nil
}

// small driver knobs so that small shapes cross every block boundary.
var tinyBlocks = gemmConfig{kcMax: 7, bBlockFloats: 1, chunkFlops: 1}

func implSgemm(im *gemmImpl, cfg *gemmConfig) func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		im.sgemm(cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

func TestKernelNames(t *testing.T) {
	names := kernelNames()
	t.Logf("KernelName()=%q available=%v", KernelName(), names)
	if names[len(names)-1] != "generic" {
		t.Fatalf("generic path missing: %v", names)
	}
	if os.Getenv("JRX_KERNEL") == "" && KernelName() != names[0] {
		t.Fatalf("KernelName()=%q, want best path %q", KernelName(), names[0])
	}
	for _, n := range names {
		restore, ok := setKernel(n)
		if !ok || KernelName() != n {
			t.Errorf("setKernel(%q): ok=%v KernelName=%q", n, ok, KernelName())
		}
		restore()
	}
	restore, ok := setKernel("no-such-path")
	if ok || !strings.HasPrefix(KernelName(), names[0]+" (") {
		t.Errorf("unavailable path: ok=%v KernelName=%q", ok, KernelName())
	}
	restore()
}

// TestKernelEnv checks JRX_KERNEL in a child process: each available path
// can be forced, and an unknown one falls back with a note.
func TestKernelEnv(t *testing.T) {
	if want := os.Getenv("JRX_KERNEL_CHILD"); want != "" {
		fmt.Printf("KernelName=%s\n", KernelName())
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cases := map[string]string{"bogus": kernelNames()[0] + " (JRX_KERNEL=bogus unavailable)"}
	for _, n := range kernelNames() {
		cases[n] = n
	}
	for env, want := range cases {
		cmd := exec.Command(exe, "-test.run=^TestKernelEnv$")
		cmd.Env = append(os.Environ(), "JRX_KERNEL="+env, "JRX_KERNEL_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("JRX_KERNEL=%s: %v\n%s", env, err, out)
		}
		if !strings.Contains(string(out), "KernelName="+want+"\n") {
			t.Errorf("JRX_KERNEL=%s: want KernelName=%q, child said:\n%s", env, want, out)
		}
	}
}

// TestSgemmTable runs fixed shapes on every available path, with default
// and tiny blocking, checking each result against a float64 reference.
func TestSgemmTable(t *testing.T) {
	dims := []int{1, 3, 17, 129}
	for _, im := range impls {
		// shapes that straddle this path's tile sizes
		mr, nr := im.mr, im.nr
		if im.whole != nil { // external BLAS: no tile sizes of ours
			mr, nr = 12, 32
		}
		edge := []int{mr - 1, mr, mr + 1, nr - 1, nr + 1, 2*mr + 1}
		t.Run(im.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			n := 0
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, m := range dims {
						for _, nn := range dims {
							for _, k := range dims {
								if m*nn*k > 129*129*17 {
									continue
								}
								for _, cfg := range []*gemmConfig{&defaultGemmConfig, &tinyBlocks} {
									ab := [][2]float32{{1, 0}, {-0.5, 1}, {2, -1.5}}[n%3]
									g := newGemmCase(rng, tA, tB, m, nn, k, ab[0], ab[1], n%3)
									if err := g.check(g.run(implSgemm(im, cfg))); err != nil {
										t.Fatal(err)
									}
									n++
								}
							}
						}
					}
					for _, m := range edge {
						for _, nn := range edge {
							k := edge[(m+nn)%len(edge)]
							g := newGemmCase(rng, tA, tB, m, nn, k, 1, 0.5, 1)
							if err := g.check(g.run(implSgemm(im, &tinyBlocks))); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			}
			t.Logf("%d cases", n)
		})
	}
}

// TestSgemmRandom draws random shapes, strides, alpha and beta, up to sizes
// that cross the default k block (384) and B block, on every path.
func TestSgemmRandom(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(len(im.name))))
			budget := 60e6 // multiply-adds of the float64 reference
			for budget > 0 {
				m := 1 + rng.IntN(150)
				n := 1 + rng.IntN(150)
				k := 1 + rng.IntN(900)
				if rng.IntN(4) == 0 {
					n = 500 + rng.IntN(200) // more than one B block at small k
					k = 1 + rng.IntN(40)
				}
				alphas := []float32{1, -1, 0.5, 3.25}
				betas := []float32{0, 1, -0.75, 2}
				g := newGemmCase(rng, rng.IntN(2) == 0, rng.IntN(2) == 0, m, n, k,
					alphas[rng.IntN(4)], betas[rng.IntN(4)], rng.IntN(3))
				cfg := defaultGemmConfig
				cfg.threads = 1 + rng.IntN(3)
				cfg.split = rng.IntN(3)
				cfg.bMode = rng.IntN(3)
				if err := g.check(g.run(implSgemm(im, &cfg))); err != nil {
					t.Fatal(err)
				}
				budget -= float64(m * n * k)
			}
		})
	}
}

// TestSgemmMatchesRef checks the public Sgemm against SgemmRef on each
// path selected through setKernel.
func TestSgemmMatchesRef(t *testing.T) {
	for _, name := range kernelNames() {
		restore, ok := setKernel(name)
		if !ok {
			t.Fatalf("setKernel(%q) failed", name)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			g := newGemmCase(rng, tr[0], tr[1], 70, 90, 130, 1.5, 0.25, 2)
			got, want := g.run(Sgemm), g.run(SgemmRef)
			for i := range got {
				d := math.Abs(float64(got[i] - want[i]))
				if !(d <= 1e-4*(1+math.Abs(float64(want[i])))) && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
					restore()
					t.Fatalf("%s %v: c[%d]=%g, SgemmRef %g", name, g, i, got[i], want[i])
				}
			}
		}
		restore()
	}
}

func TestSgemmSpecialValues(t *testing.T) {
	for _, im := range impls {
		f := implSgemm(im, &defaultGemmConfig)
		// beta == 0 overwrites NaN; alpha == 0 / k == 0 scale by beta only.
		c := []float32{float32(math.NaN()), float32(math.Inf(1)), 7, 8}
		f(false, false, 2, 2, 1, 1, []float32{1, 2}, 1, []float32{3, 4}, 2, 0, c, 2)
		if want := []float32{3, 4, 6, 8}; fmt.Sprint(c) != fmt.Sprint(want) {
			t.Errorf("%s: beta=0: got %v want %v", im.name, c, want)
		}
		c = []float32{1, 2, 3, 4}
		f(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 2, c, 2)
		if want := []float32{2, 4, 6, 8}; fmt.Sprint(c) != fmt.Sprint(want) {
			t.Errorf("%s: k=0: got %v want %v", im.name, c, want)
		}
		c = []float32{float32(math.NaN()), 2, 3, 4}
		f(false, false, 2, 2, 1, 0, []float32{1, 2}, 1, []float32{3, 4}, 2, 0, c, 2)
		if want := []float32{0, 0, 0, 0}; fmt.Sprint(c) != fmt.Sprint(want) {
			t.Errorf("%s: alpha=0 beta=0: got %v want %v", im.name, c, want)
		}
		// Inf and NaN in the inputs propagate as in the reference.
		a := []float32{float32(math.Inf(1)), 1}
		b := []float32{1, 2}
		c = make([]float32, 4)
		f(false, false, 2, 2, 1, 1, a, 1, b, 2, 0, c, 2)
		if !math.IsInf(float64(c[0]), 1) || !math.IsInf(float64(c[1]), 1) || c[2] != 1 || c[3] != 2 {
			t.Errorf("%s: Inf input: got %v", im.name, c)
		}
	}
}

func TestSgemmPanics(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"short C", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
		{"short A", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short B^T", func() {
			Sgemm(false, true, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 5), 2, 0, make([]float32, 6), 3)
		}},
		{"bad lda", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"bad ldc", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 4), 1)
		}},
		{"negative", func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

// TestSgemmDeterminism checks that the thread count and the split do not
// change a single bit of C, on every path, and that the public Sgemm gives
// the same bits with GOMAXPROCS 1 and 2.
func TestSgemmDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, im := range impls {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			g := newGemmCase(rng, tr[0], tr[1], 203, 171, 801, 1.25, 0.5, 3)
			var first []float32
			for _, th := range []int{1, 2, 3, 5} {
				for _, sp := range []int{splitRows, splitCols} {
					cfg := defaultGemmConfig
					cfg.threads, cfg.split, cfg.bMode, cfg.aMode = th, sp, 1+th%2, 1+(th/2+sp)%2
					c := g.run(implSgemm(im, &cfg))
					if first == nil {
						first = c
						if err := g.check(c); err != nil {
							t.Fatal(err)
						}
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s %v threads=%d split=%d: c[%d] = %x, threads=1: %x",
								im.name, g, th, sp, i, math.Float32bits(c[i]), math.Float32bits(first[i]))
						}
					}
				}
			}
		}
	}
	g := newGemmCase(rng, false, false, 3264/8, 384, 128, 1, 0, 0)
	prev := runtime.GOMAXPROCS(1)
	c1 := g.run(Sgemm)
	runtime.GOMAXPROCS(2)
	c2 := g.run(Sgemm)
	runtime.GOMAXPROCS(prev)
	for i := range c1 {
		if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
			t.Fatalf("GOMAXPROCS 1 vs 2: c[%d] %x != %x", i, math.Float32bits(c1[i]), math.Float32bits(c2[i]))
		}
	}
}

// FuzzSgemm compares every path with the float64 reference on fuzzed
// shapes, transposes, strides, alpha and beta.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(17), uint8(129), uint8(0), uint64(1))
	f.Add(uint8(13), uint8(33), uint8(5), uint8(0xff), uint64(2))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0x5a), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, flags uint8, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 99))
		alphas := []float32{1, -2, 0.5, 0}
		betas := []float32{0, 1, -0.5, 3}
		g := newGemmCase(rng, flags&1 != 0, flags&2 != 0, int(m%80), int(n%80), int(k), alphas[flags>>2&3], betas[flags>>4&3], int(flags>>6))
		for _, im := range impls {
			cfg := defaultGemmConfig
			if seed&1 != 0 {
				cfg = tinyBlocks
			}
			cfg.threads = 1 + int(seed>>1&3)
			if err := g.check(g.run(implSgemm(im, &cfg))); err != nil {
				t.Fatalf("%s: %v", im.name, err)
			}
		}
	})
}

// SgemmMulti gives every C_i the bits of Sgemm on (A, B_i, C_i) alone, on
// every path, transpose, split, thread count and blocking, and touches no
// element outside the C windows (the strides' gaps hold NaN guards).
func TestSgemmMultiMatchesSeparate(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, im := range impls {
		for _, sh := range [][3]int{{203, 64, 301}, {130, 32, 45}, {7, 128, 20}, {300, 16, 600}, {41, 20, 17}, {1, 32, 3}} {
			m, nPer, k := sh[0], sh[1], sh[2]
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, beta := range []float32{0, 1} {
					ar, ac := m, k
					if tr[0] {
						ar, ac = k, m
					}
					br, bc := k, nPer
					if tr[1] {
						br, bc = nPer, k
					}
					lda, ldb, ldc := ac+1, bc+2, nPer+3
					a := randMat(rng, ar, ac, lda)
					var bs, c0 [][]float32
					for range 3 {
						bs = append(bs, randMat(rng, br, bc, ldb))
						c := randMat(rng, m, nPer, ldc)
						for i := range c {
							if i%ldc >= nPer {
								c[i] = guardVal
							}
						}
						c0 = append(c0, c)
					}
					for _, th := range []int{1, 2, 3} {
						for _, sp := range []int{splitAuto, splitRows, splitCols} {
							for _, base := range []gemmConfig{defaultGemmConfig, tinyBlocks} {
								cfg := base
								cfg.threads, cfg.split, cfg.bMode, cfg.aMode = th, sp, th%3, (th+sp)%3
								var cs, want [][]float32
								for i := range bs {
									cs = append(cs, append([]float32(nil), c0[i]...))
									w := append([]float32(nil), c0[i]...)
									im.sgemm(&cfg, tr[0], tr[1], m, nPer, k, 1.5, a, lda, bs[i], ldb, beta, w, ldc)
									want = append(want, w)
								}
								im.sgemmMulti(&cfg, tr[0], tr[1], m, nPer, k, 1.5, a, lda, bs, ldb, beta, cs, ldc)
								for i := range cs {
									for e := range cs[i] {
										if math.Float32bits(cs[i][e]) != math.Float32bits(want[i][e]) {
											t.Fatalf("%s m=%d nPer=%d k=%d trans=%v beta=%v threads %d split %d: C_%d[%d] = %v, Sgemm alone %v",
												im.name, m, nPer, k, tr, beta, th, sp, i, e, cs[i][e], want[i][e])
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmL2KernelsKeepBits runs a transposed-A product whose B is read in
// place with a row stride of 512 floats (2 KB: the T kernels' L2 variants
// take over) and checks that those variants are called, give the float64
// reference's result, and the plain T kernels' bits, on every path that
// has them, with the default and tiny blocking; and that they are not
// called for a stride of 513 floats, nor for the same B packed.
func TestSgemmL2KernelsKeepBits(t *testing.T) {
	tested := 0
	for _, im := range impls {
		full := im.tiles[len(im.tiles)-1]
		if full.tl2 == nil {
			continue
		}
		tested++
		counted, plain := *im, *im
		counted.tiles = append([]tileKernel(nil), im.tiles...)
		plain.tiles = append([]tileKernel(nil), im.tiles...)
		calls := 0
		counted.tiles[len(im.tiles)-1].tl2 = func(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
			calls++
			full.tl2(kc, a, lda, b, ldb, c, ldc, alpha, beta)
		}
		plain.tiles[len(im.tiles)-1].tl2 = nil
		rng := rand.New(rand.NewPCG(11, 12))
		for _, blocks := range []gemmConfig{defaultGemmConfig, tinyBlocks} {
			for _, beta := range []float32{0, 0.5} {
				m, n, k := 3*im.mr+1, 2*im.nr+5, 301
				g := newGemmCase(rng, true, false, m, n, k, 1.25, beta, 512-n)
				if g.ldb != 512 {
					t.Fatalf("ldb %d, want 512", g.ldb)
				}
				cfg := blocks
				cfg.bMode, cfg.threads = bDirect, 1
				calls = 0
				got := g.run(implSgemm(&counted, &cfg))
				if calls == 0 {
					t.Fatalf("%s: the L2 kernel was never called", im.name)
				}
				if err := g.check(got); err != nil {
					t.Fatalf("%s: %v", im.name, err)
				}
				want := g.run(implSgemm(&plain, &cfg))
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v kcMax %d: c[%d] = %x with the L2 kernel, %x without", im.name, g, cfg.kcMax, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
				// packed panels: no stride of 2 KB multiples
				cfg.bMode, calls = bPack, 0
				if err := g.check(g.run(implSgemm(&counted, &cfg))); err != nil || calls != 0 {
					t.Fatalf("%s B packed: %d L2 kernel calls (want 0), %v", im.name, calls, err)
				}
				// a stride of 513 floats: rows spread over the L1's sets
				g = newGemmCase(rng, true, false, m, n, k, 1.25, beta, 513-n)
				cfg.bMode, calls = bDirect, 0
				if err := g.check(g.run(implSgemm(&counted, &cfg))); err != nil || calls != 0 {
					t.Fatalf("%s ldb 513: %d L2 kernel calls (want 0), %v", im.name, calls, err)
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no path with L2 kernel variants on this CPU/build")
	}
}
