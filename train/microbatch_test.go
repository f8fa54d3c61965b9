package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"jrx/nn"
)

func paramGrads(p *nn.ParamSet) map[string][]float32 {
	out := map[string][]float32{}
	for _, n := range p.Names() {
		out[n] = slices.Clone(p.G(n))
	}
	return out
}

func sameGrads(t *testing.T, what string, a, b map[string][]float32) {
	t.Helper()
	for name, g := range a {
		var num, den float64
		for i, v := range g {
			d := float64(v) - float64(b[name][i])
			num, den = num+d*d, den+float64(v)*float64(v)
		}
		if den == 0 && num == 0 {
			continue
		}
		if !(math.Sqrt(num/den) <= 1e-5) {
			t.Errorf("%s: gradient of %s differs by %.3g (relative) between one batch and micro-batches", what, name, math.Sqrt(num/den))
		}
	}
}

// The grammar recipe's micro_batches: T0's step and SST's step over
// length-sorted micro-batches accumulate the gradient and loss of one
// padded batch (to float32 rounding), markers included.
func TestCFGMicroBatchesMatchTheBatch(t *testing.T) {
	r := TinyCFGRecipe()
	r.Batch, r.PretrainMarkers = 12, 0.5
	tr := &CFGTrainer{Recipe: r}
	var err error
	if tr.task, tr.pretask, err = r.Tasks(); err != nil {
		t.Fatal(err)
	}
	net, err := tr.newTokenNet()
	if err != nil {
		t.Fatal(err)
	}
	step := func(n int) (float32, map[string][]float32) {
		tr.Recipe.MicroBatches = n
		l := tr.tokenLoop("pretrain", net, 1, nn.Schedule{Peak: 1e-3, Total: 1})
		net.P.ZeroGrad()
		loss, _ := l.do(0, rand.New(rand.NewPCG(3, 4)))
		return loss, paramGrads(net.P)
	}
	l1, g1 := step(0)
	for _, n := range []int{2, 5} {
		ln, gn := step(n)
		if !(math.Abs(float64(l1-ln)) <= 1e-5*math.Abs(float64(l1))) {
			t.Errorf("T0, %d micro-batches: loss %v against %v", n, ln, l1)
		}
		sameGrads(t, "T0", g1, gn)
	}

	// SST (self-fed, major margin; no drawn boost, whose draws follow the
	// layout).
	tr.Recipe.SSTFeedPasses, tr.Recipe.SSTFeedBoost, tr.Recipe.SSTFeedMajor = 1, 0, true
	rn, err := ReasonerFromT0(net, r.ReasonerLayers)
	if err != nil {
		t.Fatal(err)
	}
	wk := rn.NewWork(r.Batch, tr.pretask.Grammar().MaxLen()+1)
	ps := sampleProblems(tr.pretask, rand.New(rand.NewPCG(5, 6)), r.Batch)
	b, _ := tokenBatch(ps)
	rn.P.ZeroGrad()
	whole := tr.sstPart(rn, wk, b, nil, 1)
	gw := paramGrads(rn.P)
	rn.P.ZeroGrad()
	var sum float32
	for _, part := range microBatches(b, 3) {
		pb, _ := tokenBatch(pick(ps, part))
		if pb.T > b.T {
			t.Fatalf("a micro-batch is longer (%d) than the batch (%d)", pb.T, b.T)
		}
		s := float32(weightSum(pb.WSST) / weightSum(b.WSST))
		sum += s * tr.sstPart(rn, wk, pb, nil, s)
	}
	if !(math.Abs(float64(whole-sum)) <= 1e-5*math.Abs(float64(whole))) {
		t.Errorf("SST: loss %v from micro-batches against %v", sum, whole)
	}
	sameGrads(t, "SST", gw, paramGrads(rn.P))
}

// Rows are split by length, shortest first, in groups as even as can be.
func TestMicroBatchesSplitByLength(t *testing.T) {
	pre := tinyPretask(t)
	b, _ := tokenBatch(sampleProblems(pre, rand.New(rand.NewPCG(7, 8)), 10))
	parts := microBatches(b, 3)
	var seen []int
	prevMax := -1
	for _, p := range parts {
		if len(p) < 3 || len(p) > 4 {
			t.Errorf("part of %d rows; want 3 or 4 of 10", len(p))
		}
		for _, j := range p {
			if b.SeqLen[j] < prevMax {
				t.Errorf("row %d (length %d) after a longer one (%d)", j, b.SeqLen[j], prevMax)
			}
		}
		for _, j := range p {
			prevMax = max(prevMax, b.SeqLen[j])
		}
		seen = append(seen, p...)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("rows %v; want each of 0…9 once", seen)
	}
}
