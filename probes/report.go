package probes

import (
	"context"
	"time"

	"jrx/baseline"
	"jrx/latent"
	"jrx/talker"
	"jrx/tasks"
)

// TreeReport holds the paper's Experiment-1 figures measured on fresh trees.
type TreeReport struct {
	N     int    `json:"n"`
	Seed  uint64 `json:"seed"`
	Depth int    `json:"depth"`
	// Route exact match (the whole answer: route nodes and EOS).
	ReasonerMonoExact float64 `json:"reasoner_mono_exact"`
	ReasonerDualExact float64 `json:"reasoner_dual_exact"`
	BaselineExact     float64 `json:"baseline_exact"`
	// The free-running chain read out by the nearest target-table row.
	ReasonerNearestExact float64 `json:"reasoner_nearest_exact"`
	// Correct child has the larger coefficient on the siblings' plane.
	MajorContributorRate float64 `json:"major_contributor_rate"`
	// Mean percentile of the siblings' plane among all letter pairs.
	SiblingPlaneRankPct float64           `json:"sibling_plane_rank_pct"`
	PlaneSteps          int               `json:"plane_steps"`
	Hashes              map[string]string `json:"model_sha256,omitempty"`
	Seconds             float64           `json:"seconds"`
}

// Paper's figures for the table printed beside ours (PAPER.md).
const (
	PaperMonoExact    = 0.9987
	PaperMajorRate    = 0.9989
	PaperPlaneRankPct = 1.72
)

// EvalTree measures every figure on n fresh leaf-target trees of the given
// depth drawn from seed.
func EvalTree(ctx context.Context, r *latent.Reasoner, mono *talker.Mono, dual *talker.Dual, base *baseline.Model, depth, n int, seed uint64) (TreeReport, error) {
	start := time.Now()
	cfg := tasks.TreeConfig{Depth: depth}
	if err := cfg.Validate(); err != nil {
		return TreeReport{}, err
	}
	set := NewTreeSet(cfg, seed, n)
	rep := TreeReport{N: n, Seed: seed, Depth: depth}
	lat := FreeLatents(r, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.ReasonerNearestExact = NearestExact(r.Target, r.Cfg.D, lat, set)
	rep.ReasonerMonoExact = MonoExact(mono, lat, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.ReasonerDualExact = DualExact(dual, lat, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.BaselineExact = TokenExact(base.Net, set)
	rep.MajorContributorRate, rep.SiblingPlaneRankPct, rep.PlaneSteps = SiblingStats(r.Target, r.Cfg.D, lat, set)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}
