package train

import (
	"cmp"
	"fmt"
	"slices"
)

// PaperK1Plateau is the paper's App. D figure for k = 1: it learns latest
// and plateaus lowest, at about this correct major contributor rate
// (PAPER.md, Training).
const PaperK1Plateau = 0.98

// KSweepReport summarises the SST curves of runs that differ in the loss
// scale k (the paper's App. D sweep, k = 1…6).
type KSweepReport struct {
	// Threshold is the rate each run's ReachStep is about.
	Threshold float64 `json:"threshold"`
	// PlateauFrac: a run's plateau is its mean rate over the points in
	// the last PlateauFrac of its SST steps.
	PlateauFrac    float64     `json:"plateau_frac"`
	PaperK1Plateau float64     `json:"paper_k1_plateau"`
	Runs           []KSweepRun `json:"runs"`
	// Notes say where the runs are not comparable (another depth, seed,
	// evaluation set or SST length).
	Notes []string `json:"notes,omitempty"`
}

// KSweepRun is one run's curve and its summary.
type KSweepRun struct {
	Dir      string  `json:"dir"`
	K        float32 `json:"k"`
	Seed     uint64  `json:"seed"`
	Depth    int     `json:"depth"`
	EvalN    int     `json:"eval_n"`
	EvalSeed uint64  `json:"eval_seed"`
	SSTSteps int     `json:"sst_steps"`
	Every    int     `json:"every"`
	// Final is the rate at the last point (FinalStep), FinalNearest the
	// nearest-token route exact match there.
	Final        float64 `json:"final_rate"`
	FinalStep    int     `json:"final_step"`
	FinalNearest float64 `json:"final_route_exact_nearest"`
	// ReachStep is the step from which the rate stays ≥ Threshold: the
	// first point such that it and every later point are ≥ Threshold (-1:
	// the last point is below). Not the first crossing: SST can start
	// from a pretrained network already above the threshold and dip below
	// it before it learns (the depth-2 runs do).
	ReachStep int `json:"reach_step"`
	// Plateau is the mean rate over the points at steps ≥ PlateauFrom.
	Plateau     float64      `json:"plateau_rate"`
	PlateauFrom int          `json:"plateau_from_step"`
	Points      []CurvePoint `json:"points"`
}

// KSweep summarises curves (read from dirs, in the same order), sorted by
// k, then seed, then directory. threshold is the rate each run's ReachStep
// is about; plateauFrac (0 < f ≤ 1) the final share of SST steps the
// plateau averages over.
func KSweep(dirs []string, curves []SSTCurve, threshold, plateauFrac float64) (KSweepReport, error) {
	if len(dirs) != len(curves) {
		return KSweepReport{}, fmt.Errorf("ksweep: %d directories, %d curves", len(dirs), len(curves))
	}
	if !(plateauFrac > 0 && plateauFrac <= 1) {
		return KSweepReport{}, fmt.Errorf("ksweep: plateau fraction %g, want 0 < f ≤ 1", plateauFrac)
	}
	rep := KSweepReport{Threshold: threshold, PlateauFrac: plateauFrac, PaperK1Plateau: PaperK1Plateau}
	for i, c := range curves {
		if len(c.Points) == 0 {
			return KSweepReport{}, fmt.Errorf("%s: the SST curve has no points (SST was interrupted before its first measurement?)", dirs[i])
		}
		run := KSweepRun{Dir: dirs[i], K: c.K, Seed: c.Seed, Depth: c.Depth, EvalN: c.EvalN, EvalSeed: c.EvalSeed,
			SSTSteps: c.SSTSteps, Every: c.Every, ReachStep: -1, Points: c.Points}
		last := c.Points[len(c.Points)-1]
		run.Final, run.FinalStep, run.FinalNearest = last.MajorRate, last.Step, last.NearestExact
		for j := len(c.Points) - 1; j >= 0 && c.Points[j].MajorRate >= threshold; j-- {
			run.ReachStep = c.Points[j].Step
		}
		// The plateau window is the last plateauFrac of the steps measured
		// (at least the last point).
		run.PlateauFrom = last.Step - int(plateauFrac*float64(last.Step))
		var sum float64
		var n int
		for _, p := range c.Points {
			if p.Step >= run.PlateauFrom {
				sum += p.MajorRate
				n++
			}
		}
		run.Plateau = sum / float64(n)
		rep.Runs = append(rep.Runs, run)
	}
	slices.SortStableFunc(rep.Runs, func(a, b KSweepRun) int {
		return cmp.Or(cmp.Compare(a.K, b.K), cmp.Compare(a.Seed, b.Seed), cmp.Compare(a.Dir, b.Dir))
	})
	if len(rep.Runs) > 0 {
		r0 := rep.Runs[0]
		for _, r := range rep.Runs[1:] {
			for _, d := range []struct {
				what string
				a, b any
			}{{"depth", r0.Depth, r.Depth}, {"training seed", r0.Seed, r.Seed}, {"evaluation trees (n)", r0.EvalN, r.EvalN},
				{"evaluation seed", r0.EvalSeed, r.EvalSeed}, {"SST steps", r0.SSTSteps, r.SSTSteps}} {
				if d.a != d.b {
					rep.Notes = append(rep.Notes, fmt.Sprintf("%s has %s %v, %s has %v: the curves differ in more than k", r.Dir, d.what, d.b, r0.Dir, d.a))
				}
			}
		}
	}
	return rep, nil
}
