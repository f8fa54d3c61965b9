package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

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
	N        int              `json:"n"`
	Seed     uint64           `json:"seed"`
	Depth    int              `json:"depth"`
	Injected []ContainmentRow `json:"token_errors"`
	// EOS is the same experiment with a premature EOS forced at route
	// steps 1..T−1 (the error a coupled model cannot read past, when it
	// derails).
	EOS []ContainmentRow `json:"premature_eos"`
	// Early is the same with the target forced at route steps 1..T−2 (a
	// skipped level: the answer jumps to the leaf too early).
	Early      []ContainmentRow  `json:"target_too_early"`
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
// Problems run on GOMAXPROCS workers; every sum is a count, so the report
// does not depend on their number or order.
func Containment(ctx context.Context, set *Set, n int, seed uint64, progress func(done, total int)) (ContainmentReport, error) {
	return containment(ctx, set, n, seed, runtime.GOMAXPROCS(0), progress)
}

var (
	corrLevels  = []float64{0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30}
	noiseLevels = []float64{0, 0.05, 0.10, 0.15}
)

// tally is the experiment's running sums (one problem's, or all of them).
type tally struct {
	rows, eos, early []ContainmentRow
	corr, noise      []SweepRow
}

func newTally(T int) *tally {
	t := &tally{rows: make([]ContainmentRow, T), eos: make([]ContainmentRow, T-1), early: make([]ContainmentRow, T-2), corr: make([]SweepRow, len(corrLevels)), noise: make([]SweepRow, len(noiseLevels))}
	for i := range t.rows {
		t.rows[i].Step = i + 1
	}
	for i := range t.eos {
		t.eos[i].Step = i + 1
	}
	for i := range t.early {
		t.early[i].Step = i + 1
	}
	for i := range t.corr {
		t.corr[i] = SweepRow{Level: corrLevels[i], Mono: make([]float64, T), Dual: make([]float64, T), Baseline: make([]float64, T)}
	}
	for i := range t.noise {
		t.noise[i] = SweepRow{Level: noiseLevels[i], Mono: make([]float64, T), Dual: make([]float64, T)}
	}
	return t
}

func (t *tally) add(o *tally) {
	addRows := func(dst, src []ContainmentRow) {
		for i := range dst {
			r, x := &dst[i], &src[i]
			r.BaselineExact += x.BaselineExact
			r.DualExact += x.DualExact
			r.MonoExact += x.MonoExact
			r.BaselinePropagated += x.BaselinePropagated
			r.DualPropagated += x.DualPropagated
			r.MaxLatentChange = math.Max(r.MaxLatentChange, x.MaxLatentChange)
		}
	}
	addRows(t.rows, o.rows)
	addRows(t.eos, o.eos)
	addRows(t.early, o.early)
	addSweep := func(dst, src []SweepRow) {
		for i := range dst {
			d, x := &dst[i], &src[i]
			d.MonoExact += x.MonoExact
			d.DualExact += x.DualExact
			d.BaselineExact += x.BaselineExact
			for s := range d.Mono {
				d.Mono[s] += x.Mono[s]
				d.Dual[s] += x.Dual[s]
				if d.Baseline != nil {
					d.Baseline[s] += x.Baseline[s]
				}
			}
		}
	}
	addSweep(t.corr, o.corr)
	addSweep(t.noise, o.noise)
}

// sessionsPerProblem is the number of injected sessions one problem takes.
func sessionsPerProblem(T int) int {
	return 2*T + 2*(T-1) + 2*(T-2) + len(corrLevels) + len(noiseLevels)
}

