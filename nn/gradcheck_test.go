package nn

// Gradient checks: every layer's float32 analytic backward against central
// finite differences of an independent float64 reference forward written
// below (plain loops, no code shared with the float32 path).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ---- float64 reference layers (r64*) ----

func r64MatMul(x, W []float64, n, in, out int) []float64 {
	y := make([]float64, n*out)
	for i := 0; i < n; i++ {
		for j := 0; j < out; j++ {
			var s float64
			for p := 0; p < in; p++ {
				s += x[i*in+p] * W[p*out+j]
			}
			y[i*out+j] = s
		}
	}
	return y
}

// r64MatMulT returns x·Wᵀ for W [out×in].
func r64MatMulT(x, W []float64, n, in, out int) []float64 {
	y := make([]float64, n*out)
	for i := 0; i < n; i++ {
		for j := 0; j < out; j++ {
			var s float64
			for p := 0; p < in; p++ {
				s += x[i*in+p] * W[j*in+p]
			}
			y[i*out+j] = s
		}
	}
	return y
}

func r64RMSNorm(x, g []float64, n, d int) []float64 {
	y := make([]float64, n*d)
	for i := 0; i < n; i++ {
		var ss float64
		for j := 0; j < d; j++ {
			ss += x[i*d+j] * x[i*d+j]
		}
		den := math.Sqrt(ss/float64(d) + 1e-6)
		for j := 0; j < d; j++ {
			y[i*d+j] = x[i*d+j] / den * g[j]
		}
	}
	return y
}

func r64L2(x []float64, n, d int) []float64 {
	y := make([]float64, n*d)
	for i := 0; i < n; i++ {
		var ss float64
		for j := 0; j < d; j++ {
			ss += x[i*d+j] * x[i*d+j]
		}
		nr := math.Max(math.Sqrt(ss), 1e-12)
		for j := 0; j < d; j++ {
			y[i*d+j] = x[i*d+j] / nr
		}
	}
	return y
}

func r64QKNorm(x []float64, n, H, dh int) []float64 {
	y := make([]float64, len(x))
	for i := 0; i < n; i++ {
		for h := 0; h < H; h++ {
			seg := x[i*H*dh+h*dh : i*H*dh+(h+1)*dh]
			var mean, vr float64
			for _, v := range seg {
				mean += v
			}
			mean /= float64(dh)
			for _, v := range seg {
				vr += (v - mean) * (v - mean)
			}
			vr /= float64(dh)
			for j, v := range seg {
				y[i*H*dh+h*dh+j] = (v - mean) / math.Sqrt(vr+1e-6)
			}
		}
	}
	return y
}

// r64Rope rotates pairs (j, j+dh/2) of every head of row i by
// (i mod T)·base^(−2j/dh).
func r64Rope(x []float64, n, T, H, dh int, base float64) []float64 {
	y := make([]float64, len(x))
	copy(y, x)
	half := dh / 2
	for i := 0; i < n; i++ {
		p := float64(i % T)
		for h := 0; h < H; h++ {
			o := i*H*dh + h*dh
			for j := 0; j < half; j++ {
				ang := p * math.Pow(base, -2*float64(j)/float64(dh))
				a, b := x[o+j], x[o+j+half]
				y[o+j] = a*math.Cos(ang) - b*math.Sin(ang)
				y[o+j+half] = a*math.Sin(ang) + b*math.Cos(ang)
			}
		}
	}
	return y
}

func r64Attention(q, k, v []float64, B, Tq, Tk, H, dh int, causal bool) []float64 {
	A := H * dh
	o := make([]float64, B*Tq*A)
	for b := 0; b < B; b++ {
		for h := 0; h < H; h++ {
			for i := 0; i < Tq; i++ {
				n := Tk
				if causal {
					n = i + 1
				}
				s := make([]float64, n)
				mx := math.Inf(-1)
				for j := 0; j < n; j++ {
					var dot float64
					for c := 0; c < dh; c++ {
						dot += q[(b*Tq+i)*A+h*dh+c] * k[(b*Tk+j)*A+h*dh+c]
					}
					s[j] = dot / math.Sqrt(float64(dh))
					mx = math.Max(mx, s[j])
				}
				var z float64
				for j := range s {
					s[j] = math.Exp(s[j] - mx)
					z += s[j]
				}
				for j := range s {
					for c := 0; c < dh; c++ {
						o[(b*Tq+i)*A+h*dh+c] += s[j] / z * v[(b*Tk+j)*A+h*dh+c]
					}
				}
			}
		}
	}
	return o
}

