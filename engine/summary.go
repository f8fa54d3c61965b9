package engine

import "math"

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
	for _, info := range s.Set.Lanes() {
		reaches := false
		for _, in := range s.inj {
			reaches = reaches || in.Reaches(info)
		}
		l := Lane{Name: info.Name, Tokens: LaneTokens(s.snaps, info.Name), Forced: make([]bool, len(s.snaps)), Correct: true}
		for _, in := range s.inj {
			if in.Kind == Force && info.Inject != "" && in.Lane == info.Inject && in.Step <= len(s.snaps) {
				l.Forced[in.Step-1] = true
			}
		}
		ref := LaneTokens(clean[:min(len(clean), len(s.snaps))], info.Name)
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
		case !reaches && l.Correct:
			l.Verdict = VerdictCorrect
		case !reaches:
			l.Verdict = VerdictWrong
		case diverged:
			l.Verdict = VerdictPropagated
		default:
			l.Verdict = VerdictContained
		}
		if info.Kind == KindReadout {
			for _, sn := range s.snaps {
				l.MaxLatentChange = math.Max(l.MaxLatentChange, sn.LatentChange)
			}
		}
		sum.Lanes = append(sum.Lanes, l)
	}
	return sum
}

// Lane returns the summary's lane called name (nil when absent).
func (s Summary) Lane(name string) *Lane {
	for i := range s.Lanes {
		if s.Lanes[i].Name == name {
			return &s.Lanes[i]
		}
	}
	return nil
}
