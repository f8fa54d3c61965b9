package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"jrx/tasks"
)

// CondKind is what a breakpoint condition measures.
type CondKind int

const (
	// CondChange: the nearest target-table token differs from the clean
	// run's at this step (Lane "prev": from the previous step's).
	CondChange CondKind = iota + 1
	// CondMargin: the nearest token's lead over the runner-up (cosine).
	CondMargin
	// CondAngle: the angle between this step's latent and the previous
	// one, in degrees.
	CondAngle
	// CondEntropy: the entropy of the mixture's weights, in nats
	// (−Σ w·ln w; 0 for one atom, ln 3 ≈ 1.10 for three equal atoms).
	CondEntropy
	// CondDiverge: a lane's tokens so far differ from the clean run's.
	CondDiverge
	// CondDLatent: max |r_t − r_t(clean)| over components.
	CondDLatent
	// CondInvalid: a lane's tokens so far are no longer the start of a
	// valid answer (the problem's CheckAnswer names a step inside them).
	CondInvalid
)

// Condition is one breakpoint condition; ParseCondition reads its spec
// and String writes it back.
type Condition struct {
	Kind CondKind
	// Op is '<' or '>' for the measured kinds (margin, angle, entropy,
	// dlatent); X the threshold.
	Op byte
	X  float64
	// Lane names the lane of diverge and invalid (a lane name such as
	// "dual", or an injection name such as "talker"), and "prev" for
	// change:prev.
	Lane string
}

// BreakGrammar is the condition syntax, for help texts.
const BreakGrammar = `change           the nearest target-table token differs from the clean run's at this step
change:prev      the nearest token differs from the previous step's
margin<X         the nearest token leads the runner-up by less than X (cosine); also margin>X
angle>D          the latent turned by more than D degrees since the previous step; also angle<D
entropy>H        the mixture's weights have entropy above H nats (ln 2 = 0.69: two equal atoms)
dlatent>E        max |r − r(clean)| over components exceeds E (the latent left the clean run)
diverge:LANE     LANE's tokens so far differ from the clean run's (LANE: reasoner, mono, dual, baseline)
invalid:LANE     LANE's tokens so far stop being the start of a valid answer for the task`

// ParseCondition reads one condition spec (see BreakGrammar). Lane names
// are checked against a model set by CheckConditions.
func ParseCondition(spec string) (Condition, error) {
	s := strings.ToLower(strings.Join(strings.Fields(spec), ""))
	bad := func(format string, a ...any) (Condition, error) {
		return Condition{}, fmt.Errorf("breakpoint %q: %s", spec, fmt.Sprintf(format, a...))
	}
	if s == "" {
		return bad("empty (want e.g. margin<0.2, angle>80, diverge:baseline)")
	}
	if name, lane, ok := strings.Cut(s, ":"); ok {
		if !isLaneName(lane) {
			return bad("%q is not a lane name", lane)
		}
		switch name {
		case "diverge":
			return Condition{Kind: CondDiverge, Lane: lane}, nil
		case "invalid":
			return Condition{Kind: CondInvalid, Lane: lane}, nil
		case "change":
			if lane != "prev" {
				return bad("want change or change:prev")
			}
			return Condition{Kind: CondChange, Lane: lane}, nil
		}
		return bad("unknown condition %q (diverge:LANE, invalid:LANE or change:prev)", name)
	}
	if s == "change" {
		return Condition{Kind: CondChange}, nil
	}
	i := strings.IndexAny(s, "<>")
	if i < 0 {
		return bad("unknown condition (want change, margin<X, angle>D, entropy>H, dlatent>E, diverge:LANE or invalid:LANE)")
	}
	name, op, num := s[:i], s[i], strings.TrimPrefix(s[i+1:], "=")
	kinds := map[string]CondKind{"margin": CondMargin, "angle": CondAngle, "entropy": CondEntropy, "dlatent": CondDLatent}
	k, ok := kinds[name]
	if !ok {
		return bad("unknown measure %q (margin, angle, entropy or dlatent)", name)
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return bad("threshold %q is not a number", num)
	}
	return Condition{Kind: k, Op: op, X: x}, nil
}

