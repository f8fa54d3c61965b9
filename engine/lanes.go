package engine

import (
	"jrx/baseline"
	"jrx/talker"
)

// Lane names.
const (
	LaneReasoner = "reasoner" // the latent chain read out by the nearest target-table token
	LaneMono     = "mono"
	LaneDual     = "dual"
	LaneBaseline = "baseline"
)

// LaneKind says what a lane is.
type LaneKind string

const (
	// KindReadout is the Reasoner's latent chain read out by the nearest
	// target-table token: no model of its own, it never reads a token.
	KindReadout LaneKind = "readout"
	// KindTalker turns the latent trajectory into tokens (Mono, Dual).
	KindTalker LaneKind = "talker"
	// KindCoupled is a model that reads its own sampled tokens (the coupled
	// baseline T; COCONUT's token phase next).
	KindCoupled LaneKind = "coupled"
)

// LaneInfo describes one lane of a model set.
type LaneInfo struct {
	Name string   `json:"name"` // "reasoner", "mono", "dual", "baseline"
	Kind LaneKind `json:"kind"`
	// Label is how the panels name the lane ("dual-talker"); Column its
	// short name in tables of rates ("R+Dual"); Short the shortest one
	// ("Dual").
	Label  string `json:"label"`
	Column string `json:"-"`
	Short  string `json:"-"`
	// Inject is the injection spec's name for forcing this lane's token
	// ("talker" for the Dual-Talker, "baseline"); empty when the lane
	// cannot be forced (its later tokens never read its own).
	Inject string `json:"inject,omitempty"`
	// ReadsLatents: latent-level injections (noise, surgery) reach it.
	ReadsLatents bool `json:"reads_latents"`
	// Revises: a later step may change the lane's earlier tokens (the
	// Dual-Talker re-decodes the whole trajectory so far), so its tokens
	// are those of its last step.
	Revises bool `json:"revises,omitempty"`
	// Thinks: the lane makes continuous thoughts at its first steps
	// (COCONUT) instead of tokens; those steps have no token (-1) and are
	// left out of its verdict, like forced steps.
	Thinks bool `json:"thinks,omitempty"`
	// Thoughts is how many of its first steps are thoughts (Thinks only).
	Thoughts int `json:"thoughts,omitempty"`
}

// LaneStep is one lane's output at one step.
type LaneStep struct {
	Lane  string `json:"lane"`
	Token int    `json:"token"` // this step's token (after any forcing); -1 when unknown
	// SoFar is the whole output so far, for a lane that revises.
	SoFar []int `json:"so_far,omitempty"`
	// Thought: the lane made a continuous thought at this step, not a
	// token (Token is -1).
	Thought bool `json:"thought,omitempty"`
}

// lane is one model run in lockstep with the Reasoner. A lane that does not
// read latents runs concurrently with the Reasoner's step.
type lane interface {
	info() LaneInfo
	// step computes step t (1-based) from the trajectory so far (traj[t-1]
	// is step t's latent; nil for a lane that does not read latents) and
	// this lane's forced tokens (0-based step → token); prev is the lane's
	// previous step (nil at t = 1).
	step(t int, traj [][]float32, forced map[int]int, prev *LaneStep) (LaneStep, error)
	// truncate goes back to the state after step t.
	truncate(t int)
}

var (
	infoReasoner = LaneInfo{Name: LaneReasoner, Kind: KindReadout, Label: "reasoner", Column: "Reasoner", Short: "R", ReadsLatents: true}
	infoMono     = LaneInfo{Name: LaneMono, Kind: KindTalker, Label: "mono-talker", Column: "R+Mono", Short: "Mono", ReadsLatents: true}
	infoDual     = LaneInfo{Name: LaneDual, Kind: KindTalker, Label: "dual-talker", Column: "R+Dual", Short: "Dual", Inject: "talker", ReadsLatents: true, Revises: true}
	infoBaseline = LaneInfo{Name: LaneBaseline, Kind: KindCoupled, Label: "baseline", Column: "baseline T", Short: "T", Inject: "baseline"}
)

// Lanes lists the set's lanes in display order: the Reasoner's read-out,
// then the Talkers, then the coupled models.
// A set without a Dual-Talker or a baseline has no such lane.
func (s *Set) Lanes() []LaneInfo {
	out := []LaneInfo{infoReasoner, infoMono}
	if s.Dual != nil {
		out = append(out, infoDual)
	}
	if s.Baseline != nil {
		out = append(out, infoBaseline)
	}
	if s.Coconut != nil {
		c := infoCoconut
		c.Thoughts = s.Coconut.Thoughts
		out = append(out, c)
	}
	return out
}

