package nn

import (
	"fmt"
	"math"
	"runtime"
)

// This file holds the elementwise and per-row layers (embedding, linear,
// RMSNorm, GELU, QK-Norm, RoPE) as Forward/Backward pairs, and the small
// helpers they share. Conventions (see doc.go): row-major flat buffers,
// matrices in×out, Backward accumulates (+=) into every gradient buffer.

// rmsEps and qkEps are the epsilons inside the square roots of RMSNorm and
// QK-Norm (MODEL.md).
const (
	rmsEps = 1e-6
	qkEps  = 1e-6
)

func lyPanicf(format string, args ...any) { panic(fmt.Sprintf("nn: "+format, args...)) }

// lyNeed panics unless len(s) >= n.
func lyNeed(what string, s []float32, n int) {
	if len(s) < n {
		lyPanicf("%s: have %d elements, need %d", what, len(s), n)
	}
}

// lyParFor runs fn over [0,n) split into contiguous chunks of at least
// grain items, shared out on the worker pool (runPar: the calling goroutine
// and pool workers claim chunks until none are left). Every index is
// handled by exactly one call, so results do not depend on the split as
// long as fn writes only outputs owned by its indices. (The pool's workers
// poll between jobs; a goroutine started per call instead found them
// parked — they stop polling when goroutines appear — and the next GEMM
// paid a thread wake-up.)
func lyParFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	w := runtime.GOMAXPROCS(0)
	units := min(n/grain, 16*w) // many chunks a thread: a late one takes fewer
	if w <= 1 || units <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + units - 1) / units
	units = (n + chunk - 1) / chunk
	runPar(units, func(u int) { fn(u*chunk, min((u+1)*chunk, n)) }, 0, nil)
}

// lyClear zeroes the buffers, and lyCopy copies src into dst (up to the
// shorter length), in parallel chunks: a training step clears and copies
// ~15 MB a block (attention's gradients, the residual stream), which on
// the calling goroutine alone, the pool's workers idle, was ~5% of the
// step's wall time.
func lyClear(bufs ...[]float32) {
	for _, b := range bufs {
		lyParFor(len(b), 1<<15, func(lo, hi int) { clear(b[lo:hi]) })
	}
}

