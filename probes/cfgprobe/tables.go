// Package cfgprobe holds the grammar task's own experiments: the paper's
// Table 7 (input-token corruption) and Table 4 (latent noise) on the
// grammar (PAPER.md, Experiment 2), measured with engine sessions on every
// lane — R read out by the Dual-Talker, the coupled baseline T and COCONUT
// C — with two accuracies: exact match with the sentence's own
// continuation (the paper's) and grammatical validity (the grammar's DP
// parser: prefix + the generated symbols is a valid prefix; a continuation
// can differ from the sample and still be right).
package cfgprobe

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"jrx/engine"
	"jrx/tasks"
	"jrx/tasks/cfg"
)

// Levels of the two tables (the paper's).
var (
	CorruptionLevels = []float64{0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30}
	NoiseLevels      = []float64{0, 0.05, 0.10, 0.15}
)

// Steps is how many generated symbols Table 7 scores (the next 1..4).
const Steps = 4

// CorruptionRow is one cell group of Table 7: model, corruption level p,
// generated symbol step (1..4).
type CorruptionRow struct {
	Model string  `json:"model"`
	P     float64 `json:"p"`
	Step  int     `json:"step"`
	Exact float64 `json:"exact"`
	Valid float64 `json:"valid"`
	// Relative is Exact divided by the same model and step at p = 0.
	Relative float64 `json:"relative"`
	// ExactCI and ValidCI are 95% Wilson intervals.
	ExactCI [2]float64 `json:"exact_ci95"`
	ValidCI [2]float64 `json:"valid_ci95"`
}

// NoiseRow is one cell group of Table 4: Gaussian noise at every latent
// step (R) or every thought (C), σ = SigmaPct% of the vector's max
// |component|; the last 4 symbols of the answer.
type NoiseRow struct {
	Model      string     `json:"model"`
	SigmaPct   float64    `json:"sigma_pct"`
	ExactLast4 float64    `json:"exact_last4"`
	ValidLast4 float64    `json:"valid_last4"`
	ExactCI    [2]float64 `json:"exact_ci95"`
	ValidCI    [2]float64 `json:"valid_ci95"`
}

// Report is jrx eval cfg's output.
type Report struct {
	N      int               `json:"n"`
	Seed   uint64            `json:"seed"`
	Levels int               `json:"grammar_levels"`
	Models map[string]string `json:"models"` // model name → lane
	// TokenCorruption is Table 7, NoiseRows Table 4.
	TokenCorruption []CorruptionRow `json:"token_corruption"`
	LatentNoise     []NoiseRow      `json:"latent_noise"`
	// GreedyValid is, per model, the share of clean problems whose whole
	// answer (8 symbols; C: its symbols after its thoughts, the thoughts
	// standing for any grammatical symbols) is a valid continuation: the
	// quality bar of the shipped set.
	GreedyValid map[string]float64 `json:"greedy_valid"`
	Hashes      map[string]string  `json:"model_sha256"`
}

// models are the table's models and the lanes that speak for them.
var models = []struct{ name, lane string }{
	{"R+Dual", engine.LaneDual}, {"T", engine.LaneBaseline}, {"C", engine.LaneCoconut},
}

// counts are one problem's (or all problems') sums.
type counts struct {
	corrExact, corrValid [][][]float64 // [model][level][step]
	noiseExact, noiseVal [][]float64   // [model][level]
	greedy               []float64     // [model]
}

func newCounts() *counts {
	c := &counts{greedy: make([]float64, len(models))}
	for range models {
		ce, cv := make([][]float64, len(CorruptionLevels)), make([][]float64, len(CorruptionLevels))
		for i := range ce {
			ce[i], cv[i] = make([]float64, Steps), make([]float64, Steps)
		}
		c.corrExact, c.corrValid = append(c.corrExact, ce), append(c.corrValid, cv)
		c.noiseExact = append(c.noiseExact, make([]float64, len(NoiseLevels)))
		c.noiseVal = append(c.noiseVal, make([]float64, len(NoiseLevels)))
	}
	return c
}

func (c *counts) add(o *counts) {
	for m := range models {
		for l := range CorruptionLevels {
			for s := 0; s < Steps; s++ {
				c.corrExact[m][l][s] += o.corrExact[m][l][s]
				c.corrValid[m][l][s] += o.corrValid[m][l][s]
			}
		}
		for l := range NoiseLevels {
			c.noiseExact[m][l] += o.noiseExact[m][l]
			c.noiseVal[m][l] += o.noiseVal[m][l]
		}
		c.greedy[m] += o.greedy[m]
	}
}