func r64GELU(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
	}
	return y
}

func r64Add(a, b []float64) []float64 {
	y := make([]float64, len(a))
	for i := range a {
		y[i] = a[i] + b[i]
	}
	return y
}

func r64Dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// r64CE returns Σ w_i·CE_i/Σw (w nil = all 1).
func r64CE(z []float64, targets []int, w []float64, n, V int) float64 {
	var loss, ws float64
	for i := 0; i < n; i++ {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		row := z[i*V : (i+1)*V]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - mx)
		}
		loss += wi * (math.Log(s) + mx - row[targets[i]])
		ws += wi
	}
	if ws == 0 {
		return 0
	}
	return loss / ws
}

func r64Cos(r, t, w []float64, n, d int, k float64) float64 {
	var loss, ws float64
	for i := 0; i < n; i++ {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if wi == 0 {
			continue
		}
		a, b := r[i*d:(i+1)*d], t[i*d:(i+1)*d]
		c := r64Dot(a, b) / (math.Max(math.Sqrt(r64Dot(a, a)), 1e-12) * math.Max(math.Sqrt(r64Dot(b, b)), 1e-12))
		loss += wi * k * (1 - c)
		ws += wi
	}
	if ws == 0 {
		return 0
	}
	return loss / ws
}

// r64AttnSub returns x + Attn(RMSNorm(x), src) with the named weights
// (src nil: causal self-attention over the normalised x).
func r64AttnSub(W map[string][]float64, norm, wq, wk, wv, wo string, cfg StackConfig, x []float64, B, Tq int, src []float64, Tk int) []float64 {
	d, A, H := cfg.D, cfg.A, cfg.Heads
	dh := A / H
	base := cfg.RopeBase
	if base == 0 {
		base = 10000
	}
	xn := r64RMSNorm(x, W[norm], B*Tq, d)
	causal := src == nil
	if causal {
		src, Tk = xn, Tq
	}
	q := r64MatMul(xn, W[wq], B*Tq, d, A)
	k := r64MatMul(src, W[wk], B*Tk, d, A)
	v := r64MatMul(src, W[wv], B*Tk, d, A)
	if cfg.QKNorm {
		q = r64QKNorm(q, B*Tq, H, dh)
		k = r64QKNorm(k, B*Tk, H, dh)
	}
	q = r64Rope(q, B*Tq, Tq, H, dh, base)
	k = r64Rope(k, B*Tk, Tk, H, dh, base)
	o := r64Attention(q, k, v, B, Tq, Tk, H, dh, causal)
	return r64Add(x, r64MatMul(o, W[wo], B*Tq, A, d))
}

// r64Stack is the whole stack (decoder if mem != nil) as MODEL.md writes it.
func r64Stack(W map[string][]float64, prefix string, cfg StackConfig, x []float64, B, T int, mem []float64, Tm int) []float64 {
	d, F := cfg.D, cfg.F
	N := B * T
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("%sblocks.%d.", prefix, l)
		x = r64AttnSub(W, b+"norm1", b+"wq", b+"wk", b+"wv", b+"wo", cfg, x, B, T, nil, 0)
		if mem != nil {
			x = r64AttnSub(W, b+"norm3", b+"cq", b+"ck", b+"cv", b+"co", cfg, x, B, T, mem, Tm)
		}
		xn := r64RMSNorm(x, W[b+"norm2"], N, d)
		g := r64GELU(r64MatMul(xn, W[b+"w1"], N, d, F))
		x = r64Add(x, r64MatMul(g, W[b+"w2"], N, F, d))
	}
	return r64RMSNorm(x, W[prefix+"final_norm"], N, d)
}

// ---- harness ----

// tlVar is one checked input: its float64 copy (perturbed in place by the
// check) and the float32 analytic gradient.
type tlVar struct {
	name     string
	x        []float64
	analytic []float32
}

