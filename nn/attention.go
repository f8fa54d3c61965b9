package nn

import "math"

// AttnDims describes one batched multi-head attention call: B sequences,
// each with Tq query rows and Tk key/value rows, H heads of width Dh
// (A = H·Dh columns per row, head h in columns h·Dh…(h+1)·Dh−1). Causal
// (self-attention; requires Tq == Tk) lets query i see keys j ≤ i only;
// otherwise every query sees every key of its own sequence (cross-attention).
type AttnDims struct {
	B, Tq, Tk, H, Dh int
	Causal           bool
}

// head returns, for sequence b and head h, the block of P (Tq·Tk floats),
// the offsets of the head's first query and key column, and the scores'
// scale 1/sqrt(Dh).
func (dm AttnDims) head(P []float32, b, h int) (Pbh []float32, qo, ko int, scale float32) {
	A, task := dm.H*dm.Dh, b*dm.H+h
	return P[task*dm.Tq*dm.Tk : (task+1)*dm.Tq*dm.Tk], b*dm.Tq*A + h*dm.Dh, b*dm.Tk*A + h*dm.Dh,
		float32(1 / math.Sqrt(float64(dm.Dh)))
}

// rowLen is how many keys query row i sees.
func (dm AttnDims) rowLen(i int) int {
	if dm.Causal {
		return i + 1
	}
	return dm.Tk
}

func (dm AttnDims) check() {
	if dm.B <= 0 || dm.Tq <= 0 || dm.Tk <= 0 || dm.H <= 0 || dm.Dh <= 0 {
		lyPanicf("attention: bad dims %+v", dm)
	}
	if dm.Causal && dm.Tq != dm.Tk {
		lyPanicf("attention: causal with Tq %d != Tk %d", dm.Tq, dm.Tk)
	}
}

// AttentionForward computes, per sequence b and head h, s_ij = q_i·k_j/sqrt(Dh)
// (masked to j ≤ i if Causal), P = softmax_j(s), o_i = Σ_j P_ij v_j.
//
//	q [B·Tq×A], k, v [B·Tk×A] (q and k already QK-normed and rotated)
//	o [B·Tq×A]           written
//	P [B·H·Tq·Tk]        written: P[((b·H+h)·Tq+i)·Tk+j], masked entries 0
//
// The (b, h) pairs run in parallel; each owns its outputs.
func AttentionForward(o, P, q, k, v []float32, dm AttnDims) {
	dm.check()
	A := dm.H * dm.Dh
	lyNeed("AttentionForward q", q, dm.B*dm.Tq*A)
	lyNeed("AttentionForward k", k, dm.B*dm.Tk*A)
	lyNeed("AttentionForward v", v, dm.B*dm.Tk*A)
	lyNeed("AttentionForward o", o, dm.B*dm.Tq*A)
	lyNeed("AttentionForward P", P, dm.B*dm.H*dm.Tq*dm.Tk)
	if pl, ok := attnTilePlan(dm); ok {
		lyParFor(dm.B*dm.H, 1, func(lo, hi int) {
			sc := pl.scratch(dm)
			for task := lo; task < hi; task++ {
				attnForwardTiled(&pl, sc, o, P, q, k, v, dm, task/dm.H, task%dm.H)
			}
			attnScratchPool.Put(sc)
		})
		return
	}
	lyParFor(dm.B*dm.H, 1, func(lo, hi int) {
		for task := lo; task < hi; task++ {
			attnForwardTask(o, P, q, k, v, dm, task/dm.H, task%dm.H)
		}
	})
}

