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

// treeBatch is EvalTree's problems per batch: with the default model
// (d 128, 6 blocks, 50 positions) its forward-only buffers take ~18 MB,
// and jrx eval tree stays near 100 MB whatever --n.
const treeBatch = 32

// EvalTree measures every figure on n fresh trees of task (a tree task:
// leaf targets) drawn from seed. It streams: problems are drawn, run and
// counted treeBatch at a time into buffers reused by every batch, so its
// memory does not grow with n, and the figures are those of one pass over
// the whole set (each problem's numbers do not depend on the batch; the
// sums run in the same order).
func EvalTree(ctx context.Context, r *latent.Reasoner, mono *talker.Mono, dual *talker.Dual, base *baseline.Model, task tasks.Task, n int, seed uint64) (TreeReport, error) {
	start := time.Now()
	tt, ok := task.(*tree.Task)
	if !ok {
		return TreeReport{}, fmt.Errorf("eval tree: the model set's task is %q, not tree", task.Name())
	}
	rep := TreeReport{N: n, Seed: seed, Depth: tt.Config().Levels()}
	stream := probes.NewProblemStream(task, seed)
	var (
		bf                             = probes.Buffers{Batch: treeBatch}
		rival                          probes.RivalTally
		nearOK, monoOK, dualOK, baseOK int
	)
	content := task.Vocab().Content()
	for done := 0; done < n; {
		set, err := stream.Next(min(treeBatch, n-done))
		if err != nil {
			return TreeReport{}, err
		}
		lat := bf.FreeLatents(r, set)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		nearOK += probes.NearestCount(r.Target, r.Cfg.D, lat, set)
		monoOK += bf.MonoCount(mono, lat, set)
		dualOK += probes.DualCount(dual, lat, set)
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		baseOK += bf.TokenCount(base.Net, set)
		rival.Add(r.Target, r.Cfg.D, lat, content, set)
		done += set.Len()
	}
	frac := func(ok int) float64 { return float64(ok) / float64(max(n, 1)) }
	rep.ReasonerNearestExact = frac(nearOK)
	rep.ReasonerMonoExact = frac(monoOK)
	rep.ReasonerDualExact = frac(dualOK)
	rep.BaselineExact = frac(baseOK)
	rep.MajorContributorRate, rep.SiblingPlaneRankPct, rep.PlaneSteps = rival.Stats()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}
