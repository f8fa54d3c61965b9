package engine

import "math"

// Verdicts: one vocabulary for every lane and every kind of injection, in
// the explorer, jrx run and jrx eval containment (docs/VERDICTS.md).
const (
	// VerdictPending: the evidence does not decide yet (the lane has not
	// finished, and it could still end either way).
	VerdictPending = "pending"
	// VerdictCorrect: no injection reached the lane, and every step it
	// chose itself is right.
	VerdictCorrect = "correct"
	// VerdictWrong: no injection reached the lane, and a step it chose
	// itself is wrong (the clean run itself is wrong); decided at once.
	VerdictWrong = "wrong"
	// VerdictContained: an injection reached the lane, and every step it
	// chose itself equals the clean run.
	VerdictContained = "contained"
	// VerdictRecovered: an injection reached the lane; it left the clean
	// run on a step it chose itself, then rejoined it and stayed on it to
	// the end (Lane.Left, Lane.Rejoined name the steps).
	VerdictRecovered = "recovered"
	// VerdictPropagated: an injection reached the lane, and its last step
	// chosen itself still differs from the clean run.
	VerdictPropagated = "propagated"
	// VerdictUnknown: no injection reached the lane, it finished, and the
	// task has no reference answer to compare it with (free text).
	VerdictUnknown = "unknown"
)

// Evidence is what a lane's verdict is decided from.
type Evidence struct {
	Reached  bool   // an injection can change the lane's tokens
	Finished bool   // every step has been taken
	Tokens   []int  // the lane's tokens over the steps taken
	Forced   []bool // steps whose token was forced into the lane
	Clean    []int  // the clean run's tokens over the same steps
	Truth    []int  // the true tokens over the same steps
	// Checked says the task judges a continuation itself (a grammar: many
	// continuations are right); then Invalid is the first step (1-based)
	// from which the lane's own continuation cannot be right, 0 while it
	// can, and Truth is not compared.
	Checked bool
	Invalid int
}

// Decision is a verdict with the steps that explain it (1-based; 0 when
// they do not apply).
type Decision struct {
	Verdict string
	// Left is the first step the lane chose itself that differs from the
	// clean run; Rejoined the step after its last such difference, from
	// which it stays on the clean run (recovered only).
	Left, Rejoined int
}

// Decide is the verdict state machine. A lane no injection reaches is
// wrong as soon as a step it chose itself is wrong, correct when it
// finishes without one, pending before. A lane an injection reaches is
// pending until it finishes; then contained if no step it chose itself
// left the clean run, recovered if its last such step is back on it,
// propagated otherwise.
func Decide(e Evidence) Decision {
	var d Decision
	lastSelf, lastDiff := -1, -1
	wrong, unknown := false, false
	for i, tok := range e.Tokens {
		if i < len(e.Forced) && e.Forced[i] {
			continue
		}
		lastSelf = i
		switch {
		case e.Checked:
			wrong = wrong || e.Invalid > 0 && i+1 >= e.Invalid
		case i >= len(e.Truth) || e.Truth[i] < 0:
			unknown = true // no reference at this step
		case tok != e.Truth[i]:
			wrong = true
		}
		if i < len(e.Clean) && tok != e.Clean[i] {
			if d.Left == 0 {
				d.Left = i + 1
			}
			lastDiff = i
		}
	}
	switch {
	case !e.Reached && wrong:
		d.Verdict = VerdictWrong
	case !e.Finished:
		d.Verdict = VerdictPending
	case !e.Reached && unknown:
		d.Verdict = VerdictUnknown
	case !e.Reached:
		d.Verdict = VerdictCorrect
	case lastDiff < 0:
		d.Verdict = VerdictContained
	case lastDiff == lastSelf:
		d.Verdict = VerdictPropagated
	default:
		d.Verdict, d.Rejoined = VerdictRecovered, lastDiff+2
	}
	if !e.Reached {
		d.Left = 0
	}
	return d
}

// ContinuationChecker is a problem that judges a continuation itself
// (cfg.Problem): the first step (1-based) from which toks cannot continue
// its prompt rightly, 0 while they can; a token of −1 stands for any.
type ContinuationChecker interface {
	CheckContinuation(toks []int) int
}

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
	// Left and Rejoined (1-based, 0 when they do not apply): the first
	// step the lane chose itself that left the clean run, and for a
	// recovered lane the step from which it is back on it to the end.
	Left     int `json:"left,omitempty"`
	Rejoined int `json:"rejoined,omitempty"`
	// Stopped is the first step whose token (chosen or forced) ends the
	// answer ([EOS]) before the last step, 0 when none: a real generation
	// stops there, so the answer a user would receive is Tokens[:Stopped],
	// truncated; the steps after it show what the lane does if made to go
	// on (what the containment experiments measure).
	Stopped int `json:"stopped,omitempty"`
	// InvalidFrom (grammars) is the first step (1-based) from which the
	// lane's continuation cannot be a valid prefix of a sentence, thoughts
	// standing for some symbol; 0 while it can. Its verdict is judged by
	// it: a grammar has many right continuations, Correct only says whether
	// it is the sentence's own.
	InvalidFrom int `json:"invalid_from,omitempty"`
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
		notOwn := append([]bool(nil), l.Forced...) // forced steps and thoughts: not tokens the lane chose
		for i, sn := range s.snaps {
			if ls := sn.LaneStep(info.Name); ls != nil && ls.Thought {
				notOwn[i] = true
			}
		}
		ref := LaneTokens(clean[:min(len(clean), len(s.snaps))], info.Name)
		for i, tok := range l.Tokens {
			if !notOwn[i] && (s.answer[i] < 0 || tok != s.answer[i]) {
				l.Correct = false // a step without a reference is not known to be right
			}
			if i < len(ref) && tok != ref[i] && l.FirstDivergence == 0 {
				l.FirstDivergence = i + 1
			}
			if tok == s.Set.Task.Vocab().EOS() && i < s.steps-1 && l.Stopped == 0 {
				l.Stopped = i + 1
			}
		}
		ev := Evidence{Reached: reaches, Finished: len(s.snaps) == s.steps, Tokens: l.Tokens, Forced: notOwn,
			Clean: ref, Truth: s.answer[:len(s.snaps)]}
		if cc, ok := s.Problem.Instance.(ContinuationChecker); ok {
			toks := append([]int(nil), l.Tokens...)
			for i := range toks {
				if ls := s.snaps[i].LaneStep(info.Name); ls != nil && ls.Thought {
					toks[i] = -1 // a thought stands for some symbol
				}
			}
			ev.Checked, ev.Invalid = true, cc.CheckContinuation(toks)
			l.InvalidFrom = ev.Invalid
		}
		dec := Decide(ev)
		l.Verdict, l.Left, l.Rejoined = dec.Verdict, dec.Left, dec.Rejoined
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