func lyCopy(dst, src []float32) {
	n := min(len(dst), len(src))
	lyParFor(n, 1<<15, func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
}

// lyDot returns Σ a[i]·b[i] over len(a) (b must be at least as long),
// with the SIMD Dot.
func lyDot(a, b []float32) float32 { return Dot(a, b[:len(a)]) }

// lyAxpy does y[i] += alpha·x[i] over len(x) (y at least as long), with
// the SIMD Axpy.
func lyAxpy(alpha float32, x, y []float32) { Axpy(alpha, x, y[:len(x)]) }

// lyExp is a float32 exp (Cephes expf: range reduction by ln 2 and a degree-6
// polynomial), relative error ≲ 2 ulp; 0 below −87.3, +Inf above 88.7.
func lyExp(x float32) float32 {
	if x > 88.72283 {
		return float32(math.Inf(1))
	}
	if x < -87.33654 {
		return 0
	}
	z := float32(math.Floor(float64(x*1.44269504088896341 + 0.5)))
	x -= z * 0.693359375
	x -= z * -2.12194440e-4
	x2 := x * x
	y := ((((1.9875691500e-4*x+1.3981999507e-3)*x+8.3334519073e-3)*x+4.1665795894e-2)*x+1.6666665459e-1)*x + 5.0000001201e-1
	y = y*x2 + x + 1
	n := int32(z)
	// y·2^n with −126 ≤ n ≤ 128 here; n = 128 takes two steps.
	if n > 127 {
		return y * 2 * math.Float32frombits(uint32(n-1+127)<<23)
	}
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// Coefficients of lyTanh: a [13/6] rational minimax approximation of tanh
// on [−7.9, 7.9] (as in Eigen's fast tanh); outside, tanh rounds to ±1 in
// float32. Absolute error ≲ 3e-7 (TestFastExpTanh).
const (
	tanhClamp = 7.90531110763549805
	tanhA13   = -2.76076847742355e-16
	tanhA11   = 2.00018790482477e-13
	tanhA9    = -8.60467152213735e-11
	tanhA7    = 5.12229709037114e-08
	tanhA5    = 1.48572235717979e-05
	tanhA3    = 6.37261928875436e-04
	tanhA1    = 4.89352455891786e-03
	tanhB6    = 1.19825839466702e-06
	tanhB4    = 1.18534705686654e-04
	tanhB2    = 2.26843463243900e-03
	tanhB0    = 4.89352518554385e-03
)

// lyTanh is a float32 tanh (see tanhClamp). tanh4 computes the same values
// four at a time, with the same operations in the same order.
func lyTanh(x float32) float32 {
	if x > tanhClamp {
		x = tanhClamp
	} else if x < -tanhClamp {
		x = -tanhClamp
	}
	s := x * x
	p := tanhA13*s + tanhA11
	p = p*s + tanhA9
	p = p*s + tanhA7
	p = p*s + tanhA5
	p = p*s + tanhA3
	p = p*s + tanhA1
	q := tanhB6*s + tanhB4
	q = q*s + tanhB2
	q = q*s + tanhB0
	return x * p / q
}

// tanh4 is lyTanh on four independent values (four dependency chains, so
// the CPU overlaps them).
func tanh4(x0, x1, x2, x3 float32) (float32, float32, float32, float32) {
	const c = tanhClamp
	if x0 > c {
		x0 = c
	} else if x0 < -c {
		x0 = -c
	}
	if x1 > c {
		x1 = c
	} else if x1 < -c {
		x1 = -c
	}
	if x2 > c {
		x2 = c
	} else if x2 < -c {
		x2 = -c
	}
	if x3 > c {
		x3 = c
	} else if x3 < -c {
		x3 = -c
	}
	s0, s1, s2, s3 := x0*x0, x1*x1, x2*x2, x3*x3
	p0, p1, p2, p3 := tanhA13*s0+tanhA11, tanhA13*s1+tanhA11, tanhA13*s2+tanhA11, tanhA13*s3+tanhA11
	p0, p1, p2, p3 = p0*s0+tanhA9, p1*s1+tanhA9, p2*s2+tanhA9, p3*s3+tanhA9
	p0, p1, p2, p3 = p0*s0+tanhA7, p1*s1+tanhA7, p2*s2+tanhA7, p3*s3+tanhA7
	p0, p1, p2, p3 = p0*s0+tanhA5, p1*s1+tanhA5, p2*s2+tanhA5, p3*s3+tanhA5
	p0, p1, p2, p3 = p0*s0+tanhA3, p1*s1+tanhA3, p2*s2+tanhA3, p3*s3+tanhA3
	p0, p1, p2, p3 = p0*s0+tanhA1, p1*s1+tanhA1, p2*s2+tanhA1, p3*s3+tanhA1
	q0, q1, q2, q3 := tanhB6*s0+tanhB4, tanhB6*s1+tanhB4, tanhB6*s2+tanhB4, tanhB6*s3+tanhB4
	q0, q1, q2, q3 = q0*s0+tanhB2, q1*s1+tanhB2, q2*s2+tanhB2, q3*s3+tanhB2
	q0, q1, q2, q3 = q0*s0+tanhB0, q1*s1+tanhB0, q2*s2+tanhB0, q3*s3+tanhB0
	return x0 * p0 / q0, x1 * p1 / q1, x2 * p2 / q2, x3 * p3 / q3
}

// ---- Embedding ----

// EmbeddingForward gathers rows: out[i] = E[tokens[i]] for i < len(tokens).
// E [V×d], out [n×d]. It panics on a token outside [0, V).
func EmbeddingForward(out, E []float32, tokens []int, d int) {
	n := len(tokens)
	lyNeed("EmbeddingForward out", out, n*d)
	V := len(E) / d
	for i, t := range tokens {
		if t < 0 || t >= V {
			lyPanicf("EmbeddingForward: token %d outside [0,%d)", t, V)
		}
		copy(out[i*d:(i+1)*d], E[t*d:(t+1)*d])
	}
}

// EmbeddingBackward scatter-adds: dE[tokens[i]] += dout[i], in index order.
func EmbeddingBackward(dE, dout []float32, tokens []int, d int) {
	n := len(tokens)
	lyNeed("EmbeddingBackward dout", dout, n*d)
	V := len(dE) / d
	for i, t := range tokens {
		if t < 0 || t >= V {
			lyPanicf("EmbeddingBackward: token %d outside [0,%d)", t, V)
		}
		lyAxpy(1, dout[i*d:(i+1)*d], dE[t*d:(t+1)*d])
	}
}

// ---- Linear (also the plain LM head z = h·W) ----

// LinearForward computes y = x·W. x [n×in], W [in×out], y [n×out] (overwritten).
func LinearForward(y, x, W []float32, n, in, out int) {
	lyNeed("LinearForward x", x, n*in)
	lyNeed("LinearForward W", W, in*out)
	lyNeed("LinearForward y", y, n*out)
	Sgemm(false, false, n, out, in, 1, x, in, W, out, 0, y, out)
}

// LinearBackward accumulates dW += xᵀ·dy and, if dx != nil, dx += dy·Wᵀ.
func LinearBackward(dx, dW, dy, x, W []float32, n, in, out int) {
	lyNeed("LinearBackward x", x, n*in)
	lyNeed("LinearBackward dy", dy, n*out)
	lyNeed("LinearBackward dW", dW, in*out)
	Sgemm(true, false, in, out, n, 1, x, in, dy, out, 1, dW, out)
	if dx != nil {
		lyNeed("LinearBackward dx", dx, n*in)
		Sgemm(false, true, n, in, out, 1, dy, out, W, out, 1, dx, in)
	}
}

// HeadForward is the untied LM head z = h·W: h [n×d], W [d×V], z [n×V].
func HeadForward(z, h, W []float32, n, d, V int) { LinearForward(z, h, W, n, d, V) }

// HeadBackward accumulates dW += hᵀ·dz and, if dh != nil, dh += dz·Wᵀ.
func HeadBackward(dh, dW, dz, h, W []float32, n, d, V int) {
	LinearBackward(dh, dW, dz, h, W, n, d, V)
}

// ---- RMSNorm ----

// RMSNormForward computes y = x / sqrt(mean(x²) + 1e-6) ⊙ g per row and
// stores rstd[i] = 1/sqrt(mean(x_i²) + 1e-6). x, y [n×d], g [d], rstd [n].
// y may alias x.
func RMSNormForward(y, rstd, x, g []float32, n, d int) {
	lyNeed("RMSNormForward x", x, n*d)
	lyNeed("RMSNormForward y", y, n*d)
	lyNeed("RMSNormForward rstd", rstd, n)
	lyNeed("RMSNormForward g", g, d)
	g = g[:d]
	lyParFor(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i*d : (i+1)*d]
			yi := y[i*d : (i+1)*d]
			ms := lyDot(xi, xi) / float32(d)
			r := float32(1 / math.Sqrt(float64(ms)+rmsEps))
			rstd[i] = r
			for j := scaleRowArch(yi, xi, g, r); j < d; j++ {
				yi[j] = xi[j] * r * g[j]
			}
		}
	})
}

