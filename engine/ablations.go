package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Talker ablation conditions (the paper's Appendix C / Experiment 3: the
// Talker cannot reason; the content lives in the latents).
const (
	AblClean        = "clean"         // the Reasoner's latents
	AblRandomUnit   = "random_unit"   // each latent uniform on the unit sphere
	AblGaussian     = "gaussian"      // each component N(0, 1), not normalised
	AblOtherProblem = "other_problem" // the next problem's latents
	AblRandomPrefix = "random_prefix" // clean latents, the decoder's first token forced to a random hypothesis
	ablPrefixLen    = 1               // tokens of the random decoder prefix
)

// AblationLane is one Talker's rates under one condition, over problems.
type AblationLane struct {
	Lane string `json:"lane"`
	// Applies is false where the condition does not apply (the
	// Mono-Talker has no decoder prefix); the rates are then 0.
	Applies bool `json:"applies"`
	// Correct: the Talker's answer passes the problem's CheckAnswer (the
	// tree: exact route match; random_prefix: the tokens after the prefix
	// equal the reference answer's).
	Correct float64 `json:"correct"`
	// Switched (other_problem only): the answer passes the other problem's
	// CheckAnswer — the Talker switched to the other problem's answer.
	Switched float64 `json:"switched"`
}

// AblationRow is one condition.
type AblationRow struct {
	Condition string         `json:"condition"`
	Lanes     []AblationLane `json:"lanes"`
}

// AblationReport is the output of jrx eval ablations.
type AblationReport struct {
	N         int               `json:"n"`
	Seed      uint64            `json:"seed"`
	Task      string            `json:"task"`
	Depth     int               `json:"depth,omitempty"`
	PrefixLen int               `json:"random_prefix_len"`
	Rows      []AblationRow     `json:"rows"`
	Hashes    map[string]string `json:"model_sha256"`
}

// Row returns the report's row for a condition (nil when absent).
func (r AblationReport) Row(cond string) *AblationRow {
	for i := range r.Rows {
		if r.Rows[i].Condition == cond {
			return &r.Rows[i]
		}
	}
	return nil
}

// Ablations decodes n problems drawn from seed with each Talker under
// each condition (AblClean … AblRandomPrefix). Problem k's "other problem"
// is problem k+1 (mod n; n ≥ 2). The random latents and prefixes are drawn
// from seed and k, so the report depends only on (set, n, seed). progress
// (may be nil) gets (done, total) problems.
func Ablations(ctx context.Context, set *Set, n int, seed uint64, progress func(done, total int)) (AblationReport, error) {
	rep := AblationReport{N: n, Seed: seed, Task: set.Task.Name(), Depth: set.Depth(), PrefixLen: ablPrefixLen, Hashes: set.Hashes}
	if n < 2 {
		return rep, fmt.Errorf("ablations: want 2 problems at least (one's latents are decoded as another's)")
	}
	probs := make([]Problem, n)
	trajs := make([][][]float32, n)
	for k := range probs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		probs[k] = NewProblem(set.Task, seed+uint64(k)*7919)
		s, err := newSession(set, probs[k], nil, Options{Light: true})
		if err != nil {
			return rep, err
		}
		if err := s.RunToEndContext(ctx); err != nil {
			return rep, err
		}
		for _, sn := range s.snaps {
			trajs[k] = append(trajs[k], sn.Latent)
		}
		if progress != nil {
			progress(k+1, 2*n)
		}
	}
	conds := []string{AblClean, AblRandomUnit, AblGaussian, AblOtherProblem, AblRandomPrefix}
	talkers := []string{LaneMono, LaneDual}
	for _, c := range conds {
		row := AblationRow{Condition: c}
		for _, l := range talkers {
			row.Lanes = append(row.Lanes, AblationLane{Lane: l, Applies: c != AblRandomPrefix || l == LaneDual})
		}
		rep.Rows = append(rep.Rows, row)
	}
	d := set.Reasoner.Cfg.D
	for k, p := range probs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rng := rand.New(rand.NewPCG(seed, uint64(k)^0x61626c))
		clean := trajs[k]
		other := probs[(k+1)%n]
		T := len(clean)
		random := func(unit bool) [][]float32 {
			out := make([][]float32, T)
			for i := range out {
				v := make([]float32, d)
				var nn float64
				for j := range v {
					x := rng.NormFloat64()
					v[j] = float32(x)
					nn += x * x
				}
				if unit {
					for j := range v {
						v[j] = float32(float64(v[j]) / math.Sqrt(nn))
					}
				}
				out[i] = v
			}
			return out
		}
		hyps := p.Instance.Hypotheses()
		prefix := map[int]int{}
		for i := 0; i < ablPrefixLen && i < T; i++ {
			prefix[i] = hyps[rng.IntN(len(hyps))]
		}
		lat := map[string][][]float32{AblClean: clean, AblRandomUnit: random(true), AblGaussian: random(false),
			AblOtherProblem: trajs[(k+1)%n], AblRandomPrefix: clean}
		answer := p.Instance.Answer()
		for ri := range rep.Rows {
			row := &rep.Rows[ri]
			for li := range row.Lanes {
				al := &row.Lanes[li]
				if !al.Applies {
					continue
				}
				var toks []int
				var err error
				switch {
				case al.Lane == LaneMono:
					toks, err = set.Mono.Read(lat[row.Condition])
				case row.Condition == AblRandomPrefix:
					toks, err = set.Dual.Decode(lat[row.Condition], prefix)
				default:
					toks, err = set.Dual.Decode(lat[row.Condition], nil)
				}
				if err != nil {
					return rep, fmt.Errorf("ablations, %s under %s: %w", al.Lane, row.Condition, err)
				}
				switch row.Condition {
				case AblRandomPrefix:
					m := min(ablPrefixLen, len(toks))
					al.Correct += b2f(len(toks) == len(answer) && slices.Equal(toks[m:], answer[m:]))
				case AblOtherProblem:
					al.Correct += b2f(p.Instance.CheckAnswer(toks) == nil)
					al.Switched += b2f(other.Instance.CheckAnswer(toks) == nil)
				default:
					al.Correct += b2f(p.Instance.CheckAnswer(toks) == nil)
				}
			}
		}
		if progress != nil {
			progress(n+k+1, 2*n)
		}
	}
	for ri := range rep.Rows {
		for li := range rep.Rows[ri].Lanes {
			rep.Rows[ri].Lanes[li].Correct /= float64(n)
			rep.Rows[ri].Lanes[li].Switched /= float64(n)
		}
	}
	return rep, nil
}