func attnForwardTask(o, P, q, k, v []float32, dm AttnDims, b, h int) {
	Tq, Tk, dh := dm.Tq, dm.Tk, dm.Dh
	A := dm.H * dh
	Pbh, qo, ko, scale := dm.head(P, b, h)
	cb := causalBlock(dm)
	// S = scale·Q·Kᵀ over this head's columns (row stride A); causal: the
	// rows in blocks of cb, each up to its last row's diagonal.
	if cb > 0 {
		for i0 := 0; i0 < Tq; i0 += cb {
			i1 := min(i0+cb, Tq)
			Sgemm(false, true, i1-i0, i1, dh, scale, q[qo+i0*A:], A, k[ko:], A, 0, Pbh[i0*Tk:], Tk)
		}
	} else {
		Sgemm(false, true, Tq, Tk, dh, scale, q[qo:], A, k[ko:], A, 0, Pbh, Tk)
	}
	for i := 0; i < Tq; i++ {
		row := Pbh[i*Tk : (i+1)*Tk]
		jn := dm.rowLen(i)
		mx := row[0]
		for _, s := range row[1:jn] {
			if s > mx {
				mx = s
			}
		}
		softmaxRow(row[:jn], mx)
		clear(row[jn:])
	}
	// O = P·V (masked entries of P are 0; causal: a block of rows stops at
	// its last row's diagonal).
	if cb > 0 {
		for i0 := 0; i0 < Tq; i0 += cb {
			i1 := min(i0+cb, Tq)
			Sgemm(false, false, i1-i0, dh, i1, 1, Pbh[i0*Tk:], Tk, v[ko:], A, 0, o[qo+i0*A:], A)
		}
		return
	}
	Sgemm(false, false, Tq, dh, Tk, 1, Pbh, Tk, v[ko:], A, 0, o[qo:], A)
}

// attnCausalRows is the query rows of a block whose products stop at the
// block's last diagonal (0: every product over the whole square).
var attnCausalRows = 32

// causalBlock returns the row block of a causal attention's products, or 0
// for the whole square. Skipping the masked triangle leaves every entry's
// bits: an entry is a dot over Dh, and a product over positions only
// drops terms whose P or dS factor is an exact zero, as long as the
// positions fit in one depth block of the GEMM driver (kcMax), so that the
// sum's grouping is the same.
func causalBlock(dm AttnDims) int {
	if !dm.Causal || attnCausalRows <= 0 || dm.Tk > defaultGemmConfig.kcMax || dm.Tq <= attnCausalRows {
		return 0
	}
	return attnCausalRows
}

// softmaxRow replaces row by softmax(row) given its maximum mx.
func softmaxRow(row []float32, mx float32) {
	for j := expSubArch(row, mx); j < len(row); j++ {
		row[j] = lyExp(row[j] - mx)
	}
	var sum float32
	for _, e := range row {
		sum += e
	}
	inv := 1 / sum
	for j := range row {
		row[j] *= inv
	}
}

// AttentionBackward accumulates dq, dk, dv (same shapes as q, k, v) given do
// [B·Tq×A] and the forward's P, q, k, v. Softmax backward is
// ds = P ⊙ (dp − ⟨dp, P⟩) with dp_ij = do_i·v_j. scratch needs B·H·Tq·Tk
// floats (one block per (b, h) pair, so pairs run in parallel); the tiled
// path (attntile.go) keeps dS in its own per-goroutine scratch instead and
// leaves it alone.
func AttentionBackward(dq, dk, dv, scratch, do, P, q, k, v []float32, dm AttnDims) {
	dm.check()
	A := dm.H * dm.Dh
	lyNeed("AttentionBackward q", q, dm.B*dm.Tq*A)
	lyNeed("AttentionBackward dq", dq, dm.B*dm.Tq*A)
	lyNeed("AttentionBackward do", do, dm.B*dm.Tq*A)
	lyNeed("AttentionBackward k", k, dm.B*dm.Tk*A)
	lyNeed("AttentionBackward v", v, dm.B*dm.Tk*A)
	lyNeed("AttentionBackward dk", dk, dm.B*dm.Tk*A)
	lyNeed("AttentionBackward dv", dv, dm.B*dm.Tk*A)
	lyNeed("AttentionBackward P", P, dm.B*dm.H*dm.Tq*dm.Tk)
	lyNeed("AttentionBackward scratch", scratch, dm.B*dm.H*dm.Tq*dm.Tk)
	if pl, ok := attnTilePlan(dm); ok {
		lyParFor(dm.B*dm.H, 1, func(lo, hi int) {
			sc := pl.scratch(dm)
			for task := lo; task < hi; task++ {
				attnBackwardTiled(&pl, sc, dq, dk, dv, do, P, q, k, v, dm, task/dm.H, task%dm.H)
			}
			attnScratchPool.Put(sc)
		})
		return
	}
	lyParFor(dm.B*dm.H, 1, func(lo, hi int) {
		for task := lo; task < hi; task++ {
			attnBackwardTask(dq, dk, dv, scratch, do, P, q, k, v, dm, task/dm.H, task%dm.H)
		}
	})
}

