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

// ContainmentRow is one injected step of a token-error experiment: a
// wrong token forced, at route step Step of every problem, into each lane
// that can be forced (in turn, one session each).
type ContainmentRow struct {
	Step int `json:"step"`
	// Lanes has one entry per lane but the Reasoner's read-out, the forced
	// ones first (see ContainmentLanes).
	Lanes []LaneRate `json:"lanes"`
	// MaxLatentChange is the largest |r − r(clean)| over every problem,
	// step and component, for every injection: 0 means contained by
	// construction.
	MaxLatentChange float64 `json:"max_latent_change"`
}

// LaneRate is one lane's outcome in a token-error row.
type LaneRate struct {
	Lane string `json:"lane"`
	// Forced: the lane was the one forced (Propagated is meaningful).
	Forced bool `json:"forced"`
	// Exact: the answer is right on every step the lane chose itself (the
	// forced step is excluded: it is wrong by construction), over problems.
	Exact float64 `json:"exact"`
	// Propagated: the fraction of problems whose lane is still off its
	// clean run at its last step (verdict propagated); Recovered: left it
	// after the forced step, then rejoined it to the end (verdict
	// recovered). The rest are contained.
	Propagated float64 `json:"propagated"`
	Recovered  float64 `json:"recovered"`
	// N is the number of problems behind the rates: every problem on the
	// tree task; on a task whose answers differ in length, those that have
	// this step (and, for COCONUT, a token rather than a thought there).
	N int `json:"n"`
}

// SweepRow is one level of a sweep.
type SweepRow struct {
	Level float64     `json:"level"` // corruption fraction or noise σ
	Lanes []SweepLane `json:"lanes"` // the lanes the sweep's injection reaches, in lane order
}

// SweepLane is one lane's accuracy at one level of a sweep.
type SweepLane struct {
	Lane string `json:"lane"`
	// Per-step accuracy (token at step s equals the truth), s = 1..T, and
	// the same relative to level 0.
	Step []float64 `json:"step_acc"`
	Rel  []float64 `json:"step_rel"`
	// Whole-answer exact match.
	Exact float64 `json:"exact"`
	// count[s] is the number of problems with a step s+1 (the divisor of
	// Step[s]).
	count []int
}

// SweepLane returns the row's lane called name (nil when absent).
func (r SweepRow) Lane(name string) *SweepLane {
	for i := range r.Lanes {
		if r.Lanes[i].Lane == name {
			return &r.Lanes[i]
		}
	}
	return nil
}

// ContainmentLanes is the order of a token-error row's lanes: the lanes that
// can be forced, coupled models first, then the other lanes but the
// Reasoner's read-out, each group in lane order.
func ContainmentLanes(set *Set) []LaneInfo {
	var forced, coupled, rest []LaneInfo
	for _, l := range set.Lanes() {
		switch {
		case l.Kind == KindReadout:
		case l.Inject != "" && l.Kind == KindCoupled:
			coupled = append(coupled, l)
		case l.Inject != "":
			forced = append(forced, l)
		default:
			rest = append(rest, l)
		}
	}
	return append(append(coupled, forced...), rest...)
}

