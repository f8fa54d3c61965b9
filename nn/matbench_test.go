package nn

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMatmulShapes(t *testing.T) {
	s := MatmulShapes()
	want := map[string]bool{"3264x128·128x384": false, "3264x384·(128x384)T": false, "(3264x128)T·3264x384": false, "3264x512·512x128": false}
	for _, sh := range s {
		if _, ok := want[sh.Name]; ok {
			want[sh.Name] = true
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("shape %q missing from MatmulShapes", name)
		}
	}
	r := BenchMatmul(MatmulShape{Name: "tiny", M: 5, N: 7, K: 3, TransA: true}, time.Millisecond)
	if r.GFLOPS <= 0 || r.GonumGFLOPS <= 0 || r.Ratio <= 0 || r.Kernel == "" || r.Threads < 1 {
		t.Errorf("BenchMatmul: %+v", r)
	}
}

// TestMatmulTable prints the ours-vs-gonum table for the training shapes
// when JRX_MATBENCH is set (e.g. JRX_MATBENCH=1s); skipped otherwise.
func TestMatmulTable(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("JRX_MATBENCH"))
	if err != nil {
		t.Skip("set JRX_MATBENCH=<duration> to print the matmul table")
	}
	t.Logf("%-24s %9s %9s %7s  %s", "shape", "GFLOP/s", "gonum", "ratio", "kernel/threads")
	for _, sh := range MatmulShapes() {
		r := BenchMatmul(sh, d)
		t.Logf("%-24s %9.1f %9.1f %7.1f  %s/%d", r.Shape, r.GFLOPS, r.GonumGFLOPS, r.Ratio, r.Kernel, r.Threads)
	}
}

// BenchmarkSgemm runs Sgemm on the training shapes (and a few small ones);
// JRX_KERNEL selects the path.
func BenchmarkSgemm(b *testing.B) {
	shapes := MatmulShapes()
	shapes = append(shapes,
		MatmulShape{Name: "51x32·(51x32)T", M: 51, N: 51, K: 32, TransB: true},
		MatmulShape{Name: "51x51·51x32", M: 51, N: 32, K: 51},
		MatmulShape{Name: "64x64·64x64", M: 64, N: 64, K: 64},
	)
	for _, sh := range shapes {
		name := strings.ReplaceAll(sh.Name, "·", "*")
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			m, n, k := sh.M, sh.N, sh.K
			a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			for i := range bb {
				bb[i] = float32(rng.NormFloat64())
			}
			lda, ldb := k, n
			if sh.TransA {
				lda = m
			}
			if sh.TransB {
				ldb = k
			}
			b.SetBytes(0)
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(sh.TransA, sh.TransB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmPacking compares, on the training shapes with a transposed
// operand, the driver's ways of feeding the kernels (all give the same bits:
// TestSgemmDeterminism): a transposed A read in place (direct) or packed
// into contiguous kc×mr panels (pack, the default), and the B block swept
// while in L2 at the default size or at 256 KB (for CPUs with a 512 KB L2,
// such as Zen 3). JRX_KERNEL selects the path; run it on a quiet machine.
func BenchmarkSgemmPacking(b *testing.B) {
	im := active.Load().impl
	if im.whole != nil {
		b.Skip("an external BLAS has no driver knobs")
	}
	variants := []struct {
		name string
		set  func(*gemmConfig)
	}{
		{"A=direct", func(c *gemmConfig) { c.aMode = aDirect }},
		{"A=pack", func(c *gemmConfig) { c.aMode = aPack }},
		{"A=direct,Bblock=256K", func(c *gemmConfig) { c.aMode, c.bBlockFloats = aDirect, 64<<10 }},
		{"A=pack,Bblock=256K", func(c *gemmConfig) { c.aMode, c.bBlockFloats = aPack, 64<<10 }},
	}
	for _, sh := range MatmulShapes() {
		if !sh.TransA && !sh.TransB {
			continue
		}
		rng := rand.New(rand.NewPCG(1, 2))
		m, n, k := sh.M, sh.N, sh.K
		a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range bb {
			bb[i] = float32(rng.NormFloat64())
		}
		lda, ldb := k, n
		if sh.TransA {
			lda = m
		}
		if sh.TransB {
			ldb = k
		}
		for _, v := range variants {
			if !sh.TransA && strings.HasPrefix(v.name, "A=pack") {
				continue // the A mode only matters for a transposed A
			}
			cfg := defaultGemmConfig
			v.set(&cfg)
			b.Run(strings.ReplaceAll(sh.Name, "·", "*")+"/"+v.name, func(b *testing.B) {
				for b.Loop() {
					im.sgemm(&cfg, sh.TransA, sh.TransB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemmMulti compares the three projections of one input (and
// their weight gradients) as three Sgemm calls and as one SgemmMulti, at
// the training shape. JRX_KERNEL selects the path.
func BenchmarkSgemmMulti(b *testing.B) {
	const n, d = 3264, 128
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(k int) []float32 { return randMat(rng, 1, k, k) }
	x := fill(n * d)
	ws := [][]float32{fill(d * d), fill(d * d), fill(d * d)}
	ys := [][]float32{fill(n * d), fill(n * d), fill(n * d)}
	gs := [][]float32{fill(d * d), fill(d * d), fill(d * d)}
	flops := 3 * 2 * float64(n*d*d)
	for _, c := range []struct {
		name  string
		multi bool
		trans bool
	}{{"forward/3calls", false, false}, {"forward/multi", true, false}, {"wgrad/3calls", false, true}, {"wgrad/multi", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				switch {
				case !c.trans && c.multi:
					SgemmMulti(false, false, n, d, d, 1, x, d, ws, d, 0, ys, d)
				case !c.trans:
					for i := range ws {
						Sgemm(false, false, n, d, d, 1, x, d, ws[i], d, 0, ys[i], d)
					}
				case c.multi:
					SgemmMulti(true, false, d, d, n, 1, x, d, ys, d, 1, gs, d)
				default:
					for i := range ys {
						Sgemm(true, false, d, d, n, 1, x, d, ys[i], d, 1, gs[i], d)
					}
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
