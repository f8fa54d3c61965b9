package nn

import "math"

// l2Eps is the floor of the norm in L2 normalisation (MODEL.md).
const l2Eps = 1e-12

// CrossEntropyForward computes softmax probabilities probs [n×V] of logits
// [n×V] (max-subtracted, so finite for any finite logits) and returns
// Σ w_i·CE_i / Σ w_i with CE_i = −log p_i[targets_i]; w nil means all 1, a
// weight of 0 masks a row (its target is then not read, so it may be −1).
// Returns 0 if Σ w = 0. Sums are taken in float64 in row order.
func CrossEntropyForward(probs, logits []float32, targets []int, w []float32, n, V int) float32 {
	lyNeed("CrossEntropyForward logits", logits, n*V)
	lyNeed("CrossEntropyForward probs", probs, n*V)
	if len(targets) < n || (w != nil && len(w) < n) {
		lyPanicf("CrossEntropyForward: %d targets / %d weights for %d rows", len(targets), len(w), n)
	}
	// Targets are checked here, on the caller's goroutine; the rows'
	// softmaxes run in parallel chunks, each row's terms into ce; the loss
	// is then summed in row order (the bits of one sequential pass).
	for i := 0; i < n; i++ {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		if t := targets[i]; wi != 0 && (t < 0 || t >= V) {
			lyPanicf("CrossEntropyForward: target %d outside [0,%d) at row %d", t, V, i)
		}
	}
	ce := make([]float64, n)
	lyParFor(n, max(1, 8192/max(V, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			z := logits[i*V : (i+1)*V]
			p := probs[i*V : (i+1)*V]
			mx := z[0]
			for _, v := range z[1:] {
				if v > mx {
					mx = v
				}
			}
			var sum float64
			for j, v := range z {
				e := lyExp(v - mx)
				p[j] = e
				sum += float64(e)
			}
			inv := float32(1 / sum)
			for j := range p {
				p[j] *= inv
			}
			if w != nil && w[i] == 0 {
				continue
			}
			ce[i] = math.Log(sum) - float64(z[targets[i]]-mx)
		}
	})
	var loss, wsum float64
	for i := 0; i < n; i++ {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		loss += float64(wi) * ce[i]
		wsum += float64(wi)
	}
	if wsum == 0 {
		return 0
	}
	return float32(loss / wsum)
}

// CrossEntropyBackward accumulates dlogits += scale·w_i·(p_i − onehot(t_i))/Σw
// given the forward's probs.
func CrossEntropyBackward(dlogits, probs []float32, targets []int, w []float32, n, V int, scale float32) {
	lyNeed("CrossEntropyBackward probs", probs, n*V)
	lyNeed("CrossEntropyBackward dlogits", dlogits, n*V)
	if len(targets) < n || (w != nil && len(w) < n) {
		lyPanicf("CrossEntropyBackward: %d targets / %d weights for %d rows", len(targets), len(w), n)
	}
	wsum := lyWeightSum(w, n)
	if wsum == 0 {
		return
	}
	for i := 0; i < n; i++ {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		t := targets[i]
		if t < 0 || t >= V {
			lyPanicf("CrossEntropyBackward: target %d outside [0,%d) at row %d", t, V, i)
		}
		c := float32(float64(scale) * float64(wi) / wsum)
		p := probs[i*V : (i+1)*V]
		dz := dlogits[i*V : (i+1)*V]
		for j, v := range p {
			dz[j] += c * v
		}
		dz[t] -= c
	}
}

func lyWeightSum(w []float32, n int) float64 {
	if w == nil {
		return float64(n)
	}
	var s float64
	for _, v := range w[:n] {
		s += float64(v)
	}
	return s
}

// TiedHeadForward computes logits z [n×V] = h [n×d] · Eᵀ (E [V×d]).
func TiedHeadForward(z, h, E []float32, n, d, V int) {
	lyNeed("TiedHeadForward h", h, n*d)
	lyNeed("TiedHeadForward E", E, V*d)
	lyNeed("TiedHeadForward z", z, n*V)
	Sgemm(false, true, n, V, d, 1, h, d, E, d, 0, z, V)
}

// TiedHeadBackward accumulates dh += dz·E (if dh != nil) and dE += dzᵀ·h
// (if dE != nil).
func TiedHeadBackward(dh, dE, dz, h, E []float32, n, d, V int) {
	lyNeed("TiedHeadBackward dz", dz, n*V)
	if dh != nil {
		lyNeed("TiedHeadBackward dh", dh, n*d)
		lyNeed("TiedHeadBackward E", E, V*d)
		Sgemm(false, false, n, d, V, 1, dz, V, E, d, 1, dh, d)
	}
	if dE != nil {
		lyNeed("TiedHeadBackward dE", dE, V*d)
		lyNeed("TiedHeadBackward h", h, n*d)
		Sgemm(true, false, V, d, n, 1, dz, V, h, d, 1, dE, d)
	}
}

