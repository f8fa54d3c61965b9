package nn

import "runtime"

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
// others. An F32 W (and a 16-bit W wider than mvMaxBlockedOut columns, a
// vocabulary head) is split over goroutines by columns in blocks of 64:
// the same bits as one goroutine, and for F32 the bits of lyVecMat.
//
// A 16-bit W up to mvMaxBlockedOut columns is split by rows instead:
// block b (rows [b·mvRowBlock, (b+1)·mvRowBlock)) is multiplied into a
// partial sum p_b of its own, starting from zero, and y = (…((y₀ + p₀) +
// p₁) + …) in block order. Each block is a contiguous piece of W, so every
// goroutine streams memory front to back (a column split reads each row in
// short pieces, which on the machines measured streamed a third slower),
// and the blocks and their order depend only on the shape: MatVec on one
// goroutine and MatVecPar on any number give the same bits.

// mvRowBlock is the rows of W in one block of a row-split product.
const mvRowBlock = 128

// mvMaxBlockedOut is the widest 16-bit W that is split by rows; a wider
// one's rows are long enough to be read in column pieces, and its partial
// sums would not fit in a core's cache.
const mvMaxBlockedOut = 8192

// rowBlocked says whether x·W is computed by row blocks.
func rowBlocked(W Mat, out int) bool { return W.DType != F32 && out <= mvMaxBlockedOut }

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

// matVecBlock writes part[:out] = x[p0:p1]·W[p0:p1, :] for row block b
// of a row-split 16-bit product, its first ps columns in pair-split order
// (pairSplitCols), the others in column order.
func matVecBlock(part, x []float32, W Mat, in, out, b, ps int) {
	p0 := b * mvRowBlock
	p1 := min(p0+mvRowBlock, in)
	part = part[:out]
	clear(part)
	wb := W.Slice(p0*out, p1*out)
	if ps > 0 {
		gemvPairSplit(part, x[p0:p1], wb.U16, p1-p0, out, ps)
	}
	matVecCols(part, x[p0:p1], wb, p1-p0, out, ps, out)
}

// addPart adds columns [c0, c1) of a block's partial sum (pair-split below
// ps; c0 a multiple of 16) to y[c0:c1], one add per element.
func addPart(y, part []float32, c0, c1, ps int) {
	m := max(c0, min(c1, ps))
	addPairSplit(y[c0:m], part[c0:m], m-c0)
	if m < c1 {
		lyAxpy(1, part[m:c1], y[m:c1])
	}
}

// MatVec computes y = x·W (acc false) or y += x·W (acc true) for one row x
// [in] and W [in×out] of any dtype, on one goroutine, without allocating
// (a row-split product borrows one partial-sum row from a pool).
// For an F32 W it is lyVecMat, bit for bit.
func MatVec(y, x []float32, W Mat, in, out int, acc bool) {
	checkMatVec(y, x, W, in, out)
	if !acc {
		clear(y[:out])
	}
	if !rowBlocked(W, out) || in == 0 || out == 0 {
		matVecCols(y, x, W, in, out, 0, out)
		return
	}
	buf := bufPool.Get().(*[]float32)
	*buf = grow(*buf, out)
	part := (*buf)[:out]
	ps := pairSplitCols(W.DType, out)
	for b := range (in + mvRowBlock - 1) / mvRowBlock {
		matVecBlock(part, x, W, in, out, b, ps)
		addPart(y, part, 0, out, ps)
	}
	bufPool.Put(buf)
}

func checkMatVec(y, x []float32, W Mat, in, out int) {
	if in < 0 || out < 0 || len(x) < in || len(y) < out || W.Len() < in*out {
		lyPanicf("MatVec: x %d, y %d, W %d for %d×%d", len(x), len(y), W.Len(), in, out)
	}
}

// parMinWork is the fewest weights a goroutine of MatVecPar takes: below
// it, sharing the work costs more than it saves.
const parMinWork = 1 << 17

// mvReduceCols is the columns of one reduction unit of a row-split
// product.
const mvReduceCols = 512