// tlGradCheck compares every analytic gradient entry with the central
// difference (f(x+h) − f(x−h))/2h, h = 1e-6, of the float64 loss f. The
// error of an entry is |a−n| / max(|a|+|n|, 1e-3·s), s being the largest
// |n| of that variable. It fails above tol and returns the worst error.
func tlGradCheck(t *testing.T, name string, vars []tlVar, f func() float64, tol float64) float64 {
	t.Helper()
	const h = 1e-6
	worst, worstAt := 0.0, ""
	for _, v := range vars {
		if len(v.x) != len(v.analytic) {
			t.Fatalf("%s/%s: %d values, %d gradients", name, v.name, len(v.x), len(v.analytic))
		}
		num := make([]float64, len(v.x))
		scale := 0.0
		for i := range v.x {
			x0 := v.x[i]
			v.x[i] = x0 + h
			fp := f()
			v.x[i] = x0 - h
			fm := f()
			v.x[i] = x0
			num[i] = (fp - fm) / (2 * h)
			scale = math.Max(scale, math.Abs(num[i]))
		}
		if scale == 0 {
			scale = 1
		}
		for i := range num {
			a := float64(v.analytic[i])
			den := math.Max(math.Abs(a)+math.Abs(num[i]), 1e-3*scale)
			e := math.Abs(a-num[i]) / den
			if e > worst {
				worst, worstAt = e, fmt.Sprintf("%s[%d] analytic %.6g numeric %.6g", v.name, i, a, num[i])
			}
			if e > tol {
				t.Errorf("%s: %s[%d]: analytic %.8g, numeric %.8g (rel err %.3g)", name, v.name, i, a, num[i], e)
				return worst
			}
		}
	}
	t.Logf("gradcheck %-28s worst rel err %.3e  (%s)", name, worst, worstAt)
	return worst
}

const tlTol = 1e-3

func tlRand32(rng *rand.Rand, n int, std float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * std)
	}
	return s
}

func tl64(s []float32) []float64 {
	y := make([]float64, len(s))
	for i, v := range s {
		y[i] = float64(v)
	}
	return y
}

// tlRandParams fills every tensor: matrices ~N(0, std²), vectors (gains)
// 1 + N(0, 0.2²).
func tlRandParams(p *ParamSet, rng *rand.Rand, std float64) {
	for _, name := range p.Names() {
		w := p.W(name)
		if len(p.Shape(name)) == 1 {
			for i := range w {
				w[i] = float32(1 + 0.2*rng.NormFloat64())
			}
		} else {
			copy(w, tlRand32(rng, len(w), std))
		}
	}
}

func tlParamMap(p *ParamSet) map[string][]float64 {
	m := make(map[string][]float64)
	for _, name := range p.Names() {
		m[name] = tl64(p.W(name))
	}
	return m
}

func tlParamVars(p *ParamSet, m map[string][]float64) []tlVar {
	var vs []tlVar
	for _, name := range p.Names() {
		vs = append(vs, tlVar{name, m[name], p.G(name)})
	}
	return vs
}

// ---- per-layer checks ----

func TestGradLinearAndHeads(t *testing.T) {
	rng := NewRNG(1)
	n, in, out := 5, 7, 6
	x, W, R := tlRand32(rng, n*in, 1), tlRand32(rng, in*out, 0.5), tlRand32(rng, n*out, 1)
	y := make([]float32, n*out)
	LinearForward(y, x, W, n, in, out)
	dx, dW := make([]float32, n*in), make([]float32, in*out)
	LinearBackward(dx, dW, R, x, W, n, in, out)
	x64, W64, R64 := tl64(x), tl64(W), tl64(R)
	tlGradCheck(t, "linear", []tlVar{{"x", x64, dx}, {"W", W64, dW}},
		func() float64 { return r64Dot(R64, r64MatMul(x64, W64, n, in, out)) }, tlTol)

	// Plain head z = h·W [d×V], cross-entropy loss with weights.
	d, V := 6, 9
	h, Wh := tlRand32(rng, n*d, 1), tlRand32(rng, d*V, 0.7)
	targets := []int{3, 0, 8, 2, 5}
	w := []float32{1, 0.5, 0, 2, 1}
	z, probs := make([]float32, n*V), make([]float32, n*V)
	HeadForward(z, h, Wh, n, d, V)
	CrossEntropyForward(probs, z, targets, w, n, V)
	dz, dh, dWh := make([]float32, n*V), make([]float32, n*d), make([]float32, d*V)
	CrossEntropyBackward(dz, probs, targets, w, n, V, 1)
	HeadBackward(dh, dWh, dz, h, Wh, n, d, V)
	h64, Wh64, w64 := tl64(h), tl64(Wh), tl64(w)
	tlGradCheck(t, "head+CE", []tlVar{{"h", h64, dh}, {"W", Wh64, dWh}},
		func() float64 { return r64CE(r64MatMul(h64, Wh64, n, d, V), targets, w64, n, V) }, tlTol)

	// Tied head z = h·Eᵀ, gradient into both h and E.
	E := tlRand32(rng, V*d, 0.7)
	TiedHeadForward(z, h, E, n, d, V)
	CrossEntropyForward(probs, z, targets, nil, n, V)
	clear(dz)
	clear(dh)
	dE := make([]float32, V*d)
	CrossEntropyBackward(dz, probs, targets, nil, n, V, 2.5)
	TiedHeadBackward(dh, dE, dz, h, E, n, d, V)
	E64 := tl64(E)
	tlGradCheck(t, "tied head+CE (scale 2.5)", []tlVar{{"h", h64, dh}, {"E", E64, dE}},
		func() float64 { return 2.5 * r64CE(r64MatMulT(h64, E64, n, d, V), targets, nil, n, V) }, tlTol)
}