// String is the canonical spec, which ParseCondition reads back.
func (c Condition) String() string {
	num := func(n string) string { return n + string(c.Op) + strconv.FormatFloat(c.X, 'g', -1, 64) }
	switch c.Kind {
	case CondChange:
		if c.Lane != "" {
			return "change:" + c.Lane
		}
		return "change"
	case CondMargin:
		return num("margin")
	case CondAngle:
		return num("angle")
	case CondEntropy:
		return num("entropy")
	case CondDLatent:
		return num("dlatent")
	case CondDiverge:
		return "diverge:" + c.Lane
	case CondInvalid:
		return "invalid:" + c.Lane
	}
	return fmt.Sprintf("Condition(%d)", int(c.Kind))
}

// CheckConditions resolves the lanes the conditions name against set
// (an injection name such as "talker" becomes its lane, "dual"), and
// returns an error naming an unknown lane.
func CheckConditions(set *Set, conds []Condition) ([]Condition, error) {
	out := append([]Condition(nil), conds...)
	for i, c := range out {
		if c.Kind != CondDiverge && c.Kind != CondInvalid {
			continue
		}
		found := false
		var names []string
		for _, l := range set.Lanes() {
			names = append(names, l.Name)
			if l.Name == c.Lane || (l.Inject != "" && l.Inject == c.Lane) {
				out[i].Lane, found = l.Name, true
			}
		}
		if !found {
			return nil, fmt.Errorf("breakpoint %s: the model set has no lane %q (%s)", c, c.Lane, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// BreakInput is what a condition reads at step t = len(Snaps): the steps
// so far, the clean run's steps (at least t of them for the comparisons;
// fewer make those conditions false) and the problem.
type BreakInput struct {
	Snaps   []*Snapshot
	Clean   []*Snapshot
	Problem tasks.Problem
}

// BreakInput is the session's input for its current step.
func (s *Session) BreakInput() BreakInput {
	return BreakInput{Snaps: s.Snapshots(), Clean: s.Clean(), Problem: s.Problem.Instance}
}

// MixtureEntropy is −Σ w·ln w over the mixture's atom weights (nats).
func MixtureEntropy(sn *Snapshot) float64 {
	var h float64
	for _, a := range sn.Mixture.Atoms {
		if a.Weight > 0 {
			h -= a.Weight * math.Log(a.Weight)
		}
	}
	return h
}

// nearestTok is the snapshot's nearest target-table token (-1 when the
// read-outs were skipped).
func nearestTok(sn *Snapshot) int {
	if len(sn.NearestTarget) == 0 {
		return -1
	}
	return sn.NearestTarget[0].Token
}

// Eval reports whether the condition holds at the last step of in, and
// says why in words (the measured value, or the tokens that differ). With
// no step it is false.
func (c Condition) Eval(in BreakInput) (bool, string) {
	t := len(in.Snaps)
	if t == 0 {
		return false, ""
	}
	sn := in.Snaps[t-1]
	var prev, clean *Snapshot
	if t > 1 {
		prev = in.Snaps[t-2]
	}
	if t <= len(in.Clean) {
		clean = in.Clean[t-1]
	}
	cmp := func(what string, v float64, unit string) (bool, string) {
		hit := (c.Op == '<' && v < c.X) || (c.Op == '>' && v > c.X)
		return hit, fmt.Sprintf("%s %.4g%s %c %g%s", what, v, unit, c.Op, c.X, unit)
	}
	switch c.Kind {
	case CondChange:
		ref, what := clean, "the clean run's"
		if c.Lane == "prev" {
			ref, what = prev, "the previous step's"
		}
		if ref == nil || nearestTok(sn) < 0 || nearestTok(ref) < 0 {
			return false, ""
		}
		a, b := nearestTok(sn), nearestTok(ref)
		return a != b, fmt.Sprintf("nearest token %d, %s %d", a, what, b)
	case CondMargin:
		if len(sn.NearestTarget) < 2 {
			return false, ""
		}
		return cmp("margin", sn.Margin, "")
	case CondAngle:
		if prev == nil {
			return false, ""
		}
		return cmp("angle", sn.Angle, "°")
	case CondEntropy:
		if len(sn.Mixture.Atoms) == 0 {
			return false, ""
		}
		return cmp("mixture entropy", MixtureEntropy(sn), " nats")
	case CondDLatent:
		if clean == nil {
			return false, ""
		}
		return cmp("Δlatent", sn.LatentChange, "")
	case CondDiverge:
		if t > len(in.Clean) {
			return false, ""
		}
		got, ref := LaneTokens(in.Snaps, c.Lane), LaneTokens(in.Clean[:t], c.Lane)
		for i := range got {
			if got[i] != ref[i] {
				return true, fmt.Sprintf("%s token at step %d is %d, the clean run's %d", c.Lane, i+1, got[i], ref[i])
			}
		}
		return false, ""
	case CondInvalid:
		if in.Problem == nil {
			return false, ""
		}
		toks := LaneTokens(in.Snaps, c.Lane)
		if bad, err := InvalidPrefix(in.Problem, toks); bad >= 0 {
			return true, fmt.Sprintf("%s answer is invalid from step %d: %v", c.Lane, bad+1, err)
		}
		return false, ""
	}
	return false, ""
}

// InvalidPrefix returns the 0-based index of the first token of prefix
// that no valid answer of p has there, and CheckAnswer's error; -1 when
// prefix still begins a valid answer (or ends one). It reads the step from
// the error's Step field (tree.RouteError, cfg.AnswerError: a step equal
// to len(prefix) means only "not finished yet"); an error without one
// counts the whole prefix as invalid only when it is complete (ends with
// EOS). A token of -1 (unknown) is invalid at once.
func InvalidPrefix(p tasks.Problem, prefix []int) (int, error) {
	for i, t := range prefix {
		if t < 0 {
			return i, errors.New("no token")
		}
	}
	err := p.CheckAnswer(prefix)
	if err == nil {
		return -1, nil
	}
	if step, ok := errorStep(err); ok {
		if step < len(prefix) {
			return step, err
		}
		return -1, nil
	}
	return -1, nil
}

// errorStep reads an exported int field Step from err (or an error it
// wraps) through a pointer to a struct.
func errorStep(err error) (int, bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		f := v.FieldByName("Step")
		if f.IsValid() && f.CanInt() {
			return int(f.Int()), true
		}
	}
	return 0, false
}

// Hit is a condition that held.
type Hit struct {
	Step int       `json:"step"`
	Cond Condition `json:"-"`
	Spec string    `json:"condition"`
	Why  string    `json:"why"`
}

// FirstHit returns the first of conds (in order) that holds at the last
// step of in.
func FirstHit(conds []Condition, in BreakInput) (Hit, bool) {
	for _, c := range conds {
		if ok, why := c.Eval(in); ok {
			return Hit{Step: len(in.Snaps), Cond: c, Spec: c.String(), Why: why}, true
		}
	}
	return Hit{}, false
}

// RunUntil takes steps until one of conds holds at the step just taken, or
// the last step is taken; it checks ctx between steps (a cancelled run
// keeps the steps taken and returns ctx's error). ok is false when the run
// ended without a hit.
func (s *Session) RunUntil(ctx context.Context, conds []Condition) (hit Hit, ok bool, err error) {
	for !s.Done() {
		if err := ctx.Err(); err != nil {
			return Hit{}, false, err
		}
		if _, err := s.Step(); err != nil {
			return Hit{}, false, err
		}
		if h, ok := FirstHit(conds, s.BreakInput()); ok {
			return h, true, nil
		}
	}
	return Hit{}, false, nil
}