// StandardLanes are the lanes of a set with all four required and optional
// token models (the Reasoner's read-out, Mono, Dual, baseline): the tree
// set's, for fixtures and documentation.
func StandardLanes() []LaneInfo {
	return []LaneInfo{infoReasoner, infoMono, infoDual, infoBaseline}
}

// LaneByInject returns the lane whose injection name (or lane name) is
// name.
func (s *Set) LaneByInject(name string) (LaneInfo, bool) {
	for _, l := range s.Lanes() {
		if l.Inject != "" && (l.Inject == name || l.Name == name) {
			return l, true
		}
	}
	return LaneInfo{}, false
}

// newLanes makes the models of the set's lanes for one session (the
// Reasoner's read-out is computed by the session itself).
func (s *Session) newLanes(bd *baseline.Decoder, b0 int) ([]lane, error) {
	out := []lane{&monoLane{ms: s.Set.Mono.NewStepper()}}
	if s.Set.Dual != nil {
		out = append(out, &dualLane{dr: s.Set.Dual.NewReader(s.steps)})
	}
	if s.Set.Baseline != nil {
		out = append(out, &baselineLane{bd: bd, b0: b0, prompt: len(s.prompt)})
	}
	if s.Set.Coconut != nil {
		c, err := s.newCoconutLane()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// monoLane steps the Mono-Talker's KV cache one latent at a time.
type monoLane struct{ ms *talker.MonoStepper }

func (l *monoLane) info() LaneInfo { return infoMono }
func (l *monoLane) step(t int, traj [][]float32, _ map[int]int, _ *LaneStep) (LaneStep, error) {
	tok, _, err := l.ms.Next(traj[t-1])
	return LaneStep{Lane: LaneMono, Token: tok}, err
}
func (l *monoLane) truncate(t int) { l.ms.Truncate(t) }

// dualLane decodes the trajectory so far under its forced tokens.
type dualLane struct{ dr *talker.Reader }

func (l *dualLane) info() LaneInfo { return infoDual }
func (l *dualLane) step(t int, traj [][]float32, forced map[int]int, prev *LaneStep) (LaneStep, error) {
	var hint []int
	if prev != nil {
		hint = prev.SoFar
	}
	toks, err := l.dr.Decode(traj[:t], forced, hint)
	if err != nil {
		return LaneStep{}, err
	}
	return LaneStep{Lane: LaneDual, Token: toks[t-1], SoFar: toks}, nil
}
func (l *dualLane) truncate(int) {}

// baselineLane feeds the coupled baseline its previous token (the one it
// emitted, or the forced one, which stays in its context) and reads its
// next.
type baselineLane struct {
	bd     *baseline.Decoder
	b0     int // its first token, read after the prompt
	prompt int
	toks   []int // as emitted, after forcing
}

func (l *baselineLane) info() LaneInfo { return infoBaseline }
func (l *baselineLane) step(t int, _ [][]float32, forced map[int]int, _ *LaneStep) (LaneStep, error) {
	tok := l.b0
	if t > 1 {
		if err := l.bd.Feed(l.toks[t-2]); err != nil {
			return LaneStep{}, err
		}
		tok = l.bd.Next()
	}
	if f, ok := forced[t-1]; ok {
		tok = f
	}
	l.toks = append(l.toks[:t-1], tok)
	return LaneStep{Lane: LaneBaseline, Token: tok}, nil
}
func (l *baselineLane) truncate(t int) {
	l.toks = l.toks[:min(t, len(l.toks))]
	l.bd.Truncate(l.prompt + max(t-1, 0))
}

// LaneTokens reads one lane's tokens out of snapshots: for a lane that
// revises, the last snapshot's output; otherwise each step's token. A step
// without the lane gives -1. It is the one reader the summary, the views
// and the experiments share.
func LaneTokens(snaps []*Snapshot, lane string) []int {
	out := make([]int, len(snaps))
	for i := range out {
		out[i] = -1
	}
	if len(snaps) == 0 {
		return out
	}
	if last := snaps[len(snaps)-1].LaneStep(lane); last != nil && last.SoFar != nil {
		copy(out, last.SoFar)
		return out
	}
	for i, sn := range snaps {
		if ls := sn.LaneStep(lane); ls != nil {
			out[i] = ls.Token
		}
	}
	return out
}
