package latent

import (
	"math"
	"math/rand/v2"
	"testing"

	"jrx/nn"
)

// freeRunFixture is a Reasoner of the default shape (d 128, 6 blocks) with
// random weights, a batch of prompts, and the Talker stages' sizes.
func freeRunFixture(tb testing.TB, B int) (r *Reasoner, prompts []int, P, steps int) {
	tb.Helper()
	cfg := DefaultConfig(33)
	r, err := New(cfg, true, false)
	if err != nil {
		tb.Fatal(err)
	}
	r.Init(7)
	P, steps = 46, 5
	rng := rand.New(rand.NewPCG(1, 2))
	prompts = make([]int, B*P)
	for i := range prompts {
		prompts[i] = rng.IntN(cfg.Vocab)
	}
	return r, prompts, P, steps
}

// TestFreeRunBatchKVMatches checks the batched-KV-cache free run against
// FreeRunBatch (a Forward over the whole sequences at every step): within
// 1e-5 on every path, and bit for bit on the pure-Go kernel paths. The
// cache and work are reused for a second, smaller batch.
func TestFreeRunBatchKVMatches(t *testing.T) {
	const B = 6
	r, prompts, P, steps := freeRunFixture(t, B)
	d := r.Cfg.D
	wk := r.NewWork(B, P+steps-1)
	c := r.NewFreeRunCache(B, P+steps-1)
	for _, b := range []int{B, 2} {
		want := make([]float32, b*steps*d)
		got := make([]float32, b*steps*d)
		r.FreeRunBatch(wk, prompts[:b*P], b, P, steps, want)
		r.FreeRunBatchKV(wk, c, prompts[:b*P], b, P, steps, got)
		worst, same := 0.0, 0
		for i := range want {
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
			if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
				same++
			}
		}
		t.Logf("%s, batch %d: max |Δ| %.3g, %d of %d values bit-identical", nn.KernelName(), b, worst, same, len(want))
		if !(worst <= 1e-5) {
			t.Fatalf("batch %d: FreeRunBatchKV differs from FreeRunBatch by %.3g > 1e-5", b, worst)
		}
		if nn.KernelName() != "openblas" && same != len(want) {
			t.Fatalf("batch %d: %d of %d latents differ in their bits on the %s path", b, len(want)-same, len(want), nn.KernelName())
		}
	}
}

// BenchmarkFreeRun compares the Talker stages' free run (batch 64, the tree
// prompt of 46 tokens, 5 latents) done by whole-sequence passes and on the
// batched KV cache.
func BenchmarkFreeRun(b *testing.B) {
	const B = 64
	r, prompts, P, steps := freeRunFixture(b, B)
	wk := r.NewWork(B, P+steps-1)
	c := r.NewFreeRunCache(B, P+steps-1)
	lat := make([]float32, B*steps*r.Cfg.D)
	b.Run("FreeRunBatch", func(b *testing.B) {
		for b.Loop() {
			r.FreeRunBatch(wk, prompts, B, P, steps, lat)
		}
	})
	b.Run("FreeRunBatchKV", func(b *testing.B) {
		for b.Loop() {
			r.FreeRunBatchKV(wk, c, prompts, B, P, steps, lat)
		}
	})
}
