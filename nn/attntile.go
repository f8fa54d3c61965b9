package nn

import "sync"

// Attention of one (sequence, head) pair on the path's microkernels
// directly, tile by tile, instead of through Sgemm.
//
// A head's products are small (a training step's are 51×51×32: a row tile
// of the score matrix is one or two kernel calls), so going through the
// general driver cost more than the products: per call its setup, a
// transposed K or V packed into panels, partial tiles computed into a
// scratch tile and copied back — twelve calls a pair at the training shape
// (four forward, eight backward), 1,536 pairs a step. Here
// Kᵀ (Vᵀ in the backward) is packed once per pair into zero-padded
// column-tile panels, as the driver packs a transposed B, and the
// scores (dP in the backward) go to a scratch S with whole row and column
// tiles, so every kernel call over them is a full tile; the softmax of a
// row tile runs right after its scores, and P·V (dS·K) right after that,
// on S while it is in L1; causal products stop at the row tile's last
// diagonal (the driver's blocks stopped at every 32 rows').
//
// Same bits as the Sgemm path (attnForwardTask, attnBackwardTask): every entry of a product is
// the kernels' fused-multiply-add chain over k in order, then alpha and
// beta, in one depth block; the terms dropped by stopping at a tile's
// diagonal, or by starting a key tile's dSᵀ·Q and Pᵀ·dO at its first row,
// are products with an exact zero from the mask (TestAttentionTiledKeepsBits
// compares the two on every path). A product over positions has one depth
// block only if the positions fit kcMax: longer sequences take the Sgemm
// path.

// attnTiledOn switches the tiled path (tests and benchmarks compare).
var attnTiledOn = true

// attnPlan is the tiled path's layout for one call.
type attnPlan struct {
	im       *gemmImpl
	cw       int // kernel width for the products with Dh columns
	tkp, tqp int // scratch S: tqp rows (whole row tiles) × tkp (whole column tiles)
}

// attnScratch is one goroutine's buffers: t is Kᵀ or Vᵀ (tkp/nr panels of
// Dh×nr), s is S
// or dS [tqp][tkp], a a packed partial row tile of A, c a partial tile of C.
type attnScratch struct{ t, s, a, c []float32 }

var attnScratchPool = sync.Pool{New: func() any { return new(attnScratch) }}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// attnTilePlan returns the tiled path's plan for dm, or false when it does
// not apply (switched off, an external BLAS, no kernel of a width dividing
// Dh at every row count, or positions or Dh beyond one depth block).
func attnTilePlan(dm AttnDims) (attnPlan, bool) {
	im := active.Load().impl
	kcMax := defaultGemmConfig.kcMax
	if !attnTiledOn || im.whole != nil || len(im.tiles) == 0 || dm.Tq > kcMax || dm.Tk > kcMax || dm.Dh > kcMax {
		return attnPlan{}, false
	}
	cw := 0
	for _, w := range []int{im.nr, 32, 16, 8, 4} {
		if w <= im.nr && dm.Dh%w == 0 && im.hasWidth(w) {
			cw = w
			break
		}
	}
	if cw == 0 || !im.hasWidth(im.nr) {
		return attnPlan{}, false
	}
	// tkp: whole column tiles for the scores. dSᵀ·Q reads dS's columns
	// j0…j0+rt−1 of a key tile, rt its kernel's height: on the last tile
	// that is Tk rounded up to the kernel heights' step (2 or 4), which a
	// column tile (4, 16 or 32 wide) covers.
	return attnPlan{im: im, cw: cw, tkp: roundUp(dm.Tk, im.nr), tqp: roundUp(dm.Tq, im.mr)}, true
}

// hasWidth reports whether every row count of the path's kernels has a
// kernel exactly w columns wide.
func (im *gemmImpl) hasWidth(w int) bool {
	for _, t := range im.tiles {
		if im.exactTile(t.rows, w) == nil {
			return false
		}
	}
	return true
}

// exactTile returns the kernel of exactly rows×cols, or nil.
func (im *gemmImpl) exactTile(rows, cols int) *tileKernel {
	for i := range im.tiles {
		if t := &im.tiles[i]; t.rows == rows && t.cols == cols {
			return t
		}
	}
	return nil
}