// containmentProblem runs problem k's injected sessions against one shared
// clean run; tick is called after each session.
func containmentProblem(set *Set, k int, seed uint64, tick func()) (*tally, error) {
	depth := set.Depth()
	T := depth + 1
	tl := newTally(T)
	opts := Options{Light: true}
	p, err := NewProblem(depth, seed+uint64(k)*7919)
	if err != nil {
		return nil, err
	}
	clean, err := cleanRun(set, p, opts)
	if err != nil {
		return nil, err
	}
	run := func(inj []Injection) (*Session, error) {
		sess, err := newWithClean(set, p, inj, opts, clean)
		if err != nil {
			return nil, err
		}
		err = sess.RunToEnd()
		tick()
		return sess, err
	}
	// tokenError forces wrong into the baseline, then into the Dual-Talker,
	// at step s, and counts the outcome into row.
	tokenError := func(s, wrong int, row *ContainmentRow) error {
		for _, kind := range []Kind{BaselineToken, TalkerToken} {
			sess, err := run([]Injection{{Kind: kind, Step: s, Token: wrong}})
			if err != nil {
				return err
			}
			for _, l := range sess.Summary().Lanes {
				ok := b2f(l.Correct)
				prop := b2f(l.Verdict == VerdictPropagated)
				switch {
				case l.Name == LaneReasoner:
					row.MaxLatentChange = math.Max(row.MaxLatentChange, l.MaxLatentChange)
				case l.Name == LaneBaseline && kind == BaselineToken:
					row.BaselineExact += ok
					row.BaselinePropagated += prop
				case l.Name == LaneDual && kind == TalkerToken:
					row.DualExact += ok
					row.DualPropagated += prop
				case l.Name == LaneMono && kind == TalkerToken:
					row.MonoExact += ok
				}
			}
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, uint64(k)))
	answer := p.Tree.Answer(nil)
	for s := 1; s <= T; s++ {
		if err := tokenError(s, wrongToken(p.Tree, answer, s, rng), &tl.rows[s-1]); err != nil {
			return nil, err
		}
	}
	for s := 1; s < T; s++ {
		if err := tokenError(s, tasks.IDEOS, &tl.eos[s-1]); err != nil {
			return nil, err
		}
	}
	for s := 1; s < T-1; s++ {
		if err := tokenError(s, p.Tree.Target(), &tl.early[s-1]); err != nil {
			return nil, err
		}
	}
	for i, f := range corrLevels {
		sess, err := run([]Injection{{Kind: InputCorrupt, Frac: f}})
		if err != nil {
			return nil, err
		}
		sweepOne(sess, answer, &tl.corr[i], true)
	}
	for i, sg := range noiseLevels {
		sess, err := run([]Injection{{Kind: Noise, Sigma: sg}})
		if err != nil {
			return nil, err
		}
		sweepOne(sess, answer, &tl.noise[i], false)
	}
	return tl, nil
}

func containment(ctx context.Context, set *Set, n int, seed uint64, workers int, progress func(done, total int)) (ContainmentReport, error) {
	depth := set.Depth()
	rep := ContainmentReport{N: n, Seed: seed, Depth: depth, Hashes: set.Hashes}
	T := depth + 1
	if T < 3 {
		return rep, fmt.Errorf("containment: depth-%d trees have no route step before the leaf; the experiment needs depth 2 or more", depth)
	}
	total := n * sessionsPerProblem(T)
	var mu sync.Mutex
	done := 0
	tick := func() {
		mu.Lock()
		defer mu.Unlock()
		done++
		if progress != nil && (done%64 == 0 || done == total) {
			progress(done, total)
		}
	}
	workers = max(1, min(workers, n))
	sum := newTally(T)
	var (
		next     atomic.Int64
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n || ctx.Err() != nil {
					return
				}
				tl, err := containmentProblem(set, k, seed, tick)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					next.Store(int64(n)) // stop the others
				} else {
					sum.add(tl)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return rep, firstErr
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	fn := float64(max(n, 1))
	for _, rows := range [][]ContainmentRow{sum.rows, sum.eos, sum.early} {
		for i := range rows {
			r := &rows[i]
			r.BaselineExact /= fn
			r.DualExact /= fn
			r.MonoExact /= fn
			r.BaselinePropagated /= fn
			r.DualPropagated /= fn
		}
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
	finish(sum.corr, true)
	finish(sum.noise, false)
	rep.Injected, rep.EOS, rep.Early = sum.rows, sum.eos, sum.early
	rep.Corruption, rep.Noise = sum.corr, sum.noise
	return rep, nil
}

// sweepOne adds a finished sweep session's per-step accuracy to row.
func sweepOne(sess *Session, answer []int, row *SweepRow, withBase bool) {
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