// matVecTask is one product y = x·W (acc false) or y += x·W of a
// matVecsPar call.
type matVecTask struct {
	y, x    []float32
	W       Mat
	in, out int
	acc     bool
}

// MatVecPar is MatVec with the work split over up to GOMAXPROCS
// goroutines: the same bits as MatVec.
func MatVecPar(y, x []float32, W Mat, in, out int, acc bool) {
	matVecsPar([]matVecTask{{y: y, x: x, W: W, in: in, out: out, acc: acc}})
}

// matVecsPar runs several products in one parallel loop (the query, key
// and value projections of a step read the same x): each gives the bits
// MatVec gives it.
func matVecsPar(ts []matVecTask) {
	nth := runtime.GOMAXPROCS(0)
	type plan struct {
		u1, n1  int // first phase-1 unit, count
		u2, n2  int // first phase-2 unit, count
		chunk   int // columns per phase-1 unit (column split)
		partOff int // offset of the partial sums (row split)
		ps      int // their pair-split columns (pairSplitCols)
		blocked bool
	}
	var plans [4]plan
	if len(ts) > len(plans) {
		lyPanicf("matVecsPar: %d products", len(ts))
	}
	n1, n2, parts, work := 0, 0, 0, 0
	for i, t := range ts {
		checkMatVec(t.y, t.x, t.W, t.in, t.out)
		p := &plans[i]
		p.u1, p.u2, p.partOff = n1, n2, parts
		work += t.in * t.out
		if p.blocked = rowBlocked(t.W, t.out) && t.in > 0 && t.out > 0; p.blocked {
			p.n1 = (t.in + mvRowBlock - 1) / mvRowBlock
			p.n2 = (t.out + mvReduceCols - 1) / mvReduceCols
			p.ps = pairSplitCols(t.W.DType, t.out)
			parts += p.n1 * t.out
		} else {
			w := nth
			if lim := t.in * t.out / parMinWork; lim < w {
				w = lim
			}
			if lim := t.out / 64; lim < w {
				w = lim
			}
			w = max(w, 1)
			p.chunk = max(64, ((t.out+w-1)/w+63)&^63)
			p.n1 = max(1, (t.out+p.chunk-1)/p.chunk)
		}
		n1 += p.n1
		n2 += p.n2
	}
	var buf *[]float32
	var part []float32
	if parts > 0 {
		buf = bufPool.Get().(*[]float32)
		*buf = grow(*buf, parts)
		part = (*buf)[:parts]
	}
	task := func(u int, second bool) (int, int) {
		for i := range ts {
			p := &plans[i]
			if !second && u < p.u1+p.n1 {
				return i, u - p.u1
			}
			if second && u < p.u2+p.n2 {
				return i, u - p.u2
			}
		}
		panic("unreachable")
	}
	f1 := func(u int) {
		i, k := task(u, false)
		t, p := &ts[i], &plans[i]
		if p.blocked {
			matVecBlock(part[p.partOff+k*t.out:], t.x, t.W, t.in, t.out, k, p.ps)
			return
		}
		c0, c1 := k*p.chunk, min((k+1)*p.chunk, t.out)
		if !t.acc {
			clear(t.y[c0:c1])
		}
		matVecCols(t.y, t.x, t.W, t.in, t.out, c0, c1)
	}
	f2 := func(u int) {
		i, k := task(u, true)
		t, p := &ts[i], &plans[i]
		c0, c1 := k*mvReduceCols, min((k+1)*mvReduceCols, t.out)
		ys := t.y[c0:c1]
		if !t.acc {
			clear(ys)
		}
		for b := range p.n1 {
			off := p.partOff + b*t.out
			addPart(t.y, part[off:off+t.out], c0, c1, p.ps)
		}
	}
	if work/parMinWork < 2 {
		nth = 1
	}
	if nth <= 1 {
		for u := range n1 {
			f1(u)
		}
		for u := range n2 {
			f2(u)
		}
	} else {
		runPar(n1, f1, n2, f2)
	}
	if buf != nil {
		bufPool.Put(buf)
	}
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
