package engine

import (
	"context"
	"math"
	"math/rand/v2"

	"jrx/tasks"
)

// ContainmentRow is one injected step of the token-error experiment: a
// wrong token forced into the coupled baseline, or into the Dual-Talker, at
// route step Step of every problem.
type ContainmentRow struct {
	Step int `json:"step"`
	// Route exact match counted over the steps the lane chose itself (the
	// forced step is excluded: it is wrong by construction).
	BaselineExact float64 `json:"baseline_exact"`
	DualExact     float64 `json:"reasoner_dual_exact"`
	MonoExact     float64 `json:"reasoner_mono_exact"`
	// Fraction of problems whose lane differs from its clean run after the
	// forced step (the error propagated).
	BaselinePropagated float64 `json:"baseline_propagated"`
	DualPropagated     float64 `json:"dual_propagated"`
	// MaxLatentChange is the largest |r − r(clean)| over every problem,
	// step and component, for both injections: 0 means contained by
	// construction.
	MaxLatentChange float64 `json:"max_latent_change"`
}

// SweepRow is one level of a sweep.
type SweepRow struct {
	Level float64 `json:"level"` // corruption fraction or noise σ
	// Per-step accuracy (token at step s equals the truth), s = 1..T.
	Mono     []float64 `json:"reasoner_mono_step_acc"`
	Dual     []float64 `json:"reasoner_dual_step_acc"`
	Baseline []float64 `json:"baseline_step_acc,omitempty"`
	// The same relative to level 0.
	MonoRel     []float64 `json:"reasoner_mono_step_rel"`
	DualRel     []float64 `json:"reasoner_dual_step_rel"`
	BaselineRel []float64 `json:"baseline_step_rel,omitempty"`
	// Whole-answer exact match.
	MonoExact     float64 `json:"reasoner_mono_exact"`
	DualExact     float64 `json:"reasoner_dual_exact"`
	BaselineExact float64 `json:"baseline_exact,omitempty"`
}

// ContainmentReport is the output of jrx eval containment.
type ContainmentReport struct {
	N          int               `json:"n"`
	Seed       uint64            `json:"seed"`
	Depth      int               `json:"depth"`
	Injected   []ContainmentRow  `json:"token_errors"`
	Corruption []SweepRow        `json:"input_corruption"`
	Noise      []SweepRow        `json:"latent_noise"`
	Hashes     map[string]string `json:"model_sha256"`
}

// wrongToken picks the error injected at step s (1-based) of tree tr: the
// sibling of the correct child where there is one (the plausible mistake),
// otherwise another letter of the tree.
func wrongToken(tr *tasks.Tree, answer []int, s int, rng *rand.Rand) int {
	if _, sib, ok := tr.Siblings(s - 1); ok && s < len(answer) {
		return sib
	}
	nodes := tr.Nodes()
	for {
		t := nodes[rng.IntN(len(nodes))]
		if t != answer[s-1] {
			return t
		}
	}
}