func (pl *attnPlan) scratch(dm AttnDims) *attnScratch {
	sc := attnScratchPool.Get().(*attnScratch)
	mr := pl.im.mr
	sc.t = grow(sc.t, dm.Dh*pl.tkp)
	sc.s = grow(sc.s, pl.tqp*pl.tkp)
	sc.a = grow(sc.a, max(dm.Tq, dm.Tk, dm.Dh)*mr)
	sc.c = grow(sc.c, mr*max(pl.im.nr, pl.cw))
	return sc
}

// rowTile computes rows (≤ mr) rows of C[:, 0:n] = alpha·op(A)·B + beta·C
// over depth kc with kernels w wide (n a multiple of w); column tile t of B
// starts at b[t·bstep] (w for B in place, a panel's size for packed
// panels). A must have a whole kernel's rows readable (rowTile(rows)): in
// place, packed, or a padded scratch. If cWhole, C has them too; otherwise a
// partial tile goes through sc.c.
func (pl *attnPlan) rowTile(sc *attnScratch, trans bool, rows, kc int, a []float32, lda int, b []float32, ldb, bstep, n, w int, c []float32, ldc int, alpha, beta float32, cWhole bool) {
	rt := pl.im.rowTile(rows)
	tk := pl.im.exactTile(rt, w)
	kern := tk.n
	if trans {
		kern = tk.t
	}
	for j0 := 0; j0 < n; j0 += w {
		bt := b[j0/w*bstep:]
		if rows == rt || cWhole {
			kern(kc, a, lda, bt, ldb, c[j0:], ldc, alpha, beta)
			continue
		}
		t := sc.c[:rt*w]
		if beta != 0 {
			for r := 0; r < rows; r++ {
				copy(t[r*w:r*w+w], c[r*ldc+j0:])
			}
		}
		kern(kc, a, lda, bt, ldb, t, w, alpha, beta)
		for r := 0; r < rows; r++ {
			copy(c[r*ldc+j0:r*ldc+j0+w], t[r*w:])
		}
	}
}

// packHeadT packs a head's K (or V), x[j·A + d] for j < n, d < dh, as
// the B operand of S = Q·Kᵀ: tkp/nr panels of dh×nr, panel t holding keys
// t·nr…t·nr+nr−1, zero past n (the driver's transposed-B packing).
func (pl *attnPlan) packHeadT(t, x []float32, A, n, dh int) {
	nr := pl.im.nr
	for j0, u := 0, 0; j0 < pl.tkp; j0, u = j0+nr, u+1 {
		dst := t[u*dh*nr : (u+1)*dh*nr]
		w := min(nr, n-j0)
		switch {
		case w <= 0:
			clear(dst)
		case pl.im.packBT == nil || !pl.im.packBT(dst, x, A, 0, dh, j0, w):
			packBPanel(dst, true, x, A, 0, dh, j0, w, nr)
		}
	}
}

// rowsA returns the A operand of row tile i0 (rows rows) of a
// non-transposed matrix x with row stride ld, over depth kc: in place when
// a whole kernel's rows are there, else packed (zero-padded) into sc.a and
// read as a transposed A. It returns the operand, its stride and whether
// it is transposed.
func (pl *attnPlan) rowsA(sc *attnScratch, x []float32, ld, i0, rows, kc int) ([]float32, int, bool) {
	rt := pl.im.rowTile(rows)
	if rows == rt {
		return x[i0*ld:], ld, false
	}
	packAEdge(sc.a, false, x, ld, i0, rows, 0, kc, rt)
	return sc.a, rt, true
}

