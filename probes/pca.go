package probes

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA returns the top k principal components of rows (n rows of one width
// d), centred on their mean, in float64:
//
//   - components[i] is the i-th unit direction (length d), by variance
//     descending, with its largest-magnitude entry positive (the first such
//     entry on ties) so that the sign is deterministic;
//   - explained[i] is the fraction of the total variance (Σ‖row − mean‖²)
//     along components[i] (0 when the total variance is 0);
//   - projections[j][i] is (rows[j] − mean)·components[i].
//
// k is clipped to min(k, d, n); k ≤ 0 or no rows gives nils. Rows of unequal
// width panic. It eigendecomposes the d×d scatter matrix XᵀX, or the n×n
// Gram matrix XXᵀ when n < d (components Xᵀv/‖Xᵀv‖; a direction of zero
// variance is completed orthonormally from the standard basis; so are all
// components when the rows hold a non-finite value, with explained 0).
func PCA(rows [][]float32, k int) (components [][]float64, explained []float64, projections [][]float64) {
	n := len(rows)
	if n == 0 || k <= 0 {
		return nil, nil, nil
	}
	d := len(rows[0])
	for _, r := range rows {
		if len(r) != d {
			panic("probes: PCA rows of unequal width")
		}
	}
	k = min(k, d, n)
	if k == 0 {
		return nil, nil, nil
	}
	mean := make([]float64, d)
	for _, r := range rows {
		for i, v := range r {
			mean[i] += float64(v)
		}
	}
	for i := range mean {
		mean[i] /= float64(n)
	}
	xd := make([]float64, n*d)
	var total float64
	for j, r := range rows {
		for i, v := range r {
			c := float64(v) - mean[i]
			xd[j*d+i] = c
			total += c * c
		}
	}
	x := mat.NewDense(n, d, xd)

	var s mat.SymDense
	if d <= n {
		s.SymOuterK(1, x.T())
	} else {
		s.SymOuterK(1, x)
	}
	var es mat.EigenSym
	ok := !math.IsNaN(total) && !math.IsInf(total, 0) && es.Factorize(&s, true)
	components = make([][]float64, k)
	explained = make([]float64, k)
	if ok {
		vals := es.Values(nil)
		var q mat.Dense
		es.VectorsTo(&q)
		m := len(vals)
		for i := 0; i < k; i++ {
			col := m - 1 - i // Values are ascending
			lam := max(vals[col], 0)
			c := make([]float64, d)
			if d <= n {
				for a := range c {
					c[a] = q.At(a, col)
				}
			} else if lam > 1e-12*max(vals[m-1], 0) {
				// c = Xᵀv / ‖Xᵀv‖
				for j := 0; j < n; j++ {
					vj := q.At(j, col)
					for a := range c {
						c[a] += xd[j*d+a] * vj
					}
				}
				if !f64unit(c) {
					c = nil
				}
			} else {
				c = nil
			}
			components[i] = c
			if total > 0 {
				explained[i] = min(lam/total, 1)
			}
		}
	}
	// Complete missing (zero-variance or failed) directions from the
	// standard basis, orthogonal to those found.
	for i := range components {
		if components[i] != nil {
			continue
		}
		for e := 0; e < d && components[i] == nil; e++ {
			c := make([]float64, d)
			c[e] = 1
			for j := range components {
				if j != i && components[j] != nil {
					p := f64dot(c, components[j])
					for a := range c {
						c[a] -= p * components[j][a]
					}
				}
			}
			if f64norm(c) > 0.5 && f64unit(c) {
				components[i] = c
			}
		}
	}
	for _, c := range components {
		big := 0
		for a := range c {
			if math.Abs(c[a]) > math.Abs(c[big]) {
				big = a
			}
		}
		if c[big] < 0 {
			for a := range c {
				c[a] = -c[a]
			}
		}
	}
	projections = make([][]float64, n)
	for j := range projections {
		p := make([]float64, k)
		row := xd[j*d : (j+1)*d]
		for i, c := range components {
			p[i] = f64dot(row, c)
		}
		projections[j] = p
	}
	return components, explained, projections
}

func f64dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func f64norm(a []float64) float64 { return math.Sqrt(f64dot(a, a)) }

// f64unit scales a to unit length in place; false if a is zero or not
// finite.
func f64unit(a []float64) bool {
	n := f64norm(a)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return false
	}
	for i := range a {
		a[i] /= n
	}
	return true
}
