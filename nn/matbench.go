package nn

import (
	"math/rand/v2"
	"runtime"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// MatmulShape is one C[M×N] = op(A)·op(B) product of the training loop.
type MatmulShape struct {
	Name           string
	M, N, K        int
	TransA, TransB bool
}

// MatmulResult is the outcome of BenchMatmul: our Sgemm and gonum's
// blas32.Gemm on the same shape in the same process, and, in a build with
// the OpenBLAS backend (-tags openblas), OpenBLAS's sgemm too.
type MatmulResult struct {
	Shape       string `json:"shape"`
	M, N, K     int
	TransA      bool
	TransB      bool
	GFLOPS      float64 `json:"gflops"`
	GonumGFLOPS float64 `json:"gonum_gflops"`
	Ratio       float64 `json:"ratio"`
	// OpenBLASGFLOPS and OpenBLASRatio (GFLOPS / OpenBLASGFLOPS) are 0
	// without the OpenBLAS backend.
	OpenBLASGFLOPS float64 `json:"openblas_gflops,omitempty"`
	OpenBLASRatio  float64 `json:"openblas_ratio,omitempty"`
	Kernel         string  `json:"kernel"`
	Threads        int     `json:"threads"`
}

// HasOpenBLAS reports whether this build has the OpenBLAS backend (and
// BenchMatmul an OpenBLAS column).
func HasOpenBLAS() bool { return implNamed("openblas") != nil }

// implNamed returns the path called name in this build, or nil.
func implNamed(name string) *gemmImpl {
	for _, im := range impls {
		if im.name == name {
			return im
		}
	}
	return nil
}

// benchImpl is the pure-Go path BenchMatmul measures as jrx's: the active
// one, or, when that is an external BLAS (the openblas build's default),
// the best native path (JRX_KERNEL=avx2 etc. still picks one).
func benchImpl() *gemmImpl {
	if im := active.Load().impl; im.whole == nil {
		return im
	}
	for _, im := range impls {
		if im.whole == nil {
			return im
		}
	}
	return genericImpl
}

// MatmulShapes returns the products of one training step at the default
// size (64 sequences × 51 tokens = 3264 rows, d = 128, qkv 384, MLP 512):
// the forward products X·W, the input gradients dY·Wᵀ and the weight
// gradients Xᵀ·dY.
func MatmulShapes() []MatmulShape {
	const rows = 3264
	type w struct{ in, out int }
	ws := []w{{128, 384}, {128, 128}, {128, 512}, {512, 128}}
	var s []MatmulShape
	for _, x := range ws {
		s = append(s, MatmulShape{Name: dims(rows, x.in) + "·" + dims(x.in, x.out), M: rows, N: x.out, K: x.in})
	}
	for _, x := range ws {
		s = append(s, MatmulShape{Name: dims(rows, x.out) + "·(" + dims(x.in, x.out) + ")T", M: rows, N: x.in, K: x.out, TransB: true})
	}
	for _, x := range ws {
		s = append(s, MatmulShape{Name: "(" + dims(rows, x.in) + ")T·" + dims(rows, x.out), M: x.in, N: x.out, K: rows, TransA: true})
	}
	return s
}

func dims(r, c int) string { return itoa(r) + "x" + itoa(c) }

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; v > 0; v /= 10 {
		i--
		b[i] = byte('0' + v%10)
	}
	return string(b[i:])
}

// BenchMatmul times Sgemm and gonum's blas32.Gemm on shape (dense operands,
// alpha = 1, beta = 0), each for about minDuration after a warm-up, using
// runtime.GOMAXPROCS(0) threads. The time is split into five rounds and the
// fastest round is reported for each, which damps interference from other
// processes on a shared machine.
func BenchMatmul(shape MatmulShape, minDuration time.Duration) MatmulResult {
	m, n, k := shape.M, shape.N, shape.K
	rng := rand.New(rand.NewPCG(1, 1))
	randSlice := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	a, b, c := randSlice(m*k), randSlice(k*n), make([]float32, m*n)
	lda, ldb := k, n
	ga := blas32.General{Rows: m, Cols: k, Stride: k, Data: a}
	gb := blas32.General{Rows: k, Cols: n, Stride: n, Data: b}
	tA, tB := blas.NoTrans, blas.NoTrans
	if shape.TransA {
		lda = m
		ga = blas32.General{Rows: k, Cols: m, Stride: m, Data: a}
		tA = blas.Trans
	}
	if shape.TransB {
		ldb = k
		gb = blas32.General{Rows: n, Cols: k, Stride: k, Data: b}
		tB = blas.Trans
	}
	gc := blas32.General{Rows: m, Cols: n, Stride: n, Data: c}
	flops := 2 * float64(m) * float64(n) * float64(k)
	im := benchImpl()
	ours := func() { im.sgemm(&defaultGemmConfig, shape.TransA, shape.TransB, m, n, k, 1, a, lda, b, ldb, 0, c, n) }
	gonum := func() { blas32.Gemm(tA, tB, 1, ga, gb, 0, gc) }
	kernel := im.name
	if im == active.Load().impl {
		kernel = KernelName() // with its note when JRX_KERNEL asked for a missing path
	}
	r := MatmulResult{
		Shape: shape.Name, M: m, N: n, K: k, TransA: shape.TransA, TransB: shape.TransB,
		GFLOPS:      bestRate(ours, flops, minDuration),
		GonumGFLOPS: bestRate(gonum, flops, minDuration),
		Kernel:      kernel,
		Threads:     runtime.GOMAXPROCS(0),
	}
	if ob := implNamed("openblas"); ob != nil {
		r.OpenBLASGFLOPS = bestRate(func() {
			ob.sgemm(&defaultGemmConfig, shape.TransA, shape.TransB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
		}, flops, minDuration)
	}
	return r.withRatio()
}

func (r MatmulResult) withRatio() MatmulResult {
	if r.GonumGFLOPS > 0 {
		r.Ratio = r.GFLOPS / r.GonumGFLOPS
	}
	if r.OpenBLASGFLOPS > 0 {
		r.OpenBLASRatio = r.GFLOPS / r.OpenBLASGFLOPS
	}
	return r
}

// bestRate runs f for about d in five rounds (after one warm-up call) and
// returns the best round's GFLOP/s.
func bestRate(f func(), flops float64, d time.Duration) float64 {
	f()
	const rounds = 5
	best := 0.0
	for r := 0; r < rounds; r++ {
		start := time.Now()
		iters := 0
		for iters == 0 || time.Since(start) < d/rounds {
			f()
			iters++
		}
		if g := flops * float64(iters) / time.Since(start).Seconds() / 1e9; g > best {
			best = g
		}
	}
	return best
}