// RMSNormBackward accumulates dx += ∂/∂x and dg += ∂/∂g given dy, the
// forward input x and the stored rstd. With x̂ = x·rstd:
// dx = rstd·(dy⊙g − x̂·mean(dy⊙g⊙x̂)), dg = Σ_rows dy⊙x̂.
// dg is summed in row order per column (independent of GOMAXPROCS); a nil
// dg skips that sum (the input gradient alone).
func RMSNormBackward(dx, dg, dy, x, rstd, g []float32, n, d int) {
	lyNeed("RMSNormBackward x", x, n*d)
	lyNeed("RMSNormBackward dy", dy, n*d)
	lyNeed("RMSNormBackward dx", dx, n*d)
	lyNeed("RMSNormBackward rstd", rstd, n)
	lyNeed("RMSNormBackward g", g, d)
	g = g[:d]
	// dg: split by columns, each summed over rows in order.
	if dg != nil {
		lyNeed("RMSNormBackward dg", dg, d)
		dg = dg[:d]
		// (chunks of 32 columns: the assembly's widest block)
		lyParFor(d, max(32, 32768/max(n, 1)), func(jlo, jhi int) {
			dgs := dg[jlo:jhi]
			done := rmsDgArch(dgs, dy[jlo:], x[jlo:], rstd, n, d)
			if done == len(dgs) {
				return
			}
			jlo += done
			dgs = dgs[done:]
			for i := 0; i < n; i++ {
				xi := x[i*d+jlo : i*d+jhi]
				dyi := dy[i*d+jlo : i*d+jhi]
				r := rstd[i]
				for j, v := range dyi {
					dgs[j] += v * xi[j] * r
				}
			}
		})
	}
	lyParFor(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i += 2 {
			// Σ dy⊙g⊙x of two rows at once, each in index order (two
			// independent chains of additions: the same bits, twice the
			// rate of one)
			var s [2]float32
			if i+1 < hi {
				s[0], s[1] = rmsDot2(dy[i*d:(i+1)*d], x[i*d:(i+1)*d], dy[(i+1)*d:(i+2)*d], x[(i+1)*d:(i+2)*d], g)
			} else {
				xi, dyi := x[i*d:(i+1)*d], dy[i*d:(i+1)*d]
				for j, v := range dyi {
					s[0] += v * g[j] * xi[j]
				}
			}
			for k := 0; k < 2 && i+k < hi; k++ {
				row := i + k
				xi := x[row*d : (row+1)*d]
				dyi := dy[row*d : (row+1)*d]
				dxi := dx[row*d : (row+1)*d]
				r := rstd[row]
				c := s[k] * r * r / float32(d) // x̂·mean(dy⊙g⊙x̂) = x·c
				for j := rmsDxRowArch(dxi, dyi, xi, g, r, c); j < d; j++ {
					dxi[j] += r * (dyi[j]*g[j] - xi[j]*c)
				}
			}
		}
	})
}