func attnForwardTiled(pl *attnPlan, sc *attnScratch, o, P, q, k, v []float32, dm AttnDims, b, h int) {
	Tq, Tk, dh := dm.Tq, dm.Tk, dm.Dh
	A := dm.H * dh
	Pbh, qo, ko, scale := dm.head(P, b, h)
	qh, kh, vh, oh := q[qo:], k[ko:], v[ko:], o[qo:]
	mr, tkp := pl.im.mr, pl.tkp
	kt, S := sc.t[:dh*tkp], sc.s[:pl.tqp*tkp]
	pl.packHeadT(kt, kh, A, Tk, dh)
	for i0 := 0; i0 < Tq; i0 += mr {
		rows := min(mr, Tq-i0)
		// S = scale·Q·Kᵀ for the tile's rows, up to its last diagonal.
		kEnd := pl.scoresTile(sc, dm, S, qh, kt, i0, scale)
		// The rows' softmax (softmaxRow's operations, each row's sum in
		// index order, two rows' sums interleaved).
		for i := i0; i < i0+rows; i++ {
			jn := dm.rowLen(i)
			row := S[i*tkp : i*tkp+kEnd]
			mx := rowMax(row[:jn])
			// exp over whole vectors: S's rows are padded; the extra
			// entries (scores of masked or zero-padded keys) are cleared
			// below up to kEnd, and nothing reads them past it
			j := expSubArch(S[i*tkp:i*tkp+min(roundUp(jn, 8), tkp)], mx)
			for ; j < jn; j++ {
				row[j] = lyExp(row[j] - mx)
			}
		}
		for i := i0; i < i0+rows; i += 2 {
			jn := dm.rowLen(i)
			r0 := S[i*tkp : i*tkp+jn]
			var s0, s1 float32
			var r1 []float32
			if i+1 < i0+rows {
				r1 = S[(i+1)*tkp : (i+1)*tkp+dm.rowLen(i+1)]
				s0, s1 = sum2(r0, r1)
			} else {
				s0, _ = sum2(r0, nil)
			}
			scaleBy(r0, 1/s0)
			if r1 != nil {
				scaleBy(r1, 1/s1)
			}
		}
		for i := i0; i < i0+rows; i++ {
			jn := dm.rowLen(i)
			row := S[i*tkp : i*tkp+kEnd]
			clear(row[jn:]) // masked: exact zeros for P·V below
			copy(Pbh[i*Tk:], row[:jn])
			clear(Pbh[i*Tk+jn : (i+1)*Tk])
		}
		// O = P·V (S holds P now; a partial tile's padded rows are the
		// scores of zero rows, and their results are not kept).
		pl.rowTile(sc, false, rows, kEnd, S[i0*tkp:], tkp, vh, A, pl.cw, dh, pl.cw, oh[i0*A:], A, 1, 0, false)
	}
}

func attnBackwardTiled(pl *attnPlan, sc *attnScratch, dq, dk, dv, do, P, q, k, v []float32, dm AttnDims, b, h int) {
	Tq, Tk, dh := dm.Tq, dm.Tk, dm.Dh
	A := dm.H * dh
	Pbh, qo, ko, scale := dm.head(P, b, h)
	qh, kh, vh, doh := q[qo:], k[ko:], v[ko:], do[qo:]
	dqh, dkh, dvh := dq[qo:], dk[ko:], dv[ko:]
	mr, tkp := pl.im.mr, pl.tkp
	vt, D := sc.t[:dh*tkp], sc.s[:pl.tqp*tkp]
	pl.packHeadT(vt, vh, A, Tk, dh)
	for i0 := 0; i0 < Tq; i0 += mr {
		rows := min(mr, Tq-i0)
		// dP = dO·Vᵀ, then dS = P ⊙ (dP − ⟨dP, P⟩_row)·scale in place.
		kEnd := pl.scoresTile(sc, dm, D, doh, vt, i0, 1)
		for i := i0; i < i0+rows; i += 2 {
			// ⟨dP, P⟩ of two rows at once, each summed in index order
			jn := dm.rowLen(i)
			p0, d0 := Pbh[i*Tk:i*Tk+jn], D[i*tkp:(i+1)*tkp]
			var dots [2]float32
			var p1, d1 []float32
			if i+1 < i0+rows {
				jn1 := dm.rowLen(i + 1)
				p1, d1 = Pbh[(i+1)*Tk:(i+1)*Tk+jn1], D[(i+1)*tkp:(i+2)*tkp]
				dots[0], dots[1] = dot2(p0, d0, p1, d1)
			} else {
				dots[0], _ = dot2(p0, d0, nil, nil)
			}
			softmaxBackRow(d0, p0, dots[0], scale)
			if p1 != nil {
				softmaxBackRow(d1, p1, dots[1], scale)
			}
		}
		for i := i0 + rows; i < min(i0+mr, pl.tqp); i++ {
			// padding rows of a partial tile: zero already when dO and V
			// are finite, and their results are not kept; cleared so that
			// no stale value (a NaN, a subnormal) goes into a kernel
			clear(D[i*tkp : (i+1)*tkp])
		}
		// dQ += dS·K up to the tile's last diagonal.
		pl.rowTile(sc, false, rows, kEnd, D[i0*tkp:], tkp, kh, A, pl.cw, dh, pl.cw, dqh[i0*A:], A, 1, 1, false)
	}
	// dK += dSᵀ·Q and dV += Pᵀ·dO, a key tile from its first row on
	// (causal: earlier queries do not see it).
	for j0 := 0; j0 < Tk; j0 += mr {
		rows := min(mr, Tk-j0)
		p0 := 0
		if dm.Causal {
			p0 = j0
		}
		kc := Tq - p0
		pl.rowTile(sc, true, rows, kc, D[p0*tkp+j0:], tkp, qh[p0*A:], A, pl.cw, dh, pl.cw, dkh[j0*A:], A, 1, 1, false)
		a, lda := Pbh[p0*Tk+j0:], Tk
		if rt := pl.im.rowTile(rows); rows < rt {
			packAEdge(sc.a, true, Pbh, Tk, j0, rows, p0, kc, rt)
			a, lda = sc.a, rt
		}
		pl.rowTile(sc, true, rows, kc, a, lda, doh[p0*A:], A, pl.cw, dh, pl.cw, dvh[j0*A:], A, 1, 1, false)
	}
}