func TestGradEmbedding(t *testing.T) {
	rng := NewRNG(2)
	V, d := 6, 5
	tokens := []int{2, 0, 2, 5, 1, 2}
	n := len(tokens)
	E, R := tlRand32(rng, V*d, 1), tlRand32(rng, n*d, 1)
	out := make([]float32, n*d)
	EmbeddingForward(out, E, tokens, d)
	dE := make([]float32, V*d)
	EmbeddingBackward(dE, R, tokens, d)
	E64, R64 := tl64(E), tl64(R)
	tlGradCheck(t, "embedding", []tlVar{{"E", E64, dE}}, func() float64 {
		var s float64
		for i, tk := range tokens {
			s += r64Dot(R64[i*d:(i+1)*d], E64[tk*d:(tk+1)*d])
		}
		return s
	}, tlTol)
}

func TestGradNorms(t *testing.T) {
	rng := NewRNG(3)
	n, d := 4, 8
	x, g, R := tlRand32(rng, n*d, 1), tlRand32(rng, d, 1), tlRand32(rng, n*d, 1)
	y, rstd := make([]float32, n*d), make([]float32, n)
	RMSNormForward(y, rstd, x, g, n, d)
	dx, dg := make([]float32, n*d), make([]float32, d)
	RMSNormBackward(dx, dg, R, x, rstd, g, n, d)
	x64, g64, R64 := tl64(x), tl64(g), tl64(R)
	tlGradCheck(t, "rmsnorm", []tlVar{{"x", x64, dx}, {"g", g64, dg}},
		func() float64 { return r64Dot(R64, r64RMSNorm(x64, g64, n, d)) }, tlTol)

	norms := make([]float32, n)
	L2NormForward(y, x, norms, n, d)
	clear(dx)
	L2NormBackward(dx, R, y, norms, n, d)
	tlGradCheck(t, "l2norm", []tlVar{{"x", x64, dx}},
		func() float64 { return r64Dot(R64, r64L2(x64, n, d)) }, tlTol)

	// QK-Norm: H heads of width dh per row.
	H, dh := 3, 4
	xq, Rq := tlRand32(rng, n*H*dh, 1.5), tlRand32(rng, n*H*dh, 1)
	for i := range xq {
		xq[i] += 0.7 // a non-zero mean to remove
	}
	yq, rq := make([]float32, n*H*dh), make([]float32, n*H)
	QKNormForward(yq, rq, xq, n, H, dh)
	dxq := make([]float32, n*H*dh)
	QKNormBackward(dxq, Rq, yq, rq, n, H, dh)
	xq64, Rq64 := tl64(xq), tl64(Rq)
	tlGradCheck(t, "qknorm", []tlVar{{"x", xq64, dxq}},
		func() float64 { return r64Dot(Rq64, r64QKNorm(xq64, n, H, dh)) }, tlTol)
}

