package engine

import (
	"context"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	if m := median(xs); m != 3 {
		t.Errorf("median %v, want 3", m)
	}
	if xs[0] != 5 || xs[4] != 3 {
		t.Errorf("median reordered its input: %v", xs)
	}
	if m := median([]float64{2, 1}); m != 2 {
		t.Errorf("median of two %v, want the upper 2", m)
	}
}

// The latent bench's rounds: every figure present and consistent with the
// others (the strict bound uses the best pass, so it is no longer than the
// median one).
func TestBenchLatentRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates the 256 MiB bandwidth buffer")
	}
	set, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	lb, err := BenchLatent(context.Background(), set, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Steps < 20 || lb.Rounds < 1 || lb.Steps < lb.Rounds*benchRoundSteps {
		t.Fatalf("%d steps in %d rounds", lb.Steps, lb.Rounds)
	}
	if !(lb.BandwidthGBs > 0 && lb.BandwidthBestGBs >= lb.BandwidthGBs) {
		t.Errorf("bandwidth median %v, best %v", lb.BandwidthGBs, lb.BandwidthBestGBs)
	}
	wantBound := float64(lb.WeightBytes) / (lb.BandwidthGBs * 1e9) * 1e3
	if d := lb.BandwidthBoundMs - wantBound; d > 1e-9*wantBound || d < -1e-9*wantBound {
		t.Errorf("bound %v ms, weight bytes / bandwidth gives %v", lb.BandwidthBoundMs, wantBound)
	}
	strict := lb.StepMsP50 / (float64(lb.WeightBytes) / (lb.BandwidthBestGBs * 1e9) * 1e3)
	if d := lb.RatioToBestBound - strict; d > 1e-9*strict || d < -1e-9*strict {
		t.Errorf("strict ratio %v, want %v", lb.RatioToBestBound, strict)
	}
	if !(lb.RatioToBound > 0) {
		t.Errorf("ratio %v", lb.RatioToBound)
	}
}
