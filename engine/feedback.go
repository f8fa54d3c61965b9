package engine

import (
	"context"
	"fmt"

	"jrx/latent"
	"jrx/probes"
	"jrx/tasks"
)

// What the Reasoner is fed back at each step of a feedback study.
const (
	// FeedLatent is the Reasoner as it is: c·r, its own latent.
	FeedLatent = "latent"
	// FeedSnap is the unit vector of the latent's nearest target-table row
	// (times c): the latent with its mixture removed, still a unit vector.
	FeedSnap = "nearest row"
	// FeedToken is the nearest token's own embedding row E[x]: the network
	// decoding greedily as a token model would.
	FeedToken = "nearest token"
)

// FeedbackModes lists the study's conditions in order.
var FeedbackModes = []string{FeedLatent, FeedSnap, FeedToken}

// FeedbackRow is one condition of a feedback study: how often the chain
// read out by nearest target-table token is a correct answer (the task's
// check), and at which step the first wrong token falls.
type FeedbackRow struct {
	Feed    string  `json:"feed"`
	Correct float64 `json:"correct"`
	// FirstWrong[t] counts the problems whose first wrong step is t+1
	// (t < steps); the problems answered correctly are not counted.
	FirstWrong []int `json:"first_wrong"`
	// StepOK[t] is the share of problems whose first t+1 tokens are all
	// right (a prefix of a correct answer).
	StepOK []float64 `json:"step_ok"`
}

// FeedbackReport is a feedback study: the Reasoner's free-running chain
// under each feedback condition over the same problems.
type FeedbackReport struct {
	Task   string            `json:"task"`
	N      int               `json:"n"`
	Seed   uint64            `json:"seed"`
	Steps  int               `json:"steps"`
	Rows   []FeedbackRow     `json:"rows"`
	Hashes map[string]string `json:"model_sha256,omitempty"`
}

// FeedbackStudy runs the Reasoner on n problems drawn from seed with its
// own latents fed back, and again with each latent replaced, before it is
// fed back, by its nearest target-table row (unit length) or by that
// token's embedding row: it separates what the chain loses to the mixture
// its latents hold from what it knows. Only the Reasoner runs; the chain is
// read out by nearest target-table token at every step, as the Reasoner
// lane is, and checked with the task's CheckAnswer (a step is right when
// the tokens up to it are the start of a correct answer: InvalidPrefix).
// progress (may be nil) gets (done, total) problems.
func FeedbackStudy(ctx context.Context, set *Set, n int, seed uint64, progress func(done, total int)) (FeedbackReport, error) {
	rep := FeedbackReport{Task: set.Task.Name(), N: n, Seed: seed, Hashes: set.Hashes}
	if n < 1 {
		return rep, fmt.Errorf("feedback study: want 1 problem at least")
	}
	r := set.Reasoner
	d := r.Cfg.D
	for _, m := range FeedbackModes {
		rep.Rows = append(rep.Rows, FeedbackRow{Feed: m})
	}
	lat := make([]float32, d)
	fed := make([]float32, d)
	for k := range n {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		p := NewProblem(set.Task, seed+uint64(k)*7919).Instance
		steps := len(p.Answer())
		if steps > rep.Steps {
			for i := range rep.Rows {
				rep.Rows[i].FirstWrong = append(rep.Rows[i].FirstWrong, make([]int, steps-rep.Steps)...)
				rep.Rows[i].StepOK = append(rep.Rows[i].StepOK, make([]float64, steps-rep.Steps)...)
			}
			rep.Steps = steps
		}
		for i, mode := range FeedbackModes {
			s := r.NewStepper()
			if err := s.FeedTokens(p.Prompt()); err != nil {
				return rep, fmt.Errorf("feedback study: problem %d: %w", k, err)
			}
			toks := make([]int, 0, steps)
			for t := range steps {
				s.Latent(lat)
				tok := probes.Nearest(r.Target, d, lat, 1, nil)[0].Token
				toks = append(toks, tok)
				if t+1 == steps {
					break
				}
				var err error
				switch mode {
				case FeedLatent:
					err = s.FeedLatent(lat)
				case FeedSnap:
					latent.L2(fed, r.Target[tok*d:(tok+1)*d])
					err = s.FeedLatent(fed)
				case FeedToken:
					err = s.FeedToken(tok) // E[tok], as a token model's next input
				}
				if err != nil {
					return rep, fmt.Errorf("feedback study: problem %d: %w", k, err)
				}
			}
			row := &rep.Rows[i]
			w := firstWrong(p, toks)
			if w < 0 {
				row.Correct++
			} else {
				row.FirstWrong[w]++
			}
			for t := range steps {
				if w < 0 || t < w {
					row.StepOK[t]++
				}
			}
		}
		if progress != nil {
			progress(k+1, n)
		}
	}
	for i := range rep.Rows {
		rep.Rows[i].Correct /= float64(n)
		for t := range rep.Rows[i].StepOK {
			rep.Rows[i].StepOK[t] /= float64(n)
		}
	}
	return rep, nil
}

// firstWrong is the 0-based step of the first wrong token of a complete
// answer ans, −1 when ans is correct; an answer wrong only as a whole (a
// missing end) is wrong at its last step.
func firstWrong(p tasks.Problem, ans []int) int {
	if p.CheckAnswer(ans) == nil {
		return -1
	}
	if i, _ := InvalidPrefix(p, ans); i >= 0 {
		return i
	}
	return len(ans) - 1
}