// rmsDot2 returns Σ_j dy0[j]·g[j]·x0[j] and the same of row 1, each summed
// in index order (all five the same length).
func rmsDot2(dy0, x0, dy1, x1, g []float32) (s0, s1 float32) {
	x0, dy1, x1, g = x0[:len(dy0)], dy1[:len(dy0)], x1[:len(dy0)], g[:len(dy0)]
	for j, v := range dy0 {
		s0 += v * g[j] * x0[j]
		s1 += dy1[j] * g[j] * x1[j]
	}
	return
}

// ---- GELU (tanh form) ----

const (
	geluC = 0.7978845608028654 // sqrt(2/π)
	geluA = 0.044715
	// geluClamp bounds |v| inside the formulas: beyond it tanh is ±1 in
	// float32, so GELU(v) = v·h and GELU'(v) = h with h ∈ {0, 1}, and the
	// clamp only keeps v·h(1 − h)·v² and (−∞)·0 from producing NaN for
	// huge or infinite v (results are otherwise those of the plain formula).
	geluClamp = 9
)

// geluOne returns GELU(v) and GELU'(v). With t = tanh(sqrt(2/π)·(v +
// 0.044715v³)) and h = (1 + t)/2 (so 1 − t² = 4h(1 − h)):
// GELU(v) = v·h, GELU'(v) = h + 2·sqrt(2/π)·v·h·(1 − h)·(1 + 3·0.044715v²).
// v is clamped to ±geluClamp in the tanh argument and GELU', and to
// −geluClamp in v·h (so GELU(±Inf) = +Inf, −0 and GELU'(±Inf) = 1, 0).
func geluOne(v float32) (g, gd float32) {
	if v < -geluClamp {
		v = -geluClamp
	}
	vc := v
	if vc > geluClamp {
		vc = geluClamp
	}
	v2 := vc * vc
	t := lyTanh(geluC * vc * (1 + geluA*v2))
	h := 0.5 + 0.5*t
	return v * h, h + 2*geluC*vc*h*(1-h)*(1+3*geluA*v2)
}

