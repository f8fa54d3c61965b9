package latent

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sstFedFixture is a small Reasoner and a batch of two rows whose fed
// region is the positions after a prompt of P tokens.
func sstFedFixture(t *testing.T) (r *Reasoner, inputs, targets []int, w []float32, from, to []int, B, T int) {
	t.Helper()
	cfg := DefaultConfig(7)
	cfg.D, cfg.A, cfg.F, cfg.Heads, cfg.Layers, cfg.Context = 16, 16, 32, 2, 2, 32
	cfg.FeedbackScale = 0.7
	r, err := New(cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	r.Init(3)
	// A target table that differs from E, as after some SST steps.
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range r.Target {
		r.Target[i] += 0.05 * float32(rng.NormFloat64())
	}
	B, T = 2, 12
	inputs, targets, w = make([]int, B*T), make([]int, B*T), make([]float32, B*T)
	from, to = []int{5, 7}, []int{11, 12}
	for b := range B {
		for i := range T {
			inputs[b*T+i] = rng.IntN(cfg.Vocab)
			targets[b*T+i] = rng.IntN(cfg.Vocab)
			if i >= from[b]-1 && i < to[b] {
				w[b*T+i] = 1
			}
		}
	}
	// Token 6 appears only at fed positions: E's row 6 must get no gradient.
	for b := range B {
		for i := range T {
			if inputs[b*T+i] == 6 {
				inputs[b*T+i] = 0
			}
		}
		inputs[b*T+from[b]] = 6
	}
	return
}

func grads(r *Reasoner) map[string][]float32 {
	out := map[string][]float32{}
	for _, n := range r.P.Names() {
		out[n] = slices.Clone(r.P.G(n))
	}
	return out
}

// With no pass, self-fed SST is SST, bit for bit.
func TestSSTLossFedZeroPassesIsSST(t *testing.T) {
	r, inputs, targets, w, from, to, B, T := sstFedFixture(t)
	wk := r.NewWork(B, T)
	r.P.ZeroGrad()
	a := r.SSTLoss(wk, inputs, targets, w, B, T)
	ga := grads(r)
	r.P.ZeroGrad()
	b := r.SSTLossFed(wk, inputs, targets, w, from, to, 0, nil, false, B, T)
	if math.Float32bits(a) != math.Float32bits(b) {
		t.Fatalf("loss %v vs %v", a, b)
	}
	for n, g := range grads(r) {
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(ga[n][i]) {
				t.Fatalf("grad %s[%d] differs", n, i)
			}
		}
	}
}

// After as many passes as a row has fed positions, every fed input is c
// times the free-running latent of the position before (computed on the
// Stepper path, one token or latent at a time); after fewer passes, the
// first passes fed inputs are.
func TestSSTLossFedInputsAreFreeRunning(t *testing.T) {
	r, inputs, targets, w, from, to, B, T := sstFedFixture(t)
	c := r.Cfg.FeedbackScale
	for _, passes := range []int{2, 6} {
		wk := r.NewWork(B, T)
		r.P.ZeroGrad()
		r.SSTLossFed(wk, inputs, targets, w, from, to, passes, nil, false, B, T)
		d := r.Cfg.D
		for b := range B {
			prompt := inputs[b*T : b*T+from[b]]
			exact := min(passes, to[b]-from[b])
			lat, err := r.FreeRun(prompt, exact)
			if err != nil {
				t.Fatal(err)
			}
			for j := range exact {
				got := wk.x[(b*T+from[b]+j)*d : (b*T+from[b]+j+1)*d]
				worst := 0.0
				for i := range got {
					worst = math.Max(worst, math.Abs(float64(got[i])-float64(c*lat[j][i])))
				}
				if worst > 1e-5 {
					t.Errorf("passes %d row %d: fed input %d differs from c·r_%d by %.3g", passes, b, from[b]+j, j+1, worst)
				}
			}
		}
	}
}

