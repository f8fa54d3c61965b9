package probes

import (
	"math"
	"sort"
)

// Atom is one token of a Mixture.
type Atom struct {
	Token int `json:"token"`
	// Weight is Coef / Σ Coef over the mixture's atoms (the weights sum to 1).
	Weight float64 `json:"weight"`
	// Coef is the raw non-negative least-squares coefficient on the token's
	// row normalised to unit length, in the units of r.
	Coef float64 `json:"coef"`
}

// Mixture is a sparse non-negative decomposition of a latent over token
// directions: r ≈ Σ Coef·ê_Token.
type Mixture struct {
	Atoms     []Atom  `json:"atoms"`     // by weight, descending (ties by lower token)
	Residual  float64 `json:"residual"`  // ‖r − Σ Coef·ê‖
	Explained float64 `json:"explained"` // 1 − Residual²/‖r‖², in [0, 1]
}

const (
	// mixGradTol: an atom is added only if its gradient ê_jᵀ(r − Σ coef·ê)
	// exceeds mixGradTol·‖r‖.
	mixGradTol = 1e-10
	// mixDepTol: an atom whose unit direction lies within mixDepTol of the
	// span of the active atoms is not added (it is numerically dependent).
	mixDepTol = 1e-6
)

// mixExactBudget bounds the exact k-sparse search: it runs when the number
// of supports Σ_{s≤k} C(n, s) over the n candidates is at most this.
const mixExactBudget = 1 << 16

// Decompose writes the latent r (width d) as a sparse non-negative
// combination of token directions: it finds w ≥ 0 with at most k nonzero
// entries minimising ‖r − Σ_j w_j·ê_j‖², where ê_j is row j of table [V×d]
// normalised to unit length, so that the weights compare directions rather
// than row norms. Only tokens with allow(tok) true are candidates (allow nil
// = all rows); zero rows and rows with a non-finite entry are never
// candidates.
//
// The solver is Lawson–Hanson active-set non-negative least squares in
// float64, stopped when k atoms are active or when no inactive atom has a
// gradient above 1e-10·‖r‖. When it stops with fewer than k atoms the
// result is the NNLS optimum over all allowed tokens, hence also the best
// k-sparse one. When it stops at k atoms (or at the step cap) it is a greedy
// answer that is not always the best k-sparse one (on random 4-d problems
// with k = 2 or 3 it misses in about one case in six), so then, if the
// candidates are few enough that Σ_{s≤k} C(n, s) ≤ 65536 (e.g. n = 33 with
// k ≤ 4, a few ms at d = 384), every support of size ≤ k is tried (least squares via an
// incremental Cholesky factor of the Gram matrix, kept only if all
// coefficients are positive) and the best one, if better, is refitted by
// Lawson–Hanson; the result is then the exact k-sparse optimum, up to
// rounding. Beyond that budget the greedy answer stands.
//
// An atom numerically dependent on the active ones (within 1e-6 of their
// span, in unit directions) is not added, so the active directions stay well
// conditioned. Outer steps and inner (back-tracking) steps are each capped
// at 3k+10, so the call always ends; it is deterministic (ties go to the
// lower token id).
//
// Degenerate inputs give an empty mixture, never NaN: k ≤ 0 or no candidate
// gives no atoms with Residual ‖r‖ and Explained 0; r = 0, or r with a
// non-finite entry, gives the zero Mixture.
func Decompose(table []float32, d int, r []float32, k int, allow func(int) bool) Mixture {
	return decompose(table, d, r, k, allow, mixExactBudget)
}

// decompose is Decompose with the exact-search budget as a parameter
// (0 = greedy Lawson–Hanson only).
func decompose(table []float32, d int, r []float32, k int, allow func(int) bool, budget int) Mixture {
	if d <= 0 {
		return Mixture{}
	}
	r = r[:d]
	rn := norm(r)
	if rn == 0 || math.IsNaN(rn) || math.IsInf(rn, 0) {
		return Mixture{}
	}
	u := make([]float64, d) // r / ‖r‖: the work is done at unit scale
	for i, v := range r {
		u[i] = float64(v) / rn
	}
	V := len(table) / d
	inv := make([]float64, V) // 1/‖row‖ for candidates, 0 otherwise
	var cands []int
	for tok := 0; tok < V; tok++ {
		if allow != nil && !allow(tok) {
			continue
		}
		en := norm(table[tok*d : (tok+1)*d])
		if en == 0 || math.IsNaN(en) || math.IsInf(en, 0) {
			continue
		}
		inv[tok] = 1 / en
		cands = append(cands, tok)
	}
	unit := func(tok int) []float64 {
		c := make([]float64, d)
		for i, v := range table[tok*d : (tok+1)*d] {
			c[i] = float64(v) * inv[tok]
		}
		return c
	}

	act, cols, x, kkt := lawsonHanson(table, d, u, cands, inv, unit, k)
	// The search's residuals (1 − ‖y‖²) are good to ~1e-16, so it cannot
	// improve on a greedy residual² below 1e-14: skip it then.
	if g := residual2(u, cols, x); !kkt && g > 1e-14 && k > 0 && k < len(cands) && supports(len(cands), k, budget) {
		if best, rr := exactSupport(cands, unit, u, k); best != nil && rr < g-1e-14 {
			act, cols, x, _ = lawsonHanson(table, d, u, best, inv, unit, len(best))
		}
	}

	var m Mixture
	var sum float64
	for _, v := range x {
		sum += v
	}
	rr := residual2(u, cols, x)
	m.Residual = math.Sqrt(rr) * rn
	m.Explained = min(max(1-rr, 0), 1)
	for j, tok := range act {
		m.Atoms = append(m.Atoms, Atom{Token: tok, Weight: x[j] / sum, Coef: x[j] * rn})
	}
	sort.Slice(m.Atoms, func(i, j int) bool {
		a, b := m.Atoms[i], m.Atoms[j]
		if a.Weight != b.Weight {
			return a.Weight > b.Weight
		}
		return a.Token < b.Token
	})
	return m
}

