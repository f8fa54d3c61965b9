package latent

import (
	"math"
	"testing"
)

// A batch split into micro-batches, each cut to its own length and its
// gradient scaled by its share of the loss weight, accumulates the whole
// batch's loss and gradient (to float32 rounding): the grammar recipe's
// micro_batches rest on it. Row 0 of the fixture has no loss weight after
// position 10, so its micro-batch is one position shorter (causality:
// cutting trailing positions changes nothing before them).
func TestMicroBatchesAccumulateTheBatch(t *testing.T) {
	r, inputs, targets, w, from, to, B, T := sstFedFixture(t)
	rowLen := []int{to[0], T}
	var wAll float64
	for _, v := range w {
		wAll += float64(v)
	}
	parts := func(call func(b, n int, scale float32) float32) float32 {
		var loss float64
		for b := range B {
			n := rowLen[b]
			var wb float64
			for _, v := range w[b*T : b*T+n] {
				wb += float64(v)
			}
			scale := float32(wb / wAll)
			loss += float64(scale) * float64(call(b, n, scale))
		}
		return float32(loss)
	}
	for _, c := range []struct {
		name  string
		whole func() float32
		part  func(b, n int, scale float32) float32
	}{
		{"token", func() float32 {
			wk := r.NewWork(B, T)
			l, _ := r.TokenLoss(wk, inputs, targets, nil, w, nil, B, T)
			return l
		}, func(b, n int, scale float32) float32 {
			wk := r.NewWork(1, n)
			l, _ := r.TokenLossScaled(wk, inputs[b*T:b*T+n], targets[b*T:b*T+n], nil, w[b*T:b*T+n], nil, 1, n, scale)
			return l
		}},
		{"sst self-fed", func() float32 {
			return r.SSTLossFed(r.NewWork(B, T), inputs, targets, w, from, to, 1, nil, true, B, T)
		}, func(b, n int, scale float32) float32 {
			return r.SSTLossFedScaled(r.NewWork(1, n), inputs[b*T:b*T+n], targets[b*T:b*T+n], w[b*T:b*T+n],
				from[b:b+1], []int{min(to[b], n)}, 1, nil, true, 1, n, scale)
		}},
	} {
		r.P.ZeroGrad()
		lw := c.whole()
		gw := grads(r)
		r.P.ZeroGrad()
		lp := parts(c.part)
		gp := grads(r)
		if d := math.Abs(float64(lw - lp)); !(d <= 1e-5*math.Abs(float64(lw))) {
			t.Errorf("%s: loss %v whole, %v from micro-batches", c.name, lw, lp)
		}
		for name, g := range gw {
			var num, den float64
			for i, v := range g {
				num += (float64(v) - float64(gp[name][i])) * (float64(v) - float64(gp[name][i]))
				den += float64(v) * float64(v)
			}
			if den > 0 && !(math.Sqrt(num/den) <= 1e-5) {
				t.Errorf("%s: gradient of %s differs by %.3g (relative)", c.name, name, math.Sqrt(num/den))
			}
			if den == 0 && num != 0 {
				t.Errorf("%s: gradient of %s is zero whole but not from micro-batches", c.name, name)
			}
		}
	}
}