// Tables measures both tables and the greedy validity on n problems drawn
// from seed, on GOMAXPROCS workers (every sum is a count, so the report
// does not depend on their number). The set must be a grammar set with a
// COCONUT model. progress (may be nil) gets (done, total) problems.
func Tables(ctx context.Context, set *engine.Set, n int, seed uint64, progress func(done, total int)) (Report, error) {
	task, ok := set.Task.(*cfg.Task)
	if !ok {
		return Report{}, fmt.Errorf("eval cfg: the model set's task is %q, not cfg", set.Task.Name())
	}
	if set.Coconut == nil {
		return Report{}, fmt.Errorf("eval cfg: the model set has no %s (COCONUT); train the grammar set with jrx train cfg", engine.FileCoconut)
	}
	rep := Report{N: n, Seed: seed, Levels: task.Grammar().Levels(), Models: map[string]string{}, Hashes: set.Hashes, GreedyValid: map[string]float64{}}
	for _, m := range models {
		rep.Models[m.name] = m.lane
	}
	sum := newCounts()
	var (
		mu       sync.Mutex
		next     atomic.Int64
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n || ctx.Err() != nil {
					return
				}
				c, err := oneProblem(ctx, set, task, seed+uint64(k)*7919)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					next.Store(int64(n))
				} else if err == nil {
					sum.add(c)
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
	fn := float64(max(n, 1))
	for m, md := range models {
		for l, p := range CorruptionLevels {
			for s := 0; s < Steps; s++ {
				e, v := sum.corrExact[m][l][s], sum.corrValid[m][l][s]
				row := CorruptionRow{Model: md.name, P: p, Step: s + 1, Exact: e / fn, Valid: v / fn,
					ExactCI: wilson(e, fn), ValidCI: wilson(v, fn)}
				if z := sum.corrExact[m][0][s]; z > 0 {
					row.Relative = e / z
				}
				rep.TokenCorruption = append(rep.TokenCorruption, row)
			}
		}
		for l, sg := range NoiseLevels {
			e, v := sum.noiseExact[m][l], sum.noiseVal[m][l]
			if md.lane == engine.LaneBaseline {
				continue // T has no latent to perturb
			}
			rep.LatentNoise = append(rep.LatentNoise, NoiseRow{Model: md.name, SigmaPct: 100 * sg, ExactLast4: e / fn, ValidLast4: v / fn,
				ExactCI: wilson(e, fn), ValidCI: wilson(v, fn)})
		}
		rep.GreedyValid[md.name] = sum.greedy[m] / fn
	}
	return rep, nil
}

// oneProblem runs one problem's sessions: the clean run, each corruption
// level and each noise level.
func oneProblem(ctx context.Context, set *engine.Set, task *cfg.Task, seed uint64) (*counts, error) {
	c := newCounts()
	p := engine.NewProblem(task, seed)
	cp := p.Instance.(*cfg.Problem)
	truth := cp.Answer()
	run := func(spec string) ([]*engine.Snapshot, error) {
		var inj []engine.Injection
		if spec != "" {
			in, err := engine.ParseInjection(spec, set.Task.Vocab())
			if err != nil {
				return nil, err
			}
			inj = append(inj, in)
		}
		s, err := engine.NewSession(set, p, inj, engine.Options{Light: true})
		if err != nil {
			return nil, err
		}
		if err := s.RunToEndContext(ctx); err != nil {
			return nil, err
		}
		return s.Snapshots(), nil
	}
	// Table 7: the next 1..4 generated symbols, per model, under input
	// corruption. A model's generated symbols are its answer's own (for C,
	// those after its thoughts: the thoughts generate no symbol).
	for l, pLevel := range CorruptionLevels {
		spec := ""
		if pLevel > 0 {
			spec = fmt.Sprintf("input:%g", pLevel)
		}
		snaps, err := run(spec)
		if err != nil {
			return nil, err
		}
		for m, md := range models {
			toks := engine.LaneTokens(snaps, md.lane)
			gen, at := generated(toks)
			for s := 0; s < Steps && s < len(gen); s++ {
				if gen[s] == truth[at[s]] {
					c.corrExact[m][l][s]++
				}
				if valid(cp, toks[:at[s]+1]) {
					c.corrValid[m][l][s]++
				}
			}
			if l == 0 && valid(cp, toks) {
				c.greedy[m]++
			}
		}
	}
	// Table 4: noise at every latent (R) or thought (C); the last 4 symbols.
	for l, sg := range NoiseLevels {
		for m, md := range models {
			var spec string
			switch {
			case md.lane == engine.LaneBaseline:
				continue
			case sg == 0:
				spec = ""
			case md.lane == engine.LaneCoconut:
				spec = fmt.Sprintf("thought:%g", sg)
			default:
				spec = fmt.Sprintf("noise:%g", sg)
			}
			snaps, err := run(spec)
			if err != nil {
				return nil, err
			}
			toks := engine.LaneTokens(snaps, md.lane)
			n := len(toks)
			last := max(0, n-4)
			exact := true
			for i := last; i < n; i++ {
				exact = exact && toks[i] == truth[i]
			}
			if exact {
				c.noiseExact[m][l]++
			}
			if valid(cp, toks) {
				c.noiseVal[m][l]++
			}
		}
	}
	return c, nil
}

// generated lists a lane's own symbols (thought steps, -1, left out) and
// the answer step each stands at.
func generated(toks []int) (gen, at []int) {
	for i, t := range toks {
		if t >= 0 {
			gen, at = append(gen, t), append(at, i)
		}
	}
	return gen, at
}

// valid reports whether prefix + the lane's tokens so far can be a valid
// prefix of the grammar (thoughts standing for any grammatical symbols).
func valid(p *cfg.Problem, toks []int) bool { return p.CheckContinuation(toks) == 0 }

// wilson is the 95% Wilson score interval of k successes in n trials.
func wilson(k, n float64) [2]float64 {
	if n == 0 {
		return [2]float64{0, 1}
	}
	const z = 1.959964
	p := k / n
	den := 1 + z*z/n
	c := (p + z*z/(2*n)) / den
	h := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return [2]float64{math.Max(0, c-h), math.Min(1, c+h)}
}

var _ tasks.Task = (*cfg.Task)(nil)
