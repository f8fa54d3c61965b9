package nn

import (
	"runtime"
	"sync"
)

// Matrix–vector products over weights of any DType (Mat), for the
// single-position (KV-cache) path of big models, whose step time is the
// time to stream the weights from memory once.
//
// F32 weights go through the house gemv (lyVecMat's kernels), so MatVec on
// an F32 Mat is bit-identical to lyVecMat. F16 and BF16 weights are
// widened to float32 inside the kernel, in registers: AVX2 + FMA assembly
// (F16 also needs F16C), with a plain Go kernel as the reference and as
// the path where the CPU lacks those or JRX_KERNEL=generic asks for it. On
// an AVX-512 CPU the widening kernels are the AVX2 ones: a product that
// streams 2-byte weights from memory is bound by memory, not by the vector
// width.
//
// Every kernel adds the rows of W in ascending order with one operation
// per term, so each output column is computed independently of the
// others: MatVecPar, which splits the columns over goroutines in blocks of
// 64, gives the same bits as MatVec on one goroutine.

// matVecColsGeneric adds x·W[:, c0:c1] into y[c0:c1] for a 16-bit W, in Go.
func matVecColsGeneric(y, x []float32, w []uint16, t DType, in, out, c0, c1 int) {
	ys := y[c0:c1]
	for p := 0; p < in; p++ {
		v := x[p]
		row := w[p*out+c0 : p*out+c1]
		if t == BF16 {
			for j, u := range row {
				ys[j] += v * BF16ToF32(u)
			}
		} else {
			for j, u := range row {
				ys[j] += v * F16ToF32(u)
			}
		}
	}
}

// dot16Generic is Σ x[i]·widen(w[i]) in index order, in Go.
func dot16Generic(x []float32, w []uint16, t DType) float32 {
	var s float32
	w = w[:len(x)]
	if t == BF16 {
		for i, u := range w {
			s += x[i] * BF16ToF32(u)
		}
		return s
	}
	for i, u := range w {
		s += x[i] * F16ToF32(u)
	}
	return s
}

// matVecCols adds x·W[:, c0:c1] into y[c0:c1] (W [in×out]) on the active
// path. c0 must be a multiple of 64 and c1 a multiple of 64 or out.
func matVecCols(y, x []float32, W Mat, in, out, c0, c1 int) {
	if c1 <= c0 || in <= 0 {
		return
	}
	if W.DType == F32 {
		if !f32ColsArch(y, x, W.F32, in, out, c0, c1) {
			for p, v := range x[:in] {
				lyAxpy(v, W.F32[p*out+c0:p*out+c1], y[c0:c1])
			}
		}
		return
	}
	if !matVec16Arch(y, x, W.U16, W.DType, in, out, c0, c1) {
		matVecColsGeneric(y, x, W.U16, W.DType, in, out, c0, c1)
	}
}

// MatVec computes y = x·W (acc false) or y += x·W (acc true) for one row x
// [in] and W [in×out] of any dtype, on one goroutine, without allocating.
// For an F32 W it is lyVecMat, bit for bit.
func MatVec(y, x []float32, W Mat, in, out int, acc bool) {
	checkMatVec(y, x, W, in, out)
	if !acc {
		clear(y[:out])
	}
	matVecCols(y, x, W, in, out, 0, out)
}

func checkMatVec(y, x []float32, W Mat, in, out int) {
	if in < 0 || out < 0 || len(x) < in || len(y) < out || W.Len() < in*out {
		lyPanicf("MatVec: x %d, y %d, W %d for %d×%d", len(x), len(y), W.Len(), in, out)
	}
}

// parMinWork is the fewest weights a goroutine of MatVecPar takes: below
// it, starting goroutines costs more than it saves.
const parMinWork = 1 << 17

// MatVecPar is MatVec with the columns split over up to GOMAXPROCS
// goroutines, in blocks of 64 columns: the same bits as MatVec.
func MatVecPar(y, x []float32, W Mat, in, out int, acc bool) {
	checkMatVec(y, x, W, in, out)
	if !acc {
		clear(y[:out])
	}
	w := runtime.GOMAXPROCS(0)
	if lim := in * out / parMinWork; lim < w {
		w = lim
	}
	if lim := out / 64; lim < w {
		w = lim
	}
	if w <= 1 {
		matVecCols(y, x, W, in, out, 0, out)
		return
	}
	chunk := (out + w - 1) / w
	chunk = (chunk + 63) &^ 63
	var wg sync.WaitGroup
	for c0 := chunk; c0 < out; c0 += chunk {
		c1 := min(c0+chunk, out)
		wg.Add(1)
		go func() {
			defer wg.Done()
			matVecCols(y, x, W, in, out, c0, c1)
		}()
	}
	matVecCols(y, x, W, in, out, 0, min(chunk, out))
	wg.Wait()
}

// DotRows writes scores[v] = Σ_i table[v·d + i]·x[i] for every row v of
// table [V×d] of any dtype (V = table.Len()/d), the rows split over up to
// GOMAXPROCS goroutines. Nearest-token read-outs over big vocabularies use
// it: a V×d table is read once per call. F32 rows use Dot.
func DotRows(scores, x []float32, table Mat, d int) {
	if d <= 0 || len(x) < d {
		lyPanicf("DotRows: d %d, x %d", d, len(x))
	}
	V := table.Len() / d
	lyNeed("DotRows scores", scores, V)
	x = x[:d]
	lyParFor(V, 256, func(lo, hi int) {
		for v := lo; v < hi; v++ {
			if table.DType == F32 {
				scores[v] = Dot(x, table.F32[v*d:(v+1)*d])
				continue
			}
			row := table.U16[v*d : (v+1)*d]
			s, ok := dot16Arch(x, row, table.DType)
			if !ok {
				s = dot16Generic(x, row, table.DType)
			}
			scores[v] = s
		}
	})
}

// WidenKernelName says which kernel reads F16 and BF16 weights on the
// active path: "avx2" or "generic".
func WidenKernelName(t DType) string {
	if widenAsm(t) {
		return "avx2"
	}
	return "generic"
}
