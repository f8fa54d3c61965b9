package nn

import (
	"fmt"
	"os"
	"sync/atomic"
)

//go:generate go run gemm_gen.go

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major float32
// matrices. op(A) is m×k and op(B) is k×n; C is m×n with row stride ldc.
// If transA is false A is stored m×k with row stride lda, otherwise k×m.
// If transB is false B is stored k×n with row stride ldb, otherwise n×k.
// beta == 0 overwrites C (NaNs in C are not propagated). alpha == 0 or
// k == 0 only scales C by beta (A and B are not read, as in BLAS).
//
// The kernel is chosen at start-up from the CPU (see KernelName). Large
// products are split over runtime.GOMAXPROCS(0) goroutines by blocks of
// output rows or columns; the reduction over k is never split, and every C
// element is computed with the same operations in the same order whatever
// the split, so results are bit-identical for any thread count. (They
// differ from SgemmRef's in rounding: products are fused-multiply-added and
// long k is summed in blocks.)
//
// Elements of c outside the m×n window (the stride gaps and anything after
// the last row) are never written. Bad shapes, strides or short slices
// panic.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	active.Load().impl.sgemm(&defaultGemmConfig, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmMulti computes C_i = alpha·op(A)·op(B_i) + beta·C_i for i = 0, 1, …:
// products sharing A (the query, key and value projections of one input,
// and their weight gradients), each op(B_i) k×nPer with row stride ldb and
// C_i m×nPer with stride ldc. Each C_i gets exactly the bits Sgemm gives it
// alone; A is read and shared out once for all of them.
func SgemmMulti(transA, transB bool, m, nPer, k int, alpha float32, a []float32, lda int, bs [][]float32, ldb int, beta float32, cs [][]float32, ldc int) {
	active.Load().impl.sgemmMulti(&defaultGemmConfig, transA, transB, m, nPer, k, alpha, a, lda, bs, ldb, beta, cs, ldc)
}

// SgemmRef is the naive reference kernel for Sgemm (same contract),
// accumulating each dot product in float32 in index order.
func SgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Kernel selection.

// kernFunc computes one rows×cols tile: C = alpha·op(A)·B + beta·C where B
// is kc×cols with row stride ldb (a packed panel, or a full-width block of a
// non-transposed B in place) and A is read from a in a layout that depends
// on the kernel: N reads a[i·lda+p], T reads a[p·lda+i]. beta == ±0 does not
// read C.
type kernFunc func(kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32)

// tileKernel is a microkernel for a rows×cols tile, in both A layouts; tl2,
// if set, is t prefetching B into L2 only, for a B whose row stride puts
// its rows in one or two L1 sets (see bL2Stride). Same bits as t.
type tileKernel struct {
	rows, cols int
	n, t, tl2  kernFunc
}

// gemmImpl is one code path: matmul microkernels and vector kernels.
type gemmImpl struct {
	name   string
	mr, nr int // full tile size
	// tiles lists the microkernels by rows then cols, ascending; the last
	// is mr×nr. Smaller ones serve the edges of C.
	tiles []tileKernel
	// packBT, if set, packs a transposed B panel (see packBPanel) and
	// reports whether it could.
	packBT func(dst, b []float32, ldb, pc, kc, j0, w int) bool
	dot    func(a, b []float32) float32
	axpy   func(alpha float32, x, y []float32)
	// gemv, if set, adds x [in] · W [in×out] to y [out], bit-identical to
	// axpy of x[p]·(row p of W) into y for p = 0, 1, … (the single-position
	// path's matrix–vector products); nil means that axpy loop.
	gemv func(y, x, w []float32, in, out int)
	// whole, if set, replaces the blocked driver (an external BLAS); it
	// gets validated arguments with m, n, k > 0 and alpha != 0.
	whole func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// rowTile returns the fewest kernel rows that cover rows.
func (im *gemmImpl) rowTile(rows int) int {
	for _, t := range im.tiles {
		if t.rows >= rows {
			return t.rows
		}
	}
	return im.mr
}

// tile returns the smallest kernel covering rows×cols (rows must be a
// kernel row count).
func (im *gemmImpl) tile(rows, cols int) *tileKernel {
	for i := range im.tiles {
		if t := &im.tiles[i]; t.rows >= rows && t.cols >= cols {
			return t
		}
	}
	return &im.tiles[len(im.tiles)-1]
}

type selection struct {
	impl *gemmImpl
	name string // what KernelName reports
}

var (
	// impls lists the paths this CPU supports, best first: extraImpls
	// (optional backends registered by build-tagged files), the SIMD paths
	// of archImpls, then generic.
	impls      []*gemmImpl
	extraImpls []*gemmImpl
	active     atomic.Pointer[selection]
)

func init() {
	impls = append(append(extraImpls, archImpls()...), genericImpl)
	sel := choose(os.Getenv("JRX_KERNEL"))
	active.Store(&sel)
}

// choose picks the path named by want ("" or "auto" means the best one).
// A path this CPU (or build) lacks falls back to the best available one,
// and the returned name says so.
func choose(want string) selection {
	best := impls[0]
	switch want {
	case "", "auto":
		return selection{best, best.name}
	}
	for _, im := range impls {
		if im.name == want {
			return selection{im, im.name}
		}
	}
	return selection{best, fmt.Sprintf("%s (JRX_KERNEL=%s unavailable)", best.name, want)}
}

// KernelName reports the matmul path in use: "avx512", "avx2", "generic"
// or "openblas". When JRX_KERNEL asked for a path this CPU lacks, the name of
// the fallback is followed by a note in parentheses.
func KernelName() string { return active.Load().name }

// setKernel switches the active path (tests and benchmarks); it returns a
// function restoring the previous one and whether the path is available.
func setKernel(name string) (restore func(), ok bool) {
	prev := active.Load()
	sel := choose(name)
	active.Store(&sel)
	return func() { active.Store(prev) }, sel.impl.name == name
}

// UseKernel makes the named path ("avx512", "avx2", "generic", …; see
// JRX_KERNEL) the active one, for a test that must compute with the kernel
// a file was recorded on: float32 results differ in their last bits from
// one kernel to another. It returns a function that restores the previous
// path and whether the named one is available on this machine (if not,
// the best available is active until restore).
func UseKernel(name string) (restore func(), ok bool) { return setKernel(name) }

// kernelNames lists the paths available here, best first.
func kernelNames() []string {
	var s []string
	for _, im := range impls {
		s = append(s, im.name)
	}
	return s
}
