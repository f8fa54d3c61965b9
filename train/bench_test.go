package train

import (
	"context"
	"math"
	"testing"
	"time"
)

// TestBenchTrainCPUTime runs BenchTrain on a tiny shape: at least three
// steps, and with a CPUTime hook the CPU time between the hook's two reads
// over the timed seconds (a fake clock that advances 3 s between them).
func TestBenchTrainCPUTime(t *testing.T) {
	bc := BenchConfig{D: 16, Layers: 1, F: 32, Heads: 2, Batch: 2, Seq: 51, Duration: time.Millisecond}
	r, err := BenchTrain(context.Background(), bc)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps < 3 || !(r.TokensPerS > 0) || !(r.Seconds > 0) || r.CPUSeconds != 0 || r.CoresBusy != 0 {
		t.Fatalf("without a CPU clock: %+v", r)
	}
	reads := 0
	bc.CPUTime = func() time.Duration {
		reads++
		return time.Duration(reads) * 3 * time.Second
	}
	r, err = BenchTrain(context.Background(), bc)
	if err != nil {
		t.Fatal(err)
	}
	if reads != 2 {
		t.Fatalf("CPUTime read %d times, want 2 (before and after the timed steps)", reads)
	}
	if r.CPUSeconds != 3 || math.Abs(r.CoresBusy-3/r.Seconds) > 1e-9 {
		t.Fatalf("cpu_seconds %v cores_busy %v over %v s, want 3 and %v", r.CPUSeconds, r.CoresBusy, r.Seconds, 3/r.Seconds)
	}
}