func attnBackwardTask(dq, dk, dv, scratch, do, P, q, k, v []float32, dm AttnDims, b, h int) {
	Tq, Tk, dh := dm.Tq, dm.Tk, dm.Dh
	A := dm.H * dh
	Pbh, qo, ko, scale := dm.head(P, b, h)
	task := b*dm.H + h
	dS := scratch[task*Tq*Tk : (task+1)*Tq*Tk]
	cb := causalBlock(dm)
	// dP = dO·Vᵀ, then dS = P ⊙ (dP − ⟨dP, P⟩_row) · scale.
	if cb > 0 {
		for i0 := 0; i0 < Tq; i0 += cb {
			i1 := min(i0+cb, Tq)
			Sgemm(false, true, i1-i0, i1, dh, 1, do[qo+i0*A:], A, v[ko:], A, 0, dS[i0*Tk:], Tk)
		}
	} else {
		Sgemm(false, true, Tq, Tk, dh, 1, do[qo:], A, v[ko:], A, 0, dS, Tk)
	}
	for i := 0; i < Tq; i++ {
		row := Pbh[i*Tk : (i+1)*Tk]
		ds := dS[i*Tk : (i+1)*Tk]
		jn := dm.rowLen(i)
		var dot float32
		for j, p := range row[:jn] {
			dot += p * ds[j]
		}
		for j, p := range row[:jn] {
			ds[j] = p * (ds[j] - dot) * scale
		}
		clear(ds[jn:])
	}
	if cb > 0 {
		// Query rows i0…i1−1 see keys up to i1−1; key rows j0…j1−1 are
		// seen by queries from j0 on.
		for i0 := 0; i0 < Tq; i0 += cb {
			i1 := min(i0+cb, Tq)
			Sgemm(false, false, i1-i0, dh, i1, 1, dS[i0*Tk:], Tk, k[ko:], A, 1, dq[qo+i0*A:], A)
		}
		for j0 := 0; j0 < Tk; j0 += cb {
			j1 := min(j0+cb, Tk)
			Sgemm(true, false, j1-j0, dh, Tq-j0, 1, dS[j0*Tk+j0:], Tk, q[qo+j0*A:], A, 1, dk[ko+j0*A:], A)
			Sgemm(true, false, j1-j0, dh, Tq-j0, 1, Pbh[j0*Tk+j0:], Tk, do[qo+j0*A:], A, 1, dv[ko+j0*A:], A)
		}
		return
	}
	Sgemm(false, false, Tq, dh, Tk, 1, dS, Tk, k[ko:], A, 1, dq[qo:], A)  // dQ += dS·K
	Sgemm(true, false, Tk, dh, Tq, 1, dS, Tk, q[qo:], A, 1, dk[ko:], A)   // dK += dSᵀ·Q
	Sgemm(true, false, Tk, dh, Tq, 1, Pbh, Tk, do[qo:], A, 1, dv[ko:], A) // dV += Pᵀ·dO
}