func TestGradRopeGELU(t *testing.T) {
	rng := NewRNG(4)
	B, T, H, dh := 2, 5, 2, 6
	n := B * T
	x, R := tlRand32(rng, n*H*dh, 1), tlRand32(rng, n*H*dh, 1)
	rope := NewRopeTable(dh, T, 100) // a small base makes every pair turn
	y := append([]float32(nil), x...)
	rope.RopeForward(y, n, T, H)
	y64 := r64Rope(tl64(x), n, T, H, dh, 100)
	for i := range y {
		if math.Abs(float64(y[i])-y64[i]) > 1e-6 {
			t.Fatalf("rope forward [%d]: %v vs %v", i, y[i], y64[i])
		}
	}
	dx := append([]float32(nil), R...)
	rope.RopeBackward(dx, n, T, H)
	x64, R64 := tl64(x), tl64(R)
	tlGradCheck(t, "rope", []tlVar{{"x", x64, dx}},
		func() float64 { return r64Dot(R64, r64Rope(x64, n, T, H, dh, 100)) }, tlTol)

	xg, Rg := tlRand32(rng, 64, 2), tlRand32(rng, 64, 1)
	xg[0], xg[1], xg[2] = 0, 1e-5, -9 // around zero and in the saturated tail
	yg := make([]float32, 64)
	GELUForward(yg, xg)
	dxg := make([]float32, 64)
	GELUBackward(dxg, Rg, xg)
	xg64, Rg64 := tl64(xg), tl64(Rg)
	tlGradCheck(t, "gelu", []tlVar{{"x", xg64, dxg}},
		func() float64 { return r64Dot(Rg64, r64GELU(xg64)) }, tlTol)
}

func TestGradAttention(t *testing.T) {
	for _, c := range []struct {
		name   string
		Tq, Tk int
		causal bool
	}{{"attention causal", 5, 5, true}, {"attention cross", 4, 6, false}} {
		rng := NewRNG(5)
		B, H, dh := 2, 3, 4
		A := H * dh
		dm := AttnDims{B: B, Tq: c.Tq, Tk: c.Tk, H: H, Dh: dh, Causal: c.causal}
		q, k, v := tlRand32(rng, B*c.Tq*A, 1.2), tlRand32(rng, B*c.Tk*A, 1.2), tlRand32(rng, B*c.Tk*A, 1)
		R := tlRand32(rng, B*c.Tq*A, 1)
		o, P := make([]float32, B*c.Tq*A), make([]float32, B*H*c.Tq*c.Tk)
		AttentionForward(o, P, q, k, v, dm)
		dq, dk, dv := make([]float32, len(q)), make([]float32, len(k)), make([]float32, len(v))
		AttentionBackward(dq, dk, dv, make([]float32, B*H*c.Tq*c.Tk), R, P, q, k, v, dm)
		q64, k64, v64, R64 := tl64(q), tl64(k), tl64(v), tl64(R)
		tlGradCheck(t, c.name, []tlVar{{"q", q64, dq}, {"k", k64, dk}, {"v", v64, dv}}, func() float64 {
			return r64Dot(R64, r64Attention(q64, k64, v64, B, c.Tq, c.Tk, H, dh, c.causal))
		}, tlTol)
	}
}

func TestGradLosses(t *testing.T) {
	rng := NewRNG(6)
	n, d := 5, 6
	r, tg := tlRand32(rng, n*d, 1), tlRand32(rng, n*d, 1)
	w := []float32{0, 1, 2, 0.5, 1}
	dr := make([]float32, n*d)
	CosineLossBackward(dr, r, tg, w, n, d, 4, 1.5)
	r64v, t64, w64 := tl64(r), tl64(tg), tl64(w)
	tlGradCheck(t, "cosine loss (k 4, scale 1.5)", []tlVar{{"r", r64v, dr}},
		func() float64 { return 1.5 * r64Cos(r64v, t64, w64, n, d, 4) }, tlTol)
	if got, want := CosineLossForward(r, tg, w, n, d, 4), r64Cos(r64v, t64, w64, n, d, 4); math.Abs(float64(got)-want) > 1e-6*math.Abs(want) {
		t.Errorf("cosine loss %v, want %v", got, want)
	}

	// SST composite: h → L2 → cosine loss.
	h := tlRand32(rng, n*d, 2)
	lat, norms := make([]float32, n*d), make([]float32, n)
	L2NormForward(lat, h, norms, n, d)
	dlat, dh := make([]float32, n*d), make([]float32, n*d)
	CosineLossBackward(dlat, lat, tg, w, n, d, 4, 1)
	L2NormBackward(dh, dlat, lat, norms, n, d)
	h64 := tl64(h)
	tlGradCheck(t, "L2 + cosine loss", []tlVar{{"h", h64, dh}},
		func() float64 { return r64Cos(r64L2(h64, n, d), t64, w64, n, d, 4) }, tlTol)

	V := 7
	z := tlRand32(rng, n*V, 3)
	targets := []int{1, 6, -1, 0, 3} // row 2 masked: its target is not read
	wc := []float32{1, 2, 0, 0.25, 1}
	probs, dz := make([]float32, n*V), make([]float32, n*V)
	loss := CrossEntropyForward(probs, z, targets, wc, n, V)
	CrossEntropyBackward(dz, probs, targets, wc, n, V, 1)
	z64, wc64 := tl64(z), tl64(wc)
	tg2 := append([]int(nil), targets...)
	tg2[2] = 0
	if want := r64CE(z64, tg2, wc64, n, V); math.Abs(float64(loss)-want) > 1e-6*want {
		t.Errorf("CE %v, want %v", loss, want)
	}
	tlGradCheck(t, "cross-entropy (weighted)", []tlVar{{"z", z64, dz}},
		func() float64 { return r64CE(z64, tg2, wc64, n, V) }, tlTol)
}