// The gradient is that of the loss with the fed inputs held fixed (no
// gradient through a fed latent, none to E at a fed position): checked
// against central finite differences of the loss with the fed inputs held
// fixed (float32 network, ε = 1e-2, tolerance 5% + 2e-3).
func TestSSTLossFedGradientHoldsFedInputsFixed(t *testing.T) {
	r, inputs, targets, w, from, to, B, T := sstFedFixture(t)
	wk := r.NewWork(B, T)
	r.P.ZeroGrad()
	r.SSTLossFed(wk, inputs, targets, w, from, to, 3, nil, false, B, T)
	g := grads(r)
	x := slices.Clone(wk.x[:B*T*r.Cfg.D])
	d := r.Cfg.D
	// The loss as a function of the parameters, fed inputs fixed: the
	// non-fed inputs are E's rows (read again), the fed ones x's.
	loss := func() float64 {
		xx := slices.Clone(x)
		E := r.P.W(NameEmbed)
		for b := range B {
			for i := range T {
				if i >= from[b] && i < to[b] {
					continue
				}
				copy(xx[(b*T+i)*d:(b*T+i+1)*d], E[inputs[b*T+i]*d:(inputs[b*T+i]+1)*d])
			}
		}
		wk2 := r.NewWork(B, T)
		return float64(r.sstFromX(wk2, xx, inputs, targets, w, from, to, B, T, 1))
	}
	rng := rand.New(rand.NewPCG(9, 9))
	checked, nonzero := 0, 0
	for _, name := range r.P.Names() {
		W := r.P.W(name)
		idx := []int{rng.IntN(len(W)), rng.IntN(len(W)), rng.IntN(len(W))}
		if name == NameEmbed {
			idx = append(idx, 6*d+1, 6*d+7) // the row only fed positions use
		}
		for _, i := range idx {
			old := W[i]
			const eps = 1e-2
			W[i] = old + eps
			lp := loss()
			W[i] = old - eps
			lm := loss()
			W[i] = old
			fd := (lp - lm) / (2 * eps)
			an := float64(g[name][i])
			if math.Abs(fd-an) > 2e-3+0.05*math.Abs(fd) {
				t.Errorf("%s[%d]: analytic %.5g, finite difference %.5g", name, i, an, fd)
			}
			if name == NameEmbed && i >= 6*d && i < 7*d && an != 0 {
				t.Errorf("E row 6 (a token only at fed positions) got gradient %g", an)
			}
			checked++
			if math.Abs(an) > 1e-4 {
				nonzero++
			}
		}
	}
	if nonzero < checked/3 {
		t.Errorf("only %d of %d checked gradients are nonzero: the check says little", nonzero, checked)
	}
}

// In the major mode every fed input's nearest target row (cosine, computed
// here in float64) is the token it replaces, and the margin is the least
// one: a weight a little under it leaves some fed input nearer another row
// whenever the unboosted latent was not already nearest its token.
func TestSSTLossFedMajorMakesTheTokenNearest(t *testing.T) {
	r, inputs, targets, w, from, to, B, T := sstFedFixture(t)
	d, V := r.Cfg.D, r.Cfg.Vocab
	nearest := func(v []float32) int {
		best, arg := math.Inf(-1), -1
		var vn float64
		for _, x := range v {
			vn += float64(x) * float64(x)
		}
		for tok := range V {
			row := r.Target[tok*d : (tok+1)*d]
			var dot, rn float64
			for j := range row {
				dot += float64(row[j]) * float64(v[j])
				rn += float64(row[j]) * float64(row[j])
			}
			if c := dot / math.Sqrt(rn*vn); c > best {
				best, arg = c, tok
			}
		}
		return arg
	}
	// Unboosted fed inputs: how many are not nearest their token already.
	wk := r.NewWork(B, T)
	r.SSTLossFed(wk, inputs, targets, w, from, to, 2, nil, false, B, T)
	plain := append([]float32(nil), wk.x[:B*T*d]...)
	off := 0
	for b := range B {
		for i := from[b]; i < to[b]; i++ {
			if nearest(plain[(b*T+i)*d:(b*T+i+1)*d]) != inputs[b*T+i] {
				off++
			}
		}
	}
	if off == 0 {
		t.Fatal("fixture: every unboosted fed input is already nearest its token; the test could not fail")
	}
	for _, boost := range [][]float32{nil, make([]float32, B*T)} {
		if boost != nil {
			rng := rand.New(rand.NewPCG(8, 9))
			for i := range boost {
				boost[i] = 0.3 * rng.Float32()
			}
		}
		wk := r.NewWork(B, T)
		r.SSTLossFed(wk, inputs, targets, w, from, to, 2, boost, true, B, T)
		for b := range B {
			for i := from[b]; i < to[b]; i++ {
				got := wk.x[(b*T+i)*d : (b*T+i+1)*d]
				if n := nearest(got); n != inputs[b*T+i] {
					t.Errorf("boost %v: fed input (%d,%d) nearest row %d, want its token %d", boost != nil, b, i, n, inputs[b*T+i])
				}
			}
		}
	}
	// Least: 0.99 of the margin leaves a fed input nearer another row.
	units := unitRows(r.Target, V, d)
	dots := make([]float32, V)
	short := 0
	for b := range B {
		for i := from[b]; i < to[b]; i++ {
			s := plain[(b*T+i)*d : (b*T+i+1)*d]
			tok := inputs[b*T+i]
			m := majorMargin(s, units, dots, tok, d)
			v := make([]float32, d)
			for j := range v {
				v[j] = s[j] + 0.99*(m-1e-4)/1.001*units[tok*d+j]
			}
			if m > 0 && nearest(v) != tok {
				short++
			}
		}
	}
	if short != off {
		t.Errorf("%d fed inputs needed a margin, %d are still off at 0.99 of it", off, short)
	}
}