// geluFused writes g = GELU(u) and, if gd != nil, gd = GELU'(u) over len(u),
// on the SIMD path of geluFusedArch when there is one (gelu_amd64.go), else
// with geluFusedGo. gd may alias u; g must not.
func geluFused(g, gd, u []float32) {
	if geluFusedArch(g, gd, u) {
		return
	}
	geluFusedGo(g, gd, u)
}

// geluFusedGo is geluFused in Go, four values at a time with the same
// operations as geluOne (the portable path and the SIMD kernels' reference).
func geluFusedGo(g, gd, u []float32) {
	n := len(u)
	g = g[:n]
	if gd != nil {
		gd = gd[:n]
	}
	i := 0
	for ; i+4 <= n; i += 4 {
		uu := u[i : i+4 : i+4]
		v0, v1, v2, v3 := uu[0], uu[1], uu[2], uu[3]
		if v0 < -geluClamp {
			v0 = -geluClamp
		}
		if v1 < -geluClamp {
			v1 = -geluClamp
		}
		if v2 < -geluClamp {
			v2 = -geluClamp
		}
		if v3 < -geluClamp {
			v3 = -geluClamp
		}
		c0, c1, c2, c3 := v0, v1, v2, v3
		if c0 > geluClamp {
			c0 = geluClamp
		}
		if c1 > geluClamp {
			c1 = geluClamp
		}
		if c2 > geluClamp {
			c2 = geluClamp
		}
		if c3 > geluClamp {
			c3 = geluClamp
		}
		s0, s1, s2, s3 := c0*c0, c1*c1, c2*c2, c3*c3
		t0, t1, t2, t3 := tanh4(geluC*c0*(1+geluA*s0), geluC*c1*(1+geluA*s1),
			geluC*c2*(1+geluA*s2), geluC*c3*(1+geluA*s3))
		h0, h1, h2, h3 := 0.5+0.5*t0, 0.5+0.5*t1, 0.5+0.5*t2, 0.5+0.5*t3
		gg := g[i : i+4 : i+4]
		gg[0], gg[1], gg[2], gg[3] = v0*h0, v1*h1, v2*h2, v3*h3
		if gd != nil {
			dd := gd[i : i+4 : i+4]
			dd[0] = h0 + 2*geluC*c0*h0*(1-h0)*(1+3*geluA*s0)
			dd[1] = h1 + 2*geluC*c1*h1*(1-h1)*(1+3*geluA*s1)
			dd[2] = h2 + 2*geluC*c2*h2*(1-h2)*(1+3*geluA*s2)
			dd[3] = h3 + 2*geluC*c3*h3*(1-h3)*(1+3*geluA*s3)
		}
	}
	for ; i < n; i++ {
		a, b := geluOne(u[i])
		g[i] = a
		if gd != nil {
			gd[i] = b
		}
	}
}

// GELUForward computes y = 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715x³)))
// elementwise over len(x). y must not alias x.
func GELUForward(y, x []float32) {
	lyNeed("GELUForward y", y, len(x))
	lyParFor(len(x), 16384, func(lo, hi int) {
		geluFused(y[lo:hi], nil, x[lo:hi])
	})
}