// ---- whole stacks ----

// tlCheckStack checks a 2-block Stack or Decoder. Weights ~N(0, 0.35²):
// the float32 analytic gradient carries rounding noise that grows with the
// conditioning of the random network (at std 0.5 the worst entries reach
// ~7e-4 on some seeds, at 0.35 ~2e-4), while a wrong formula gives O(1).
func tlCheckStack(t *testing.T, qk, cross bool) {
	cfg := StackConfig{D: 8, A: 12, Heads: 3, F: 16, Layers: 2, QKNorm: qk, RopeBase: 100}
	B, T, Tm := 2, 5, 4
	d := cfg.D
	p := NewParamSet()
	if cross {
		DeclareDecoder(p, "dec.", cfg)
	} else {
		DeclareStack(p, "enc.", cfg)
	}
	p.Alloc()
	rng := NewRNG(7)
	tlRandParams(p, rng, 0.35)
	x, R := tlRand32(rng, B*T*d, 1), tlRand32(rng, B*T*d, 1)
	var mem []float32
	var h []float32
	dx := make([]float32, B*T*d)
	var dmem []float32
	p.ZeroGrad()
	if cross {
		mem = tlRand32(rng, B*Tm*d, 1)
		dmem = make([]float32, B*Tm*d)
		dec := NewDecoder(p, "dec.", cfg)
		a := dec.NewActsMem(B, T+1, Tm+2) // larger than used
		h = dec.Forward(a, x, B, T, mem, Tm)
		dec.Backward(a, R, dx, dmem)
	} else {
		s := NewStack(p, "enc.", cfg)
		a := s.NewActs(B+1, T)
		h = s.Forward(a, x, B, T)
		s.Backward(a, R, dx)
	}
	W := tlParamMap(p)
	x64, R64 := tl64(x), tl64(R)
	var mem64 []float64
	prefix := "enc."
	if cross {
		mem64 = tl64(mem)
		prefix = "dec."
	}
	f := func() float64 { return r64Dot(R64, r64Stack(W, prefix, cfg, x64, B, T, mem64, Tm)) }
	// Forward agreement first.
	h64 := r64Stack(W, prefix, cfg, x64, B, T, mem64, Tm)
	worstF := 0.0
	for i := range h64 {
		worstF = math.Max(worstF, math.Abs(float64(h[i])-h64[i])/math.Max(math.Abs(h64[i]), 1e-2))
	}
	// Random weights with dh 4 make the map ill-conditioned: at std 0.5,
	// rounding x and the weights alone to float32 (rel 6e-8) moves h of the
	// float64 reference by ~5e-5 with QK-Norm on, so this bound is loose; the
	// 1e-5 criterion is checked on the conformance vectors.
	if worstF > 3e-4 {
		t.Errorf("forward differs from the float64 reference: worst rel %.3g", worstF)
	}
	vars := tlParamVars(p, W)
	vars = append(vars, tlVar{"x", x64, dx})
	if cross {
		vars = append(vars, tlVar{"mem", mem64, dmem})
	}
	name := "stack"
	if cross {
		name = "decoder"
	}
	if qk {
		name += " qknorm on"
	} else {
		name += " qknorm off"
	}
	t.Logf("forward %s worst rel err %.3e", name, worstF)
	tlGradCheck(t, name, vars, f, tlTol)
}

func TestGradStack(t *testing.T) {
	tlCheckStack(t, true, false)
	tlCheckStack(t, false, false)
}

func TestGradDecoder(t *testing.T) {
	tlCheckStack(t, true, true)
	tlCheckStack(t, false, true)
}