// L2NormForward writes y_i = x_i / max(‖x_i‖, 1e-12) and norms[i] =
// max(‖x_i‖, 1e-12) for the n rows of x [n×d]. y may alias x.
func L2NormForward(y, x, norms []float32, n, d int) {
	lyNeed("L2NormForward x", x, n*d)
	lyNeed("L2NormForward y", y, n*d)
	lyNeed("L2NormForward norms", norms, n)
	for i := 0; i < n; i++ {
		xi := x[i*d : (i+1)*d]
		yi := y[i*d : (i+1)*d]
		nr := float32(math.Sqrt(float64(lyDot(xi, xi))))
		if nr < l2Eps {
			nr = l2Eps
		}
		norms[i] = nr
		inv := 1 / nr
		for j, v := range xi {
			yi[j] = v * inv
		}
	}
}

// L2NormBackward accumulates dx += (dy − y·⟨dy, y⟩)/norm per row (dx +=
// dy/1e-12 where the norm was clamped). dx must not alias dy.
func L2NormBackward(dx, dy, y, norms []float32, n, d int) {
	lyNeed("L2NormBackward dy", dy, n*d)
	lyNeed("L2NormBackward y", y, n*d)
	lyNeed("L2NormBackward dx", dx, n*d)
	lyNeed("L2NormBackward norms", norms, n)
	for i := 0; i < n; i++ {
		dyi := dy[i*d : (i+1)*d]
		yi := y[i*d : (i+1)*d]
		dxi := dx[i*d : (i+1)*d]
		inv := 1 / norms[i]
		if norms[i] <= l2Eps {
			lyAxpy(inv, dyi, dxi)
			continue
		}
		s := lyDot(dyi, yi)
		for j, v := range dyi {
			dxi[j] += (v - yi[j]*s) * inv
		}
	}
}

// cosRow returns cos(r, t), ‖r‖ and ‖t‖ (both floored at 1e-12).
func cosRow(r, t []float32) (c, nr, nt float32) {
	nr = float32(math.Sqrt(float64(lyDot(r, r))))
	nt = float32(math.Sqrt(float64(lyDot(t, t))))
	nr = max(nr, l2Eps)
	nt = max(nt, l2Eps)
	return lyDot(r, t) / (nr * nt), nr, nt
}

// CosineLossForward returns Σ w_i·k·(1 − cos(r_i, t_i)) / Σ w_i over the n
// rows of r, t [n×d] (w nil = all 1; 0 if Σw = 0). r are the latents (L2
// outputs), t the fixed targets.
func CosineLossForward(r, t []float32, w []float32, n, d int, k float32) float32 {
	lyNeed("CosineLossForward r", r, n*d)
	lyNeed("CosineLossForward t", t, n*d)
	if w != nil && len(w) < n {
		lyPanicf("CosineLossForward: %d weights for %d rows", len(w), n)
	}
	var loss, wsum float64
	for i := 0; i < n; i++ {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		c, _, _ := cosRow(r[i*d:(i+1)*d], t[i*d:(i+1)*d])
		loss += float64(wi) * float64(k) * (1 - float64(c))
		wsum += float64(wi)
	}
	if wsum == 0 {
		return 0
	}
	return float32(loss / wsum)
}

// CosineLossBackward accumulates dr += scale·∂/∂r of the cosine loss:
// −scale·k·w_i/Σw · (t_i/(‖r_i‖‖t_i‖) − cos_i·r_i/‖r_i‖²). No gradient
// reaches t.
func CosineLossBackward(dr, r, t []float32, w []float32, n, d int, k, scale float32) {
	lyNeed("CosineLossBackward r", r, n*d)
	lyNeed("CosineLossBackward t", t, n*d)
	lyNeed("CosineLossBackward dr", dr, n*d)
	if w != nil && len(w) < n {
		lyPanicf("CosineLossBackward: %d weights for %d rows", len(w), n)
	}
	wsum := lyWeightSum(w, n)
	if wsum == 0 {
		return
	}
	for i := 0; i < n; i++ {
		wi := float32(1)
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		ri, ti, dri := r[i*d:(i+1)*d], t[i*d:(i+1)*d], dr[i*d:(i+1)*d]
		c, nr, nt := cosRow(ri, ti)
		g := float32(-float64(scale) * float64(k) * float64(wi) / wsum)
		a := g / (nr * nt)
		b := -g * c / (nr * nr)
		for j := range dri {
			dri[j] += a*ti[j] + b*ri[j]
		}
	}
}