// scoresTile computes S's rows i0… of one row tile, S = alpha·X·Kᵀ with
// X a head's rows (row stride H·Dh) and Kᵀ packed by packHeadT, up to the
// tile's last diagonal when causal, and returns where they stop (the keys
// its rows see, at most).
func (pl *attnPlan) scoresTile(sc *attnScratch, dm AttnDims, S, xh, kt []float32, i0 int, alpha float32) (kEnd int) {
	mr, nr, tkp, dh := pl.im.mr, pl.im.nr, pl.tkp, dm.Dh
	rows := min(mr, dm.Tq-i0)
	kEnd = dm.Tk
	if dm.Causal {
		kEnd = i0 + rows
	}
	a, lda, tr := pl.rowsA(sc, xh, dm.H*dh, i0, rows, dh)
	pl.rowTile(sc, tr, rows, dh, a, lda, kt, nr, dh*nr, roundUp(kEnd, nr), nr, S[i0*tkp:], tkp, alpha, 0, true)
	return kEnd
}

// scaleBy sets x[j] *= s (softmaxRow's last loop).
func scaleBy(x []float32, s float32) {
	for j := scalArch(x, s); j < len(x); j++ {
		x[j] *= s
	}
}

// softmaxBackRow sets ds[j] = p[j]·(ds[j] − dot)·scale for j < len(p) and
// clears the rest of ds (attnBackwardTask's loop, and its mask).
func softmaxBackRow(ds, p []float32, dot, scale float32) {
	j := dsRowArch(ds[:len(p)], p, dot, scale)
	for ; j < len(p); j++ {
		ds[j] = p[j] * (ds[j] - dot) * scale
	}
	clear(ds[len(p):])
}

// rowMax is the largest value of x (len ≥ 1): the loop of attnForwardTask,
// whole vectors in assembly. The two can differ only where x holds a NaN
// (the softmax is NaN for the whole row then either way) and in the sign
// of a zero maximum (lyExp(x − (±0)) gives the same bits).
func rowMax(x []float32) float32 {
	mx, j := rowMaxArch(x)
	if j == 0 {
		mx, j = x[0], 1
	}
	for _, s := range x[j:] {
		if s > mx {
			mx = s
		}
	}
	return mx
}

// sum2 returns the sums of a and of b (len(a) ≤ len(b); a nil b: a's
// alone), each in index order — two independent chains of additions.
func sum2(a, b []float32) (sa, sb float32) {
	if b == nil {
		for _, v := range a {
			sa += v
		}
		return
	}
	b0 := b[:len(a)]
	for j, v := range a {
		sa += v
		sb += b0[j]
	}
	for _, v := range b[len(a):] {
		sb += v
	}
	return
}

// dot2 returns Σ p0[j]·d0[j] and Σ p1[j]·d1[j] (len(p0) ≤ len(p1); the
// d's at least as long as their p's; a nil p1: the first alone), each in
// index order.
func dot2(p0, d0, p1, d1 []float32) (s0, s1 float32) {
	if p1 == nil {
		for j, p := range p0 {
			s0 += p * d0[j]
		}
		return
	}
	d0 = d0[:len(p0)]
	d1 = d1[:len(p1)]
	for j, p := range p0 {
		s0 += p * d0[j]
		s1 += p1[j] * d1[j]
	}
	for j := len(p0); j < len(p1); j++ {
		s1 += p1[j] * d1[j]
	}
	return
}
