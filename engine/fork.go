package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"jrx/probes"
	"jrx/tasks"
)

// Fork replaces the latent at a step by one of the hypotheses its mixture
// holds, and lets the chain continue from there (docs/MODEL.md, "Forking
// on a hypothesis"). Injection.Hyp says which:
//
//   - Hyp = K ≥ 1: the K-th atom of the step's mixture (the session's
//     mixture, probes.Decompose over the problem's hypotheses with
//     max(MixAtoms, K) atoms), its target-table row normalised:
//     r' = Ē[a_K] / ‖Ē[a_K]‖;
//   - Hyp = ForkNamed: the target-table row of Injection.Token, normalised;
//   - Hyp = ForkDropTop: the latent with its top atom's direction projected
//     out and renormalised: r' = (r − (r·ê₁)ê₁) / ‖r − (r·ê₁)ê₁‖, ê₁ =
//     Ē[a₁]/‖Ē[a₁]‖.
//
// Like a surgery it reaches the lanes that read latents; the later latents
// are recomputed from the fork.
const Fork Kind = 16

// Special values of Injection.Hyp for a Fork.
const (
	ForkNamed   = 0  // the hypothesis is Injection.Token
	ForkDropTop = -1 // project the top hypothesis out
)

// ForkGrammar is the fork spec syntax, for help texts.
const ForkGrammar = `fork@T=K         fork on a hypothesis: replace step T's latent by the target-table vector
                 of the K-th component of its mixture (K = 2: the runner-up), normalised
fork@T=X         the same with the hypothesis named by its token X
fork@T=-top      the latent with its top mixture component projected out, renormalised`

// ForkInjection is the fork at step t onto hypothesis hyp (K ≥ 1, or
// ForkDropTop).
func ForkInjection(t, hyp int) Injection {
	return Injection{Kind: Fork, Step: t, Hyp: hyp, Token: -1}
}

// ForkToken is the fork at step t onto the hypothesis tok.
func ForkToken(t, tok int, v tasks.Vocab) Injection {
	return Injection{Kind: Fork, Step: t, Hyp: ForkNamed, Token: tok, Sym: v.Sym(tok)}
}

// parseFork reads the part after "fork" of a spec: @T=K, @T=TOKEN or
// @T=-top.
func parseFork(spec, rest string, sep byte, v tasks.Vocab) (Injection, error) {
	bad := func(format string, a ...any) (Injection, error) {
		return Injection{}, fmt.Errorf("injection %q: %s", spec, fmt.Sprintf(format, a...))
	}
	if sep != '@' {
		return bad("want fork@STEP=K (K = 2 for the second hypothesis), fork@STEP=TOKEN or fork@STEP=-top")
	}
	stepStr, what, ok := strings.Cut(rest, "=")
	if !ok {
		return bad("missing '=K' (e.g. fork@2=2, fork@2=-top)")
	}
	step, err := parseStep(stepStr)
	if err != nil {
		return bad("%v", err)
	}
	what = strings.TrimSpace(what)
	switch {
	case strings.EqualFold(what, "-top"):
		return ForkInjection(step, ForkDropTop), nil
	case what != "" && what[0] >= '0' && what[0] <= '9':
		k, err := strconv.Atoi(what)
		if err != nil || k < 1 || k > maxMixTerms {
			return bad("hypothesis %q is not a whole number 1..%d", what, maxMixTerms)
		}
		return ForkInjection(step, k), nil
	}
	tok, err := parseToken(what, v)
	if err != nil {
		return bad("%v (or a number K ≥ 1, or -top)", err)
	}
	return ForkToken(step, tok, v), nil
}

// forkString is a fork's canonical spec.
func forkString(in Injection) string {
	switch {
	case in.Hyp == ForkDropTop:
		return fmt.Sprintf("fork@%d=-top", in.Step)
	case in.Hyp == ForkNamed:
		return fmt.Sprintf("fork@%d=%s", in.Step, in.Sym)
	}
	return fmt.Sprintf("fork@%d=%d", in.Step, in.Hyp)
}

// ErrNoHypothesis is returned (wrapped) when a fork asks for a mixture
// component that the step's mixture does not have.
var ErrNoHypothesis = errors.New("fork: the mixture has no such hypothesis")