// ContainmentReport is the output of jrx eval containment.
type ContainmentReport struct {
	N        int              `json:"n"`
	Seed     uint64           `json:"seed"`
	Task     string           `json:"task"`
	Depth    int              `json:"depth,omitempty"` // the tree task's depth
	Lanes    []LaneInfo       `json:"lane_info"`
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

func newTally(set *Set, T int) *tally {
	t := &tally{rows: make([]ContainmentRow, T), eos: make([]ContainmentRow, T-1), early: make([]ContainmentRow, T-2), corr: make([]SweepRow, len(corrLevels)), noise: make([]SweepRow, len(noiseLevels))}
	lanes := ContainmentLanes(set)
	for _, rows := range [][]ContainmentRow{t.rows, t.eos, t.early} {
		for i := range rows {
			rows[i].Step = i + 1
			for _, l := range lanes {
				rows[i].Lanes = append(rows[i].Lanes, LaneRate{Lane: l.Name, Forced: l.Inject != ""})
			}
		}
	}
	sweepLanes := func(in Injection) []SweepLane {
		var out []SweepLane
		for _, l := range set.Lanes() {
			if l.Kind != KindReadout && in.Reaches(l) {
				out = append(out, SweepLane{Lane: l.Name, Step: make([]float64, T), count: make([]int, T)})
			}
		}
		return out
	}
	for i := range t.corr {
		t.corr[i] = SweepRow{Level: corrLevels[i], Lanes: sweepLanes(Injection{Kind: InputCorrupt, Frac: 1})}
	}
	for i := range t.noise {
		t.noise[i] = SweepRow{Level: noiseLevels[i], Lanes: sweepLanes(Injection{Kind: Noise, Sigma: 1})}
	}
	return t
}

// add adds o's counts to t (every sum is a count, so the order of problems
// does not change the result).
func (t *tally) add(o *tally) {
	for k, rows := range [][]ContainmentRow{t.rows, t.eos, t.early} {
		src := [][]ContainmentRow{o.rows, o.eos, o.early}[k]
		for i := range rows {
			r, x := &rows[i], &src[i]
			for j := range r.Lanes {
				r.Lanes[j].Exact += x.Lanes[j].Exact
				r.Lanes[j].Propagated += x.Lanes[j].Propagated
				r.Lanes[j].Recovered += x.Lanes[j].Recovered
				r.Lanes[j].N += x.Lanes[j].N
			}
			r.MaxLatentChange = math.Max(r.MaxLatentChange, x.MaxLatentChange)
		}
	}
	for k, rows := range [][]SweepRow{t.corr, t.noise} {
		src := [][]SweepRow{o.corr, o.noise}[k]
		for i := range rows {
			for j := range rows[i].Lanes {
				d, x := &rows[i].Lanes[j], &src[i].Lanes[j]
				d.Exact += x.Exact
				for s := range d.Step {
					d.Step[s] += x.Step[s]
					d.count[s] += x.count[s]
				}
			}
		}
	}
}

// sessionsPerProblem is the number of injected sessions one problem takes
// (forced lanes × (T + T−1 + T−2), then the sweeps).
func sessionsPerProblem(set *Set, T int) int {
	forced := 0
	for _, l := range set.Lanes() {
		if l.Inject != "" {
			forced++
		}
	}
	return forced*(T+(T-1)+(T-2)) + len(corrLevels) + len(noiseLevels)
}

// containmentProblem runs problem k's injected sessions against one shared
// clean run; tick is called after each session.
func containmentProblem(set *Set, k int, seed uint64, tick func()) (*tally, error) {
	p := NewProblem(set.Task, seed+uint64(k)*7919)
	answer := p.Instance.Answer()
	T := len(answer)
	tl := newTally(set, set.Task.MaxAnswer())
	opts := Options{Light: true}
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
	v := set.Task.Vocab()
	// tokenError forces wrong into each lane that can be forced, in turn, at
	// step s, and counts the outcome into row: the forced lane's exact and
	// propagated, the other lanes' exact from the first session (a token
	// injection never reaches them: their tokens are the same in every
	// session).
	tokenError := func(s, wrong int, row *ContainmentRow) error {
		first := true
		for _, target := range ContainmentLanes(set) {
			if target.Inject == "" || (target.Thinks && s <= target.Thoughts) {
				continue // COCONUT's thought steps have no token to force
			}
			sess, err := run([]Injection{ForceToken(target.Inject, s, wrong, v)})
			if err != nil {
				return err
			}
			sum := sess.Summary()
			for j := range row.Lanes {
				lr := &row.Lanes[j]
				l := sum.Lane(lr.Lane)
				if lr.Lane == target.Name || (!lr.Forced && first) {
					lr.Exact += b2f(l.Correct)
					lr.N++
				}
				if lr.Lane == target.Name {
					lr.Propagated += b2f(l.Verdict == VerdictPropagated)
					lr.Recovered += b2f(l.Verdict == VerdictRecovered)
				}
			}
			for _, l := range sum.Lanes {
				row.MaxLatentChange = math.Max(row.MaxLatentChange, l.MaxLatentChange)
			}
			first = false
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, uint64(k)))
	for s := 1; s <= T; s++ {
		if err := tokenError(s, p.Instance.WrongToken(s, rng), &tl.rows[s-1]); err != nil {
			return nil, err
		}
	}
	for s := 1; s < T; s++ {
		if err := tokenError(s, v.EOS(), &tl.eos[s-1]); err != nil {
			return nil, err
		}
	}
	for s := 1; s < T-1; s++ {
		m, ok := tasks.MistakeOf(p.Instance.Mistakes(s), tasks.Skip)
		if !ok {
			continue
		}
		if err := tokenError(s, m.Token, &tl.early[s-1]); err != nil {
			return nil, err
		}
	}
	for i, f := range corrLevels {
		sess, err := run([]Injection{{Kind: InputCorrupt, Frac: f}})
		if err != nil {
			return nil, err
		}
		sweepOne(sess, answer, &tl.corr[i])
	}
	for i, sg := range noiseLevels {
		sess, err := run([]Injection{{Kind: Noise, Sigma: sg}})
		if err != nil {
			return nil, err
		}
		sweepOne(sess, answer, &tl.noise[i])
	}
	return tl, nil
}

func containment(ctx context.Context, set *Set, n int, seed uint64, workers int, progress func(done, total int)) (ContainmentReport, error) {
	rep := ContainmentReport{N: n, Seed: seed, Task: set.Task.Name(), Depth: set.Depth(), Hashes: set.Hashes, Lanes: ContainmentLanes(set)}
	forcible := false
	for _, l := range set.Lanes() {
		forcible = forcible || l.Inject != ""
	}
	if !forcible {
		return rep, fmt.Errorf("containment: the model set has no lane a token can be forced into (a coupled baseline, a Dual-Talker or COCONUT); the experiment compares them with the Reasoner")
	}
	if p := checkReferenceAnswers(set.Task); p != nil {
		return rep, p
	}
	T := set.Task.MaxAnswer()
	if T < 3 {
		return rep, fmt.Errorf("containment: %s problems have no step before the last; the experiment needs answers of 3 steps or more", set.Task.Name())
	}
	total := n * sessionsPerProblem(set, T)
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
	sum := newTally(set, T)
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
			for j := range rows[i].Lanes {
				l := &rows[i].Lanes[j]
				d := float64(max(l.N, 1))
				l.Exact /= d
				l.Propagated /= d
				l.Recovered /= d
			}
		}
	}
	for _, rows := range [][]SweepRow{sum.corr, sum.noise} {
		for i := range rows {
			for j := range rows[i].Lanes {
				l := &rows[i].Lanes[j]
				l.Exact /= fn
				for s := range l.Step {
					l.Step[s] /= float64(max(l.count[s], 1))
				}
			}
		}
		for i := range rows {
			for j := range rows[i].Lanes {
				rows[i].Lanes[j].Rel = rel(rows[i].Lanes[j].Step, rows[0].Lanes[j].Step)
			}
		}
	}
	rep.Injected, rep.EOS, rep.Early = sum.rows, sum.eos, sum.early
	rep.Corruption, rep.Noise = sum.corr, sum.noise
	return rep, nil
}

// sweepOne adds a finished sweep session's per-step accuracy to row.
func sweepOne(sess *Session, answer []int, row *SweepRow) {
	snaps := sess.Snapshots()
	for j := range row.Lanes {
		l := &row.Lanes[j]
		toks := LaneTokens(snaps, l.Lane)
		ok := 1.0
		for s, tok := range toks {
			if tok < 0 && s < len(snaps) {
				if ls := snaps[s].LaneStep(l.Lane); ls != nil && ls.Thought {
					continue // a thought step has no token to score
				}
			}
			x := b2f(tok == answer[s])
			l.Step[s] += x
			l.count[s]++
			ok *= x
		}
		l.Exact += ok
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

// checkReferenceAnswers reports a task whose problems have no reference answer (free
// text): the experiments that score answers cannot run on it.
func checkReferenceAnswers(t tasks.Task) error {
	p := tasks.SampleSeed(t, 1)
	for _, a := range p.Answer() {
		if a < 0 {
			return fmt.Errorf("the %s task has no reference answers to score", t.Name())
		}
	}
	return nil
}