// Containment runs the token-error experiment and the two sweeps over n
// problems drawn from seed. progress (may be nil) gets (done, total).
func Containment(ctx context.Context, set *Set, n int, seed uint64, progress func(done, total int)) (ContainmentReport, error) {
	depth := set.Depth()
	rep := ContainmentReport{N: n, Seed: seed, Depth: depth, Hashes: set.Hashes}
	T := depth + 1
	corr := []float64{0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30}
	noise := []float64{0, 0.05, 0.10, 0.15}
	total := n * (2*T + len(corr) + len(noise))
	done := 0
	tick := func() {
		done++
		if progress != nil && (done%64 == 0 || done == total) {
			progress(done, total)
		}
	}
	rows := make([]ContainmentRow, T)
	for i := range rows {
		rows[i].Step = i + 1
	}
	corrRows := make([]SweepRow, len(corr))
	noiseRows := make([]SweepRow, len(noise))
	for i := range corrRows {
		corrRows[i] = SweepRow{Level: corr[i], Mono: make([]float64, T), Dual: make([]float64, T), Baseline: make([]float64, T)}
	}
	for i := range noiseRows {
		noiseRows[i] = SweepRow{Level: noise[i], Mono: make([]float64, T), Dual: make([]float64, T)}
	}
	opts := Options{Light: true}
	for k := 0; k < n; k++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		p, err := NewProblem(depth, seed+uint64(k)*7919)
		if err != nil {
			return rep, err
		}
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		answer := p.Tree.Answer(nil)
		for s := 1; s <= T; s++ {
			wrong := wrongToken(p.Tree, answer, s, rng)
			for _, kind := range []Kind{BaselineToken, TalkerToken} {
				sess, err := NewSession(set, p, []Injection{{Kind: kind, Step: s, Token: wrong}}, opts)
				if err != nil {
					return rep, err
				}
				if err := sess.RunToEnd(); err != nil {
					return rep, err
				}
				sum := sess.Summary()
				for _, l := range sum.Lanes {
					ok := b2f(l.Correct)
					prop := b2f(l.Verdict == VerdictPropagated)
					switch {
					case l.Name == LaneReasoner:
						rows[s-1].MaxLatentChange = math.Max(rows[s-1].MaxLatentChange, l.MaxLatentChange)
					case l.Name == LaneBaseline && kind == BaselineToken:
						rows[s-1].BaselineExact += ok
						rows[s-1].BaselinePropagated += prop
					case l.Name == LaneDual && kind == TalkerToken:
						rows[s-1].DualExact += ok
						rows[s-1].DualPropagated += prop
					case l.Name == LaneMono && kind == TalkerToken:
						rows[s-1].MonoExact += ok
					}
				}
				tick()
			}
		}
		for i, f := range corr {
			if err := sweepOne(set, p, []Injection{{Kind: InputCorrupt, Frac: f}}, answer, &corrRows[i], true); err != nil {
				return rep, err
			}
			tick()
		}
		for i, sg := range noise {
			if err := sweepOne(set, p, []Injection{{Kind: Noise, Sigma: sg}}, answer, &noiseRows[i], false); err != nil {
				return rep, err
			}
			tick()
		}
	}
	fn := float64(max(n, 1))
	for i := range rows {
		r := &rows[i]
		r.BaselineExact /= fn
		r.DualExact /= fn
		r.MonoExact /= fn
		r.BaselinePropagated /= fn
		r.DualPropagated /= fn
	}
	finish := func(rows []SweepRow, withBase bool) {
		for i := range rows {
			r := &rows[i]
			r.MonoExact /= fn
			r.DualExact /= fn
			r.BaselineExact /= fn
			for s := range r.Mono {
				r.Mono[s] /= fn
				r.Dual[s] /= fn
				if withBase {
					r.Baseline[s] /= fn
				}
			}
		}
		for i := range rows {
			r := &rows[i]
			r.MonoRel, r.DualRel = rel(r.Mono, rows[0].Mono), rel(r.Dual, rows[0].Dual)
			if withBase {
				r.BaselineRel = rel(r.Baseline, rows[0].Baseline)
			}
		}
	}
	finish(corrRows, true)
	finish(noiseRows, false)
	rep.Injected, rep.Corruption, rep.Noise = rows, corrRows, noiseRows
	return rep, nil
}

func sweepOne(set *Set, p Problem, inj []Injection, answer []int, row *SweepRow, withBase bool) error {
	sess, err := NewSession(set, p, inj, Options{Light: true})
	if err != nil {
		return err
	}
	if err := sess.RunToEnd(); err != nil {
		return err
	}
	snaps := sess.Snapshots()
	dual := snaps[len(snaps)-1].DualSoFar
	monoOK, dualOK, baseOK := 1.0, 1.0, 1.0
	for s, sn := range snaps {
		m, d, b := b2f(sn.Mono == answer[s]), b2f(dual[s] == answer[s]), b2f(sn.Baseline == answer[s])
		row.Mono[s] += m
		row.Dual[s] += d
		monoOK, dualOK = monoOK*m, dualOK*d
		if withBase {
			row.Baseline[s] += b
			baseOK *= b
		}
	}
	row.MonoExact += monoOK
	row.DualExact += dualOK
	if withBase {
		row.BaselineExact += baseOK
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func rel(v, ref []float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		if ref[i] > 0 {
			out[i] = v[i] / ref[i]
		}
	}
	return out
}
