package nn

import (
	"math"
	"testing"
)

func TestFastExpTanh(t *testing.T) {
	worstT, worstE := 0.0, 0.0
	for x := -20.0; x < 20; x += 0.00037 {
		xf := float32(x)
		worstT = math.Max(worstT, math.Abs(float64(lyTanh(xf))-math.Tanh(float64(xf))))
	}
	for x := -87.0; x < 88.5; x += 0.00071 {
		xf := float32(x)
		want := math.Exp(float64(xf))
		worstE = math.Max(worstE, math.Abs(float64(lyExp(xf))-want)/want)
	}
	t.Logf("lyTanh worst abs err %.3g, lyExp worst rel err %.3g", worstT, worstE)
	if worstT > 5e-7 || worstE > 3e-7 {
		t.Fatalf("fast math too inaccurate: tanh %g exp %g", worstT, worstE)
	}
	if lyExp(-1e4) != 0 || lyExp(-88) != 0 || !math.IsInf(float64(lyExp(1e4)), 1) {
		t.Fatal("exp limits")
	}
	if lyTanh(1e4) != lyTanh(8) || lyTanh(-1e4) != -lyTanh(8) || math.Abs(float64(lyTanh(8))-1) > 1e-6 {
		t.Fatal("tanh limits")
	}
}

// tlGuarded returns a slice of n values followed by g guard values; the
// caller passes s[:n+g] (len larger than needed) and checks the tail after.
const tlGuardVal = float32(-12345.5)

func tlGuarded(vals []float32, g int) []float32 {
	s := make([]float32, len(vals)+g)
	copy(s, vals)
	for i := len(vals); i < len(s); i++ {
		s[i] = tlGuardVal
	}
	return s
}

func tlCheckGuard(t *testing.T, what string, s []float32, n int) {
	t.Helper()
	for i := n; i < len(s); i++ {
		if s[i] != tlGuardVal {
			t.Errorf("%s: write past the end at %d (of %d)", what, i, n)
			return
		}
	}
}

// TestLayersDoNotWritePastEnd passes buffers longer than the shapes need,
// with guard values in the tail, and checks the tails afterwards.
func TestLayersDoNotWritePastEnd(t *testing.T) {
	rng := NewRNG(21)
	const g = 7
	n, d, H, dh := 5, 8, 2, 4
	x := tlRand32(rng, n*d, 1)
	gain := tlRand32(rng, d, 1)
	y, rstd := tlGuarded(make([]float32, n*d), g), tlGuarded(make([]float32, n), g)
	RMSNormForward(y, rstd, x, gain, n, d)
	tlCheckGuard(t, "RMSNorm y", y, n*d)
	tlCheckGuard(t, "RMSNorm rstd", rstd, n)
	dx, dg := tlGuarded(make([]float32, n*d), g), tlGuarded(make([]float32, d), g)
	RMSNormBackward(dx, dg, x, x, rstd, gain, n, d)
	tlCheckGuard(t, "RMSNorm dx", dx, n*d)
	tlCheckGuard(t, "RMSNorm dg", dg, d)

	q := tlGuarded(tlRand32(rng, n*H*dh, 1), g)
	rq := tlGuarded(make([]float32, n*H), g)
	QKNormForward(q, rq, q, n, H, dh)
	tlCheckGuard(t, "QKNorm y", q, n*H*dh)
	tlCheckGuard(t, "QKNorm rstd", rq, n*H)
	dq := tlGuarded(make([]float32, n*H*dh), g)
	QKNormBackward(dq, x, q, rq, n, H, dh)
	tlCheckGuard(t, "QKNorm dx", dq, n*H*dh)
	rope := NewRopeTable(dh, n, 0)
	rope.RopeForward(q, n, n, H)
	tlCheckGuard(t, "RoPE", q, n*H*dh)

	B, T := 1, n
	A := H * dh
	dm := AttnDims{B: B, Tq: T, Tk: T, H: H, Dh: dh, Causal: true}
	k, v := tlRand32(rng, n*A, 1), tlRand32(rng, n*A, 1)
	o, P := tlGuarded(make([]float32, n*A), g), tlGuarded(make([]float32, H*T*T), g)
	AttentionForward(o, P, q, k, v, dm)
	tlCheckGuard(t, "attention o", o, n*A)
	tlCheckGuard(t, "attention P", P, H*T*T)
	dk, dv, sc := tlGuarded(make([]float32, n*A), g), tlGuarded(make([]float32, n*A), g), tlGuarded(make([]float32, H*T*T), g)
	dq2 := tlGuarded(make([]float32, n*A), g)
	AttentionBackward(dq2, dk, dv, sc, o, P, q, k, v, dm)
	for _, c := range []struct {
		name string
		s    []float32
		n    int
	}{{"attention dq", dq2, n * A}, {"attention dk", dk, n * A}, {"attention dv", dv, n * A}, {"attention scratch", sc, H * T * T}} {
		tlCheckGuard(t, c.name, c.s, c.n)
	}

	V := 6
	logits := tlRand32(rng, n*V, 2)
	probs, dz := tlGuarded(make([]float32, n*V), g), tlGuarded(make([]float32, n*V), g)
	targets := []int{0, 1, 2, 3, 4}
	CrossEntropyForward(probs, logits, targets, nil, n, V)
	CrossEntropyBackward(dz, probs, targets, nil, n, V, 1)
	tlCheckGuard(t, "CE probs", probs, n*V)
	tlCheckGuard(t, "CE dlogits", dz, n*V)

	gy := tlGuarded(make([]float32, n*d), g)
	GELUForward(gy[:n*d], x)
	tlCheckGuard(t, "GELU", gy, n*d)
}