// residual2 is ‖u − Σ x_j·cols[j]‖².
func residual2(u []float64, cols [][]float64, x []float64) float64 {
	var rr float64
	for i := range u {
		v := u[i]
		for j, c := range cols {
			v -= x[j] * c[i]
		}
		rr += v * v
	}
	return rr
}

// lawsonHanson runs active-set NNLS of the unit vector u over the unit
// directions of the tokens cands (inv holds 1/‖row‖), stopping at k active
// atoms. It returns the active tokens, their unit directions, their
// coefficients (all > 0), and whether it ended because no inactive atom has
// a gradient above mixGradTol (the NNLS optimality conditions), rather than
// at k atoms or at the step cap.
func lawsonHanson(table []float32, d int, u []float64, cands []int, inv []float64,
	unit func(int) []float64, k int) (act []int, cols [][]float64, x []float64, kkt bool) {
	res := append([]float64(nil), u...)
	V := len(inv)
	in := make([]bool, V)
	rej := make([]bool, V) // rejected against the current active set
	limit := 3*max(k, 0) + 10
	for outer := 0; outer < limit && len(act) < k; outer++ {
		best, bg := -1, mixGradTol
		for _, tok := range cands {
			if in[tok] || rej[tok] {
				continue
			}
			row := table[tok*d : (tok+1)*d]
			var g float64
			for i, v := range row {
				g += float64(v) * res[i]
			}
			if g *= inv[tok]; g > bg {
				best, bg = tok, g
			}
		}
		if best < 0 {
			kkt = true
			break
		}
		tryCols := append(cols[:len(cols):len(cols)], unit(best))
		z, rlast := lsqQR(tryCols, u)
		if rlast < mixDepTol || !(z[len(z)-1] > 0) {
			rej[best] = true
			continue
		}
		act, cols, x = append(act, best), tryCols, append(x, 0)
		in[best] = true
		clear(rej)
		for inner := 0; inner < limit; inner++ {
			feasible := true
			for _, zi := range z {
				if !(zi > 0) {
					feasible = false
					break
				}
			}
			if feasible {
				copy(x, z)
				break
			}
			// Move from x towards z until the first coefficient hits 0.
			alpha, imin := 1.0, -1
			for i, zi := range z {
				if !(zi > 0) {
					a := 0.0
					if den := x[i] - zi; den > 0 {
						a = x[i] / den
					}
					if a < alpha || imin < 0 {
						alpha, imin = a, i
					}
				}
			}
			for i := range x {
				x[i] += alpha * (z[i] - x[i])
			}
			x[imin] = 0
			n := 0
			for i := range act {
				if x[i] > 0 {
					act[n], cols[n], x[n] = act[i], cols[i], x[i]
					n++
				} else {
					in[act[i]] = false
				}
			}
			act, cols, x = act[:n], cols[:n], x[:n]
			if n == 0 {
				break
			}
			z, _ = lsqQR(cols, u)
		}
		copy(res, u)
		for j, c := range cols {
			for i, v := range c {
				res[i] -= x[j] * v
			}
		}
	}
	return act, cols, x, kkt
}

// supports reports whether Σ_{s=1..k} C(n, s) ≤ budget.
func supports(n, k, budget int) bool {
	total, c := 0, 1
	for s := 1; s <= k && s <= n; s++ {
		c = c * (n - s + 1) / s // C(n, s), exact
		if total += c; total > budget || c > budget {
			return false
		}
	}
	return true
}