// GELUBackward accumulates dx += dy ⊙ GELU'(x) elementwise over len(x).
func GELUBackward(dx, dy, x []float32) {
	lyNeed("GELUBackward dy", dy, len(x))
	lyNeed("GELUBackward dx", dx, len(x))
	lyParFor(len(x), 16384, func(lo, hi int) {
		if !geluBackwardArch(dx[lo:hi], dy[lo:hi], x[lo:hi]) {
			geluBackwardGo(dx[lo:hi], dy[lo:hi], x[lo:hi])
		}
	})
}

// geluBackwardGo is GELUBackward's loop in Go (the portable path).
func geluBackwardGo(dx, dy, x []float32) {
	for i, v := range x {
		_, gd := geluOne(v)
		dx[i] += dy[i] * gd
	}
}

// ---- QK-Norm (non-learnable, per head) ----

// QKNormForward normalises each head vector of each row:
// y = (x − mean)/sqrt(var + 1e-6) over the dh components (population
// variance), storing rstd [n×H] = 1/sqrt(var+1e-6). x, y [n×H·dh]; y may
// alias x.
func QKNormForward(y, rstd, x []float32, n, H, dh int) {
	A := H * dh
	lyNeed("QKNormForward x", x, n*A)
	lyNeed("QKNormForward y", y, n*A)
	lyNeed("QKNormForward rstd", rstd, n*H)
	lyParFor(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for h := 0; h < H; h++ {
				o := i*A + h*dh
				rstd[i*H+h] = qkNormVec(y[o:o+dh], x[o:o+dh])
			}
		}
	})
}

// qkNormVec normalises one head vector (y may alias x) and returns its rstd.
// Mean and variance are taken in float64: with small head widths the
// variance can be a strong cancellation.
func qkNormVec(y, x []float32) float32 {
	dh := len(x)
	y = y[:dh]
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean := s / float64(dh)
	var ss float64
	for _, v := range x {
		c := float64(v) - mean
		ss += c * c
	}
	r := 1 / math.Sqrt(ss/float64(dh)+qkEps)
	for j, v := range x {
		y[j] = float32((float64(v) - mean) * r)
	}
	return float32(r)
}

// QKNormBackward accumulates dx += ∂/∂x given dy, the forward output y (the
// normalised vectors) and rstd: dx = rstd·(dy − mean(dy) − y·mean(dy⊙y)).
// dx must not alias dy.
func QKNormBackward(dx, dy, y, rstd []float32, n, H, dh int) {
	A := H * dh
	lyNeed("QKNormBackward dy", dy, n*A)
	lyNeed("QKNormBackward dx", dx, n*A)
	lyNeed("QKNormBackward y", y, n*A)
	lyNeed("QKNormBackward rstd", rstd, n*H)
	lyParFor(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			for h := 0; h < H; h++ {
				o := i*A + h*dh
				qkNormVecBackward(dx[o:o+dh], dy[o:o+dh], y[o:o+dh], rstd[i*H+h], true)
			}
		}
	})
}

// qkNormVecBackward writes (acc=false, dx may then alias dy) or adds the
// input gradient of one head vector.
func qkNormVecBackward(dx, dy, y []float32, r float32, acc bool) {
	dh := len(y)
	dx = dx[:dh]
	dy = dy[:dh]
	var s1, s2 float64
	for j, v := range dy {
		s1 += float64(v)
		s2 += float64(v) * float64(y[j])
	}
	m1 := float32(s1 / float64(dh))
	m2 := float32(s2 / float64(dh))
	for j, v := range dy {
		g := r * (v - m1 - y[j]*m2)
		if acc {
			dx[j] += g
		} else {
			dx[j] = g
		}
	}
}

// ---- RoPE ----

// RopeTable holds cos/sin of p·θ_i for positions p < Len() and i < dh/2,
// θ_i = base^(−2i/dh) (MODEL.md), computed in float64.
type RopeTable struct {
	Dh   int
	Base float64
	Cos  []float32 // [Len × dh/2]
	Sin  []float32
}