// TestSoftmaxCrossEntropyExtremeLogits: logits of ±1e4 give finite
// probabilities, losses and gradients, and the right values.
func TestSoftmaxCrossEntropyExtremeLogits(t *testing.T) {
	V, n := 4, 3
	logits := []float32{
		1e4, -1e4, 0, 1e4 - 1,
		-1e4, -1e4, -1e4, -1e4,
		1e4, -1e4, 1e4, -1e4,
	}
	targets := []int{1, 2, 0}
	probs, dz := make([]float32, n*V), make([]float32, n*V)
	loss := CrossEntropyForward(probs, logits, targets, nil, n, V)
	CrossEntropyBackward(dz, probs, targets, nil, n, V, 1)
	want := r64CE(tl64(logits), targets, nil, n, V)
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) || math.Abs(float64(loss)-want) > 1e-6*want {
		t.Fatalf("loss %v, want %v", loss, want)
	}
	for i, v := range append(probs, dz...) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("non-finite value at %d", i)
		}
	}
	// Row 1 is uniform; row 0 puts (almost) all mass on 0 and 3.
	if math.Abs(float64(probs[V+2])-0.25) > 1e-7 || math.Abs(float64(probs[0]+probs[3])-1) > 1e-6 {
		t.Fatalf("probs %v", probs)
	}

	// Attention with huge scores stays finite too.
	H, dh, T := 1, 4, 3
	q := []float32{1e3, 0, 0, 0, 1e3, 0, 0, 0, -1e3, 0, 0, 0}
	k := []float32{1e3, 0, 0, 0, -1e3, 0, 0, 0, 1e3, 0, 0, 0}
	v := tlRand32(NewRNG(1), T*H*dh, 1)
	o, P := make([]float32, T*dh), make([]float32, T*T)
	dm := AttnDims{B: 1, Tq: T, Tk: T, H: H, Dh: dh, Causal: true}
	AttentionForward(o, P, q, k, v, dm)
	dq, dk, dv := make([]float32, T*dh), make([]float32, T*dh), make([]float32, T*dh)
	AttentionBackward(dq, dk, dv, make([]float32, T*T), o, P, q, k, v, dm)
	for i, x := range append(append(append(o, P...), dq...), append(dk, dv...)...) {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("attention non-finite at %d", i)
		}
	}
}

func TestShapesPanic(t *testing.T) {
	tlMustPanic(t, "short RMSNorm output", func() {
		RMSNormForward(make([]float32, 7), make([]float32, 1), make([]float32, 8), make([]float32, 8), 1, 8)
	})
	tlMustPanic(t, "token out of range", func() {
		EmbeddingForward(make([]float32, 4), make([]float32, 8), []int{2}, 4)
	})
	tlMustPanic(t, "odd head width", func() { NewRopeTable(3, 4, 0) })
	tlMustPanic(t, "bad StackConfig", func() {
		DeclareStack(NewParamSet(), "", StackConfig{D: 8, A: 9, Heads: 3, F: 8, Layers: 1}) // odd head width
	})
	cfg := StackConfig{D: 8, A: 8, Heads: 2, F: 8, Layers: 1}
	p := NewParamSet()
	DeclareStack(p, "", cfg)
	p.Alloc()
	s := NewStack(p, "", cfg)
	a := s.NewActs(2, 3)
	tlMustPanic(t, "batch larger than acts", func() { s.Forward(a, make([]float32, 3*3*8), 3, 3) })
	tlMustPanic(t, "Backward before Forward", func() { s.Backward(a, make([]float32, 48), nil) })
	tlMustPanic(t, "missing tensor", func() { NewStack(p, "x.", cfg) })
}
