package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"jrx/tasks"
)

// ForkJudge adds a task's own verdicts on a forked lane's answer: toks is
// the lane's whole answer, step the fork's step (1-based), hyp the
// hypothesis token forked onto. It returns named outcomes (the tree: the
// continuation is a downward path from the forked node, it ends at a leaf
// and EOS, it reaches the target again).
type ForkJudge func(p tasks.Problem, step, hyp int, toks []int) map[string]bool

// ForkLaneRate is one lane's outcome after forks at one step, as rates
// over the forked problems.
type ForkLaneRate struct {
	Lane string `json:"lane"`
	// Follows: the lane's token at the fork step is the hypothesis.
	Follows float64 `json:"follows"`
	// FollowsRival: the lane's token at the fork step is the step's rival
	// (the tree: the right child's sibling).
	FollowsRival float64 `json:"follows_rival"`
	// Changed: some token after the fork step differs from the clean run.
	Changed float64 `json:"changed"`
	// Valid: the whole answer passes the problem's CheckAnswer (the tree:
	// a route to the original target; the grammar: a grammatical
	// continuation).
	Valid float64 `json:"valid"`
	// ValidAfter: no token after the fork step is the first invalid one
	// (the answer is valid, or its first error is at or before the fork).
	ValidAfter float64 `json:"valid_after_fork"`
	// EOS: the answer's last token is EOS.
	EOS float64 `json:"ends_eos"`
	// Task holds the judge's outcomes (ForkJudge), by name.
	Task map[string]float64 `json:"task,omitempty"`
}

// ForkRow is the forks at one step.
type ForkRow struct {
	Step int `json:"step"`
	// Problems had this step before the last; Forked of them had the
	// hypothesis asked for (a mixture of at least that many atoms).
	Problems int `json:"problems"`
	Forked   int `json:"forked"`
	// HypRival: the hypothesis is the step's rival (the tree: the right
	// child's sibling); HypValid: it is a valid token there (the answer so
	// far plus it still begins a valid answer); HypWeight: its mean
	// mixture weight (the dropped top's, for -top).
	HypRival  float64        `json:"hyp_is_rival"`
	HypValid  float64        `json:"hyp_valid"`
	HypWeight float64        `json:"hyp_weight"`
	Lanes     []ForkLaneRate `json:"lanes"`
}

// ForkReport is the output of jrx eval fork.
type ForkReport struct {
	N     int    `json:"n"`
	Seed  uint64 `json:"seed"`
	Task  string `json:"task"`
	Depth int    `json:"depth,omitempty"`
	// Second: each step forked onto its mixture's second hypothesis;
	// DropTop: each step with its top hypothesis projected out; Rival:
	// each step that has a rival (the tree: the right child's sibling)
	// forked onto it by name, whatever its rank in the mixture.
	Second  []ForkRow         `json:"second"`
	DropTop []ForkRow         `json:"drop_top"`
	Rival   []ForkRow         `json:"rival"`
	Lanes   []LaneInfo        `json:"lane_info"`
	Hashes  map[string]string `json:"model_sha256"`
}

// forkLanes are the lanes a fork reaches.
func forkLanes(set *Set) []LaneInfo {
	var out []LaneInfo
	for _, l := range set.Lanes() {
		if l.ReadsLatents {
			out = append(out, l)
		}
	}
	return out
}

// forkTally is running counts (one problem's, or every problem's).
type forkTally struct {
	second, drop, rival []ForkRow
}

func newForkTally(lanes []LaneInfo, T int) *forkTally {
	mk := func() []ForkRow {
		rows := make([]ForkRow, T)
		for i := range rows {
			rows[i].Step = i + 1
			for _, l := range lanes {
				rows[i].Lanes = append(rows[i].Lanes, ForkLaneRate{Lane: l.Name, Task: map[string]float64{}})
			}
		}
		return rows
	}
	return &forkTally{second: mk(), drop: mk(), rival: mk()}
}

func (t *forkTally) add(o *forkTally) {
	for k, rows := range [][]ForkRow{t.second, t.drop, t.rival} {
		src := [][]ForkRow{o.second, o.drop, o.rival}[k]
		for i := range rows {
			r, x := &rows[i], &src[i]
			r.Problems += x.Problems
			r.Forked += x.Forked
			r.HypRival += x.HypRival
			r.HypValid += x.HypValid
			r.HypWeight += x.HypWeight
			for j := range r.Lanes {
				a, b := &r.Lanes[j], &x.Lanes[j]
				a.Follows += b.Follows
				a.FollowsRival += b.FollowsRival
				a.Changed += b.Changed
				a.Valid += b.Valid
				a.ValidAfter += b.ValidAfter
				a.EOS += b.EOS
				for name, v := range b.Task {
					a.Task[name] += v
				}
			}
		}
	}
}

// ForkExperiment forks every step but the last of n problems drawn from
// seed onto its mixture's second hypothesis, again with its top
// hypothesis projected out, and again onto the step's rival (where it has
// one), runs each fork to the end, and measures what
// the lanes the fork reaches do (see ForkLaneRate; judge, may be nil, adds
// the task's own outcomes). Problems run on GOMAXPROCS workers; every sum
// is a count, so the report does not depend on their number or order.
// progress (may be nil) gets (done, total) problems.
func ForkExperiment(ctx context.Context, set *Set, n int, seed uint64, judge ForkJudge, progress func(done, total int)) (ForkReport, error) {
	return forkExperiment(ctx, set, n, seed, judge, runtime.GOMAXPROCS(0), progress)
}

