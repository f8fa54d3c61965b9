//go:build !purego

package nn

import "golang.org/x/sys/cpu"

// Row kernels in assembly (rowops_amd64.s): the Go loops of the norms, RoPE
// and the MLP backward (and, below, the GEMM driver's slab packer), eight
// floats at a time, to the same bits (no fused
// multiply-add). Counts must be multiples of 8; the callers run the rest in
// Go. They run on the AVX2 and AVX-512 paths (elementwise work is bound by
// memory, not by the vector width) and never on the generic one.

//go:noescape
func rmsDgAVX2(dg *float32, dy *float32, x *float32, rstd *float32, n int, ld int, w int)

//go:noescape
func scaleRowAVX2(y *float32, x *float32, gain *float32, rs float32, n int)

//go:noescape
func rmsDxRowAVX2(dx *float32, dy *float32, x *float32, gain *float32, rs float32, cc float32, n int)

//go:noescape
func ropeAVX2(a *float32, b *float32, cs *float32, sn *float32, n int, inverse bool)

//go:noescape
func mulAVX2(dst *float32, src *float32, n int)

//go:noescape
func rowMaxAVX2(x *float32, n int) float32

//go:noescape
func copyRowsAVX2(dst *float32, src *float32, ld int, rows int, w8 int)

//go:noescape
func adamwAVX2(w *float32, gr *float32, m *float32, v *float32, n int, k *float32)

//go:noescape
func scalAVX2(x *float32, s float32, n int)

//go:noescape
func dsRowAVX2(ds *float32, p *float32, dot float32, scale float32, n int)

var hasRowAVX2 = cpu.X86.HasAVX2

// rowArch reports whether the row kernels run: the CPU has AVX2 and the
// active matmul path is not the generic one.
func rowArch() bool { return hasRowAVX2 && active.Load().impl.name != "generic" }

// rmsDgArch adds Σ_i dy[i·ld+j]·x[i·ld+j]·rstd[i] (rows in order) to dg[j]
// for the first len(dg)&^7 columns and returns how many it did.
func rmsDgArch(dg, dy, x, rstd []float32, n, ld int) int {
	w := len(dg) &^ 7
	if w == 0 || n == 0 || !rowArch() {
		return 0
	}
	_ = dy[(n-1)*ld+w-1]
	_ = x[(n-1)*ld+w-1]
	_ = rstd[n-1]
	rmsDgAVX2(&dg[0], &dy[0], &x[0], &rstd[0], n, ld, w)
	return w
}

// scaleRowArch sets y[j] = x[j]·r·g[j] for the first len(y)&^7 values
// and returns how many it did.
func scaleRowArch(y, x, g []float32, r float32) int {
	n := len(y) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_, _ = x[n-1], g[n-1]
	scaleRowAVX2(&y[0], &x[0], &g[0], r, n)
	return n
}

// rmsDxRowArch adds r·(dy[j]·g[j] − x[j]·c) to dx[j] for the first
// len(dx)&^7 values and returns how many it did.
func rmsDxRowArch(dx, dy, x, g []float32, r, c float32) int {
	n := len(dx) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_, _, _ = dy[n-1], x[n-1], g[n-1]
	rmsDxRowAVX2(&dx[0], &dy[0], &x[0], &g[0], r, c, n)
	return n
}

// ropeArch rotates the pairs (a[j], b[j]) by (cs[j], sn[j]) as RotateRow
// does for the first len(a)&^7 values and returns how many it did.
func ropeArch(a, b, cs, sn []float32, inverse bool) int {
	n := len(a) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_, _, _ = b[n-1], cs[n-1], sn[n-1]
	ropeAVX2(&a[0], &b[0], &cs[0], &sn[0], n, inverse)
	return n
}

// mulArch sets dst[j] *= src[j] for the first len(dst)&^7 values and
// returns how many it did.
func mulArch(dst, src []float32) int {
	n := len(dst) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_ = src[n-1]
	mulAVX2(&dst[0], &src[0], n)
	return n
}

// adamwArch runs AdamW.Step's update (constants k: see adamwAVX2) on the
// first len(w)&^7 elements and returns how many it did.
func adamwArch(w, g, m, v []float32, k *[10]float32) int {
	n := len(w) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamwAVX2(&w[0], &g[0], &m[0], &v[0], n, &k[0])
	return n
}

// copyRowsArch copies rows rows of w floats (w a multiple of 8) at stride
// ld from src into dst, one after the other, and reports whether it did
// (the SIMD paths; a copy, the same bits on any path).
func copyRowsArch(dst, src []float32, ld, rows, w int) bool {
	if rows <= 0 || w <= 0 || w%8 != 0 || !hasRowAVX2 {
		return false
	}
	_ = dst[rows*w-1]
	_ = src[(rows-1)*ld+w-1]
	copyRowsAVX2(&dst[0], &src[0], ld, rows, w/8)
	return true
}

// rowMaxArch returns the largest of the first len(x)&^7 values and how
// many it read (0: none; see rowMaxAVX2 for NaNs).
func rowMaxArch(x []float32) (float32, int) {
	n := len(x) &^ 7
	if n == 0 || !rowArch() {
		return 0, 0
	}
	return rowMaxAVX2(&x[0], n), n
}

// scalArch sets x[j] *= s for the first len(x)&^7 values and returns how
// many it did.
func scalArch(x []float32, s float32) int {
	n := len(x) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	scalAVX2(&x[0], s, n)
	return n
}

// dsRowArch sets ds[j] = p[j]·(ds[j] − dot)·scale for the first
// len(ds)&^7 values and returns how many it did.
func dsRowArch(ds, p []float32, dot, scale float32) int {
	n := len(ds) &^ 7
	if n == 0 || !rowArch() {
		return 0
	}
	_ = p[n-1]
	dsRowAVX2(&ds[0], &p[0], dot, scale, n)
	return n
}

//go:noescape
func packATSlab12(dst *float32, src *float32, lda int, kc int, tiles int)

//go:noescape
func packATSlab6(dst *float32, src *float32, lda int, kc int, tiles int)

// packATransSlabArch is packATransSlab in assembly for the AVX-512 (12) and
// AVX2 (6) tile heights; false when it does not apply (the caller packs).
// A copy: the same bits on any path.
func packATransSlabArch(dst, a []float32, lda, i0, pc, kc, mr, tiles int) bool {
	if kc <= 0 || tiles <= 0 || !hasRowAVX2 || mr != 12 && mr != 6 {
		return false
	}
	_ = dst[tiles*kc*mr-1]
	_ = a[(pc+kc-1)*lda+i0+tiles*mr-1]
	if mr == 12 {
		packATSlab12(&dst[0], &a[pc*lda+i0], lda, kc, tiles)
	} else {
		packATSlab6(&dst[0], &a[pc*lda+i0], lda, kc, tiles)
	}
	return true
}
