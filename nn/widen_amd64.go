//go:build !purego

package nn

import "golang.org/x/sys/cpu"

// The kernels of widen_amd64.s. n must be a multiple of 8.

//go:noescape
func gemvBF16AVX2(x *float32, w *uint16, y *float32, in int, ldw int, n int)

//go:noescape
func gemvF16AVX2(x *float32, w *uint16, y *float32, in int, ldw int, n int)

//go:noescape
func dotBF16AVX2(x *float32, w *uint16, n int) float32

//go:noescape
func dotF16AVX2(x *float32, w *uint16, n int) float32

//go:noescape
func gemvBF16PermAVX2(x *float32, w *uint16, y *float32, in int, ldw int, n int)

//go:noescape
func addPairSplitAVX2(y *float32, p *float32, n int)

var (
	hasWidenAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasF16C      = cpu.X86.HasF16C
)

// widenAsm reports whether the assembly reads dtype t on the active path
// (any SIMD path when the CPU has AVX2, FMA and, for F16, F16C).
func widenAsm(t DType) bool {
	if active.Load().impl.name == "generic" || !hasWidenAVX2 {
		return false
	}
	return t == BF16 || t == F16 && hasF16C
}

// matVec16Arch is matVecCols for a 16-bit W in assembly; false when the
// active path has none.
func matVec16Arch(y, x []float32, w []uint16, t DType, in, out, c0, c1 int) bool {
	if !widenAsm(t) {
		return false
	}
	n := (c1 - c0) &^ 7
	if n > 0 {
		_ = w[(in-1)*out+c0+n-1]
		_ = y[c0+n-1]
		_ = x[in-1]
		if t == BF16 {
			gemvBF16AVX2(&x[0], &w[c0], &y[c0], in, out, n)
		} else {
			gemvF16AVX2(&x[0], &w[c0], &y[c0], in, out, n)
		}
	}
	if c0+n < c1 {
		matVecColsGeneric(y, x, w, t, in, out, c0+n, c1)
	}
	return true
}

// pairSplitCols is how many leading columns (a multiple of 16) of a row
// block's partial sum are kept in gemvBF16PermAVX2's pair-split order: all
// but the last out mod 16 for BF16 on the assembly path, else none.
func pairSplitCols(t DType, out int) int {
	if t != BF16 || !widenAsm(BF16) {
		return 0
	}
	return out &^ 15
}

// gemvPairSplit adds x[:rows]·w[rows×ldw][:, :n] into part[:n] in
// pair-split order (n a multiple of 16).
func gemvPairSplit(part, x []float32, w []uint16, rows, ldw, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	_ = w[(rows-1)*ldw+n-1]
	_ = part[n-1]
	_ = x[rows-1]
	gemvBF16PermAVX2(&x[0], &w[0], &part[0], rows, ldw, n)
}

// addPairSplit adds the pair-split p[:n] to y[:n] in column order (n a
// multiple of 16).
func addPairSplit(y, p []float32, n int) {
	if n <= 0 {
		return
	}
	_ = y[n-1]
	_ = p[n-1]
	addPairSplitAVX2(&y[0], &p[0], n)
}

// dot16Arch is dot16Generic in assembly; false when the active path has
// none.
func dot16Arch(x []float32, w []uint16, t DType) (float32, bool) {
	if !widenAsm(t) {
		return 0, false
	}
	w = w[:len(x)]
	n := len(x) &^ 7
	var s float32
	if n > 0 {
		if t == BF16 {
			s = dotBF16AVX2(&x[0], &w[0], n)
		} else {
			s = dotF16AVX2(&x[0], &w[0], n)
		}
	}
	if n < len(x) {
		s += dot16Generic(x[n:], w[n:], t)
	}
	return s, true
}

// f32ColsArch adds x·W[:, c0:c1] into y[c0:c1] with the active path's
// gemv kernel and lyVecMat's tail loop, so that each column gets the bits
// lyVecMat gives it; false when the path has no gemv (generic).
func f32ColsArch(y, x, W []float32, in, out, c0, c1 int) bool {
	im := active.Load().impl
	if im.gemv == nil {
		return false
	}
	kern, vw := gemvAVX2, 8
	if im.name == "avx512" || im.name != "avx2" && cpu.X86.HasAVX512F {
		kern, vw = gemvAVX512, 16
	}
	n := (c1 - c0) &^ (vw - 1)
	if n > 0 {
		_ = W[(in-1)*out+c0+n-1]
		_ = y[c0+n-1]
		_ = x[in-1]
		kern(&x[0], &W[c0], &y[c0], in, out, n)
	}
	if c0+n == c1 {
		return true
	}
	for p, v := range x[:in] {
		row := W[p*out+c0+n : p*out+c1]
		for j, wv := range row {
			y[c0+n+j] += v * wv
		}
	}
	return true
}