func forkExperiment(ctx context.Context, set *Set, n int, seed uint64, judge ForkJudge, workers int, progress func(done, total int)) (ForkReport, error) {
	lanes := forkLanes(set)
	rep := ForkReport{N: n, Seed: seed, Task: set.Task.Name(), Depth: set.Depth(), Lanes: lanes, Hashes: set.Hashes}
	T := set.Task.MaxAnswer()
	if T < 2 {
		return rep, fmt.Errorf("fork: %s answers have one step; a fork needs a step after it", set.Task.Name())
	}
	sum := newForkTally(lanes, T-1)
	var (
		mu       sync.Mutex
		done     int
		next     atomic.Int64
		firstErr error
		wg       sync.WaitGroup
	)
	workers = max(1, min(workers, n))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n || ctx.Err() != nil {
					return
				}
				tl, err := forkProblem(ctx, set, lanes, T-1, NewProblem(set.Task, seed+uint64(k)*7919), judge)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					next.Store(int64(n))
				} else {
					sum.add(tl)
					done++
					if progress != nil {
						progress(done, n)
					}
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
	for _, rows := range [][]ForkRow{sum.second, sum.drop, sum.rival} {
		for i := range rows {
			r := &rows[i]
			f := float64(max(r.Forked, 1))
			r.HypRival /= f
			r.HypValid /= f
			r.HypWeight /= f
			for j := range r.Lanes {
				l := &r.Lanes[j]
				l.Follows /= f
				l.FollowsRival /= f
				l.Changed /= f
				l.Valid /= f
				l.ValidAfter /= f
				l.EOS /= f
				for name := range l.Task {
					l.Task[name] /= f
				}
			}
		}
	}
	rep.Second, rep.DropTop, rep.Rival = sum.second, sum.drop, sum.rival
	return rep, nil
}

// forkProblem runs one problem's forks.
func forkProblem(ctx context.Context, set *Set, lanes []LaneInfo, rows int, p Problem, judge ForkJudge) (*forkTally, error) {
	tl := newForkTally(lanes, rows)
	clean, err := cleanRun(set, p, Options{})
	if err != nil {
		return nil, err
	}
	cs := clean.Snapshots()
	answer := clean.Answer()
	v := set.Task.Vocab()
	for t := 1; t < len(answer) && t <= rows; t++ {
		for kind, hyp := range []int{2, ForkDropTop, ForkNamed} {
			row := &[][]ForkRow{tl.second, tl.drop, tl.rival}[kind][t-1]
			var (
				h      int
				weight float64
				in     = ForkInjection(t, hyp)
			)
			if hyp == ForkNamed {
				_, rival, ok := p.Instance.Rival(t)
				if !ok {
					continue
				}
				row.Problems++
				h, in = rival, ForkToken(t, rival, v)
				for _, a := range clean.forkMixture(cs[t-1].Latent, 0).Atoms {
					if a.Token == h {
						weight = a.Weight
					}
				}
			} else {
				row.Problems++
				mix := clean.forkMixture(cs[t-1].Latent, hyp)
				idx := hyp - 1
				if hyp == ForkDropTop {
					idx = 0
				}
				if idx >= len(mix.Atoms) {
					continue
				}
				h, weight = mix.Atoms[idx].Token, mix.Atoms[idx].Weight
			}
			f, err := newWithClean(set, p, []Injection{in}, Options{}, clean)
			if err != nil {
				return nil, err
			}
			if err := f.RunToEndContext(ctx); err != nil {
				if errors.Is(err, ErrNoHypothesis) {
					continue
				}
				return nil, err
			}
			row.Forked++
			if _, rival, ok := p.Instance.Rival(t); ok && rival == h {
				row.HypRival++
			}
			if bad, _ := InvalidPrefix(p.Instance, append(append([]int(nil), answer[:t-1]...), h)); bad < 0 {
				row.HypValid++
			}
			row.HypWeight += weight
			fs := f.Snapshots()
			for j, l := range lanes {
				toks := LaneTokens(fs, l.Name)
				ref := LaneTokens(cs, l.Name)
				lr := &row.Lanes[j]
				lr.Follows += b2f(toks[t-1] == h)
				if _, rival, ok := p.Instance.Rival(t); ok {
					lr.FollowsRival += b2f(toks[t-1] == rival)
				}
				changed := false
				for i := t; i < len(toks); i++ {
					changed = changed || toks[i] != ref[i]
				}
				lr.Changed += b2f(changed)
				lr.Valid += b2f(p.Instance.CheckAnswer(toks) == nil)
				bad, _ := InvalidPrefix(p.Instance, toks)
				lr.ValidAfter += b2f(bad < t)
				lr.EOS += b2f(len(toks) > 0 && toks[len(toks)-1] == v.EOS())
				if judge != nil {
					// The task judges the continuation from the hypothesis
					// forked onto; after -top, from the lane's own token at
					// the fork step (the dropped top is not followed).
					from := h
					if hyp == ForkDropTop {
						from = toks[t-1]
					}
					for name, ok := range judge(p.Instance, t, from, toks) {
						lr.Task[name] += b2f(ok)
					}
				}
			}
		}
	}
	return tl, nil
}

// TaskOutcomes lists the judge's outcome names in a row, sorted.
func (r ForkRow) TaskOutcomes() []string {
	seen := map[string]bool{}
	for _, l := range r.Lanes {
		for name := range l.Task {
			seen[name] = true
		}
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