// NewRopeTable returns a table for head width dh (even) covering positions
// 0…n−1; base 0 means 10000.
func NewRopeTable(dh, n int, base float64) *RopeTable {
	if dh <= 0 || dh%2 != 0 {
		lyPanicf("NewRopeTable: head width %d is not positive and even", dh)
	}
	if base == 0 {
		base = 10000
	}
	r := &RopeTable{Dh: dh, Base: base}
	r.Ensure(n)
	return r
}

// Len returns the number of positions covered.
func (r *RopeTable) Len() int { return len(r.Cos) / (r.Dh / 2) }

// Ensure grows the table to cover positions 0…n−1 (allocating only when it
// grows). Not safe for concurrent use with anything else on the table.
func (r *RopeTable) Ensure(n int) {
	half := r.Dh / 2
	have := r.Len()
	if n <= have {
		return
	}
	cs := make([]float32, n*half)
	sn := make([]float32, n*half)
	copy(cs, r.Cos)
	copy(sn, r.Sin)
	for p := have; p < n; p++ {
		for i := 0; i < half; i++ {
			theta := math.Pow(r.Base, -2*float64(i)/float64(r.Dh))
			s, c := math.Sincos(float64(p) * theta)
			cs[p*half+i] = float32(c)
			sn[p*half+i] = float32(s)
		}
	}
	r.Cos, r.Sin = cs, sn
}

// clone returns a deep copy.
func (r *RopeTable) clone() *RopeTable {
	return &RopeTable{Dh: r.Dh, Base: r.Base, Cos: append([]float32(nil), r.Cos...), Sin: append([]float32(nil), r.Sin...)}
}

// RotateRow rotates, in place, the H head vectors of one row at position
// pos: for i < dh/2, (x_i, x_{i+dh/2}) ← (x_i·c − x_{i+dh/2}·s,
// x_i·s + x_{i+dh/2}·c) with angle pos·θ_i. inverse=true applies the
// transpose (rotation by −angle): that is the backward pass.
func (r *RopeTable) RotateRow(x []float32, H, pos int, inverse bool) {
	dh := r.Dh
	half := dh / 2
	if pos < 0 || pos >= r.Len() {
		lyPanicf("RopeTable: position %d outside table of %d", pos, r.Len())
	}
	cs := r.Cos[pos*half : (pos+1)*half]
	sn := r.Sin[pos*half : (pos+1)*half]
	x = x[:H*dh]
	for h := 0; h < H; h++ {
		a := x[h*dh : h*dh+half]
		b := x[h*dh+half : (h+1)*dh]
		i0 := ropeArch(a, b, cs, sn, inverse)
		if i0 == half {
			continue
		}
		if inverse {
			for i := i0; i < half; i++ {
				c, s := cs[i], sn[i]
				a[i], b[i] = a[i]*c+b[i]*s, b[i]*c-a[i]*s
			}
		} else {
			for i := i0; i < half; i++ {
				c, s := cs[i], sn[i]
				a[i], b[i] = a[i]*c-b[i]*s, a[i]*s+b[i]*c
			}
		}
	}
}

// RopeForward rotates in place every row of x [n×H·dh], row i being at
// position i mod T (B sequences of length T, n = B·T).
func (r *RopeTable) RopeForward(x []float32, n, T, H int) {
	r.ropeRows(x, n, T, H, false)
}

// RopeBackward applies the inverse rotation in place to the gradient rows
// dx [n×H·dh] (the transpose of RopeForward).
func (r *RopeTable) RopeBackward(dx []float32, n, T, H int) {
	r.ropeRows(dx, n, T, H, true)
}

func (r *RopeTable) ropeRows(x []float32, n, T, H int, inv bool) {
	A := H * r.Dh
	lyNeed("Rope x", x, n*A)
	if T > r.Len() {
		lyPanicf("RopeTable: sequence length %d exceeds table of %d", T, r.Len())
	}
	lyParFor(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r.RotateRow(x[i*A:(i+1)*A], H, i%T, inv)
		}
	})
}