// ForkLatent writes the fork's latent into lat, which holds the step's
// latent r; mix is r's mixture over the target table's rows (table: one
// row of len(lat) values per token). It returns the hypothesis token
// chosen (the dropped one for ForkDropTop). The arithmetic is float64,
// each component divided by the norm at the end; lat is left alone on an
// error (a missing component, a zero row or a latent that is all top
// component).
func ForkLatent(lat []float32, table []float32, mix probes.Mixture, in Injection) (int, error) {
	d := len(lat)
	tok := in.Token
	switch {
	case in.Hyp >= 1:
		if in.Hyp > len(mix.Atoms) {
			return -1, fmt.Errorf("%w: component %d of a mixture of %d", ErrNoHypothesis, in.Hyp, len(mix.Atoms))
		}
		tok = mix.Atoms[in.Hyp-1].Token
	case in.Hyp == ForkDropTop:
		if len(mix.Atoms) == 0 {
			return -1, fmt.Errorf("%w: the mixture is empty", ErrNoHypothesis)
		}
		tok = mix.Atoms[0].Token
	}
	if tok < 0 || (tok+1)*d > len(table) {
		return -1, fmt.Errorf("fork: token %d outside the target table", tok)
	}
	row := table[tok*d : (tok+1)*d]
	var en float64
	for _, v := range row {
		en += float64(v) * float64(v)
	}
	en = math.Sqrt(en)
	if en == 0 || math.IsNaN(en) || math.IsInf(en, 0) {
		return -1, fmt.Errorf("fork: the target-table row of token %d has no direction", tok)
	}
	out := make([]float64, d)
	if in.Hyp == ForkDropTop {
		var p float64 // r·ê₁
		for j, v := range row {
			p += float64(lat[j]) * float64(v) / en
		}
		for j, v := range row {
			out[j] = float64(lat[j]) - p*float64(v)/en
		}
	} else {
		for j, v := range row {
			out[j] = float64(v)
		}
	}
	var n float64
	for _, v := range out {
		n += v * v
	}
	n = math.Sqrt(n)
	if n < 1e-9 || math.IsNaN(n) {
		return -1, fmt.Errorf("fork: nothing is left of the latent once its top component %d is projected out", tok)
	}
	for j, v := range out {
		lat[j] = float32(v / n)
	}
	return tok, nil
}

// applyFork applies a fork injection at its step to lat (the session's
// latent of that step).
func (s *Session) applyFork(in Injection, lat []float32, snap *Snapshot) error {
	r := s.Set.Reasoner
	var mix probes.Mixture
	if in.Hyp != ForkNamed {
		mix = s.forkMixture(lat, in.Hyp)
	}
	tok, err := ForkLatent(lat, r.Target, mix, in)
	if err != nil {
		return err
	}
	what := "onto"
	if in.Hyp == ForkDropTop {
		what = "without"
	}
	snap.Injected = append(snap.Injected, fmt.Sprintf("%s (%s %s)", in, what, s.Set.Task.Vocab().Sym(tok)))
	return nil
}

// ForkAt returns a new session on s's problem with s's injections and in
// (a Fork) added, advanced to s's step or the fork's step, whichever is
// later. Its clean run is s's, so its lanes compare with the same clean
// run, and DiffSnapshots compares it with s step by step.
func (s *Session) ForkAt(ctx context.Context, in Injection) (*Session, error) {
	if in.Kind != Fork {
		return nil, fmt.Errorf("fork: %s is not a fork", in)
	}
	n, err := newWithClean(s.Set, s.Problem, append(s.Injections(), in), s.Opts, s.clean)
	if err != nil {
		return nil, err
	}
	return n, n.JumpToContext(ctx, max(len(s.snaps), min(in.Step, s.steps)))
}

// forkMixture is the mixture a fork onto hypothesis hyp reads: the
// snapshots' mixture (over the problem's hypotheses), with at least hyp
// atoms.
func (s *Session) forkMixture(lat []float32, hyp int) probes.Mixture {
	r := s.Set.Reasoner
	allow := map[int]bool{}
	for _, h := range s.Problem.Instance.Hypotheses() {
		allow[h] = true
	}
	return probes.Decompose(r.Target, r.Cfg.D, lat, max(s.Opts.MixAtoms, hyp), func(t int) bool { return allow[t] })
}
