package train

import (
	"strings"
	"testing"
)

func synthCurve(k float32, rates ...float64) SSTCurve {
	c := SSTCurve{Format: SSTCurveFormat, Task: "tree", Depth: 3, K: k, Seed: 1, EvalN: 256, EvalSeed: 9, Every: 10, SSTSteps: 10 * (len(rates) - 1)}
	for i, r := range rates {
		c.Points = append(c.Points, CurvePoint{Step: 10 * i, MajorRate: r, NearestExact: r / 2})
	}
	return c
}

func TestKSweepSummary(t *testing.T) {
	// Steps 0…80; the last quarter is steps 60, 70, 80.
	k4 := synthCurve(4, 0.5, 0.9, 0.96, 0.97, 0.99, 0.99, 1, 1, 1)
	k1 := synthCurve(1, 0.5, 0.6, 0.7, 0.8, 0.9, 0.94, 0.97, 0.98, 0.99)
	k2 := synthCurve(2, 0.5, 0.6, 0.7, 0.8, 0.9, 0.92, 0.93, 0.93, 0.94)
	// Above the threshold at the start, a dip, then above for good: it
	// stays from step 40.
	k3 := synthCurve(3, 0.96, 0.97, 0.9, 0.94, 0.95, 0.96, 0.96, 0.97, 0.97)
	rep, err := KSweep([]string{"d4", "d1", "d2", "d3"}, []SSTCurve{k4, k1, k2, k3}, 0.95, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 4 || rep.Runs[0].Dir != "d1" || rep.Runs[1].Dir != "d2" || rep.Runs[2].Dir != "d3" || rep.Runs[3].Dir != "d4" {
		t.Fatalf("runs not sorted by k: %+v", rep.Runs)
	}
	want := []struct {
		final, plateau float64
		reach          int
	}{
		{0.99, (0.97 + 0.98 + 0.99) / 3, 60},
		{0.94, (0.93 + 0.93 + 0.94) / 3, -1},
		{0.97, (0.96 + 0.97 + 0.97) / 3, 40},
		{1, 1, 20},
	}
	for i, w := range want {
		r := rep.Runs[i]
		if r.Final != w.final || r.FinalStep != 80 || r.ReachStep != w.reach || r.PlateauFrom != 60 || !approx(r.Plateau, w.plateau) || r.FinalNearest != w.final/2 {
			t.Errorf("k %g: %+v, want final %v reach %d plateau %v from 60", r.K, r, w.final, w.reach, w.plateau)
		}
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes for comparable runs: %v", rep.Notes)
	}
	// Runs that differ in more than k are named.
	k2.Depth, k2.Seed = 4, 2
	rep, _ = KSweep([]string{"d1", "d2"}, []SSTCurve{k1, k2}, 0.95, 0.25)
	if s := strings.Join(rep.Notes, "\n"); !strings.Contains(s, "d2 has depth 4") || !strings.Contains(s, "training seed 2") {
		t.Errorf("notes %q", s)
	}
	if _, err := KSweep([]string{"x"}, []SSTCurve{{}}, 0.95, 0.25); err == nil || !strings.Contains(err.Error(), "no points") {
		t.Errorf("empty curve: %v", err)
	}
	if _, err := KSweep([]string{"x"}, []SSTCurve{k1}, 0.95, 0); err == nil {
		t.Error("plateau fraction 0 accepted")
	}
}

func approx(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }
