package treeprobe

import (
	"context"
	"fmt"
	"time"

	"jrx/baseline"
	"jrx/latent"
	"jrx/probes"
	"jrx/talker"
	"jrx/tasks"
	"jrx/tasks/tree"
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

// EvalTree measures every figure on n fresh trees of task (a tree task:
// leaf targets) drawn from seed.
func EvalTree(ctx context.Context, r *latent.Reasoner, mono *talker.Mono, dual *talker.Dual, base *baseline.Model, task tasks.Task, n int, seed uint64) (TreeReport, error) {
	start := time.Now()
	tt, ok := task.(*tree.Task)
	if !ok {
		return TreeReport{}, fmt.Errorf("eval tree: the model set's task is %q, not tree", task.Name())
	}
	set, err := probes.NewProblemSet(task, seed, n)
	if err != nil {
		return TreeReport{}, err
	}
	rep := TreeReport{N: n, Seed: seed, Depth: tt.Config().Levels()}
	lat := probes.FreeLatents(r, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.ReasonerNearestExact = probes.NearestExact(r.Target, r.Cfg.D, lat, set)
	rep.ReasonerMonoExact = probes.MonoExact(mono, lat, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.ReasonerDualExact = probes.DualExact(dual, lat, set)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.BaselineExact = probes.TokenExact(base.Net, set)
	rep.MajorContributorRate, rep.SiblingPlaneRankPct, rep.PlaneSteps = probes.RivalStats(r.Target, r.Cfg.D, lat, task.Vocab().Content(), set)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}