// exactSupport tries every support of at most k of the candidates by depth-
// first search with an incremental Cholesky factor L of the Gram matrix of
// their unit directions: for support S, L y = ê_Sᵀu gives the least-squares
// residual² 1 − ‖y‖² and Lᵀc = y the coefficients, kept only if all are
// positive. Supports whose newest direction lies within mixDepTol of the span
// of the others are skipped with all their extensions (any non-negative
// combination of dependent directions is one of an independent subset). It
// returns the best support (tokens, ascending) and its residual², or nil.
func exactSupport(cands []int, unit func(int) []float64, u []float64, k int) ([]int, float64) {
	n := len(cands)
	e := make([][]float64, n)
	b := make([]float64, n)
	for i, tok := range cands {
		e[i] = unit(tok)
		b[i] = f64dot(e[i], u)
	}
	g := make([][]float64, n)
	for i := range g {
		g[i] = make([]float64, n)
		for j := 0; j <= i; j++ {
			g[i][j] = f64dot(e[i], e[j])
			g[j][i] = g[i][j]
		}
	}
	var (
		idx   = make([]int, 0, k)
		L     = make([][]float64, k) // row s: L[s][0..s]
		y     = make([]float64, k)
		c     = make([]float64, k)
		best  []int
		bestR = math.Inf(1)
		ys    = make([]float64, k+1) // ys[s] = Σ_{q<s} y[q]²
	)
	for s := range L {
		L[s] = make([]float64, k)
	}
	var dfs func(from int)
	dfs = func(from int) {
		s := len(idx)
		if s == k {
			return
		}
		for j := from; j < n; j++ {
			// New row of L: L[s][t] for t < s, then the diagonal.
			var ll float64
			for t := 0; t < s; t++ {
				v := g[j][idx[t]]
				for q := 0; q < t; q++ {
					v -= L[s][q] * L[t][q]
				}
				v /= L[t][t]
				L[s][t] = v
				ll += v * v
			}
			d2 := g[j][j] - ll
			if !(d2 > mixDepTol*mixDepTol) {
				continue
			}
			L[s][s] = math.Sqrt(d2)
			v := b[j]
			for q := 0; q < s; q++ {
				v -= L[s][q] * y[q]
			}
			y[s] = v / L[s][s]
			ys[s+1] = ys[s] + y[s]*y[s]
			idx = append(idx, j)
			// Back-substitute Lᵀc = y on the support of size s+1.
			ok := true
			for t := s; t >= 0; t-- {
				v := y[t]
				for q := t + 1; q <= s; q++ {
					v -= L[q][t] * c[q]
				}
				c[t] = v / L[t][t]
				if !(c[t] > 0) {
					ok = false
					break
				}
			}
			if rr := 1 - ys[s+1]; ok && rr < bestR {
				bestR = rr
				best = append(best[:0], idx...)
			}
			dfs(j + 1)
			idx = idx[:s]
		}
	}
	dfs(0)
	if best == nil {
		return nil, 0
	}
	toks := make([]int, len(best))
	for i, j := range best {
		toks[i] = cands[j]
	}
	return toks, max(bestR, 0)
}

// lsqQR solves min_z ‖b − Σ_j z_j·cols[j]‖ by Householder QR in float64 and
// returns z and |R_mm| of the last column (its distance from the span of the
// others, for unit columns; 0 when the columns are dependent or more than d).
// Columns that are numerically dependent get coefficient 0.
func lsqQR(cols [][]float64, b []float64) (z []float64, rlast float64) {
	m, d := len(cols), len(b)
	z = make([]float64, m)
	if m == 0 {
		return z, 0
	}
	a := make([][]float64, m)
	for j, c := range cols {
		a[j] = append([]float64(nil), c...)
	}
	y := append([]float64(nil), b...)
	diag := make([]float64, m)
	v := make([]float64, d)
	for c := 0; c < m && c < d; c++ {
		var s float64
		for i := c; i < d; i++ {
			s += a[c][i] * a[c][i]
		}
		alpha := math.Sqrt(s)
		if alpha == 0 {
			continue
		}
		if a[c][c] > 0 {
			alpha = -alpha
		}
		vn2 := 0.0
		for i := c; i < d; i++ {
			v[i] = a[c][i]
		}
		v[c] -= alpha
		for i := c; i < d; i++ {
			vn2 += v[i] * v[i]
		}
		diag[c] = alpha
		if vn2 == 0 {
			continue
		}
		reflect := func(w []float64) {
			var p float64
			for i := c; i < d; i++ {
				p += v[i] * w[i]
			}
			p *= 2 / vn2
			for i := c; i < d; i++ {
				w[i] -= p * v[i]
			}
		}
		for j := c + 1; j < m; j++ {
			reflect(a[j])
		}
		reflect(y)
	}
	// Back substitution on R (R[i][j] = a[j][i] for i < j, R[i][i] = diag[i]).
	const tiny = 1e-13
	for i := min(m, d) - 1; i >= 0; i-- {
		if math.Abs(diag[i]) <= tiny {
			continue
		}
		s := y[i]
		for j := i + 1; j < m; j++ {
			s -= a[j][i] * z[j]
		}
		z[i] = s / diag[i]
	}
	if m <= d {
		rlast = math.Abs(diag[m-1])
	}
	return z, rlast
}
