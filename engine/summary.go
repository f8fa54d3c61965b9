package engine

import "math"

// Lane names.
const (
	LaneReasoner = "reasoner" // the latent chain read out by the nearest target-table token
	LaneMono     = "mono"
	LaneDual     = "dual"
	LaneBaseline = "baseline"
)

// Verdicts.
const (
	VerdictCorrect    = "correct"    // no injection reached the lane, and its answer is right
	VerdictWrong      = "wrong"      // no injection reached the lane, and its answer is wrong
	VerdictContained  = "contained"  // an injection reached the lane; every step it chose itself equals the clean run
	VerdictPropagated = "propagated" // an injection reached the lane, and some step it chose itself differs from the clean run
)

// Lane is one model's outcome over the steps taken.
type Lane struct {
	Name   string `json:"name"`
	Tokens []int  `json:"tokens"`
	// Forced marks steps whose token was injected into this lane.
	Forced []bool `json:"forced"`
	// Correct: every step the lane chose itself equals the truth.
	Correct bool `json:"correct"`
	// FirstDivergence is the first step (1-based) whose token differs from
	// the clean run, forced steps included; 0 when none.
	FirstDivergence int    `json:"first_divergence"`
	Verdict         string `json:"verdict"`
	// MaxLatentChange (Reasoner only) is the largest |r_t − r_t(clean)|
	// over steps and components: exactly 0 after token-level injections.
	MaxLatentChange float64 `json:"max_latent_change"`
}

// Summary is the session's outcome per lane.
type Summary struct {
	Taken      int      `json:"steps_taken"`
	Steps      int      `json:"steps"`
	Truth      []int    `json:"truth"`
	Injections []string `json:"injections"`
	Lanes      []Lane   `json:"lanes"`
}

// Summary compares every lane with the truth and the clean run.
func (s *Session) Summary() Summary {
	sum := Summary{Taken: len(s.snaps), Steps: s.steps, Truth: s.answer[:len(s.snaps)]}
	for _, in := range s.inj {
		sum.Injections = append(sum.Injections, in.String())
	}
	clean := s.Clean()
	reaches := map[string]bool{}
	for _, in := range s.inj {
		switch in.Kind {
		case TalkerToken:
			reaches[LaneDual] = true
		case BaselineToken:
			reaches[LaneBaseline] = true
		case InputCorrupt:
			if in.Frac > 0 {
				reaches[LaneReasoner], reaches[LaneMono], reaches[LaneDual], reaches[LaneBaseline] = true, true, true, true
			}
		case Noise, Surgery:
			reaches[LaneReasoner], reaches[LaneMono], reaches[LaneDual] = true, true, true
		}
	}
	tokens := func(snaps []*Snapshot, lane string) []int {
		out := make([]int, len(snaps))
		for i, sn := range snaps {
			switch lane {
			case LaneReasoner:
				out[i] = -1
				if len(sn.NearestTarget) > 0 {
					out[i] = sn.NearestTarget[0].Token
				}
			case LaneMono:
				out[i] = sn.Mono
			case LaneBaseline:
				out[i] = sn.Baseline
			case LaneDual:
				last := snaps[len(snaps)-1].DualSoFar
				out[i] = last[i]
			}
		}
		return out
	}
	forcedKind := map[string]Kind{LaneDual: TalkerToken, LaneBaseline: BaselineToken}
	for _, name := range []string{LaneReasoner, LaneMono, LaneDual, LaneBaseline} {
		l := Lane{Name: name, Tokens: tokens(s.snaps, name), Forced: make([]bool, len(s.snaps)), Correct: true}
		if k, ok := forcedKind[name]; ok {
			for _, in := range s.inj {
				if in.Kind == k && in.Step <= len(s.snaps) {
					l.Forced[in.Step-1] = true
				}
			}
		}
		ref := tokens(clean[:min(len(clean), len(s.snaps))], name)
		diverged := false
		for i, tok := range l.Tokens {
			if !l.Forced[i] && tok != s.answer[i] {
				l.Correct = false
			}
			if i < len(ref) && tok != ref[i] {
				if l.FirstDivergence == 0 {
					l.FirstDivergence = i + 1
				}
				if !l.Forced[i] {
					diverged = true
				}
			}
		}
		switch {
		case !reaches[name] && l.Correct:
			l.Verdict = VerdictCorrect
		case !reaches[name]:
			l.Verdict = VerdictWrong
		case diverged:
			l.Verdict = VerdictPropagated
		default:
			l.Verdict = VerdictContained
		}
		if name == LaneReasoner {
			for _, sn := range s.snaps {
				l.MaxLatentChange = math.Max(l.MaxLatentChange, sn.LatentChange)
			}
		}
		sum.Lanes = append(sum.Lanes, l)
	}
	return sum
}
