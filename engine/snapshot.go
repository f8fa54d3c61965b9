package engine

import (
	"encoding/json"

	"jrx/probes"
)

// Snapshot is everything known at one latent step. It is a value: the
// engine never changes a snapshot after handing it out, so rendering it
// twice gives the same screen.
type Snapshot struct {
	Step int `json:"step"` // 1-based
	// Latent is the unit latent of this step as the Reasoner holds it (after
	// any latent-level injection at this step); it is what the Talkers read
	// and what is fed back.
	Latent []float32 `json:"latent"`
	// PreNorm is ‖h‖ before L2 normalisation.
	PreNorm float64 `json:"pre_norm"`
	// Angle to the previous step's latent, in degrees (0 at step 1).
	Angle float64 `json:"angle_deg"`
	// NearestTarget are the nearest rows of the EMA target table Ē (the
	// space SST trains latents into); NearestEmbed of the token embedding E.
	NearestTarget []probes.TokenScore `json:"nearest"`
	NearestEmbed  []probes.TokenScore `json:"nearest_embed"`
	Margin        float64             `json:"margin"`
	// Mixture decomposes the latent over Ē's content rows (letters, EOS).
	Mixture probes.Mixture `json:"mixture"`
	// Probe is the plane probe of the step's correct token and its rival
	// (the tree: the correct child and its sibling; nil where the task has
	// no rival, at the root and EOS steps).
	Probe *SiblingProbe `json:"probe,omitempty"`
	// Lanes are every lane's output at this step, in the set's lane order
	// (Set.Lanes); read them with LaneStep or LaneTokens.
	Lanes []LaneStep `json:"lanes"`
	Truth int        `json:"truth"` // -1 when unknown
	// Injected lists the injections that acted at this step.
	Injected []string `json:"injected,omitempty"`
	// LatentChange is max |r_t − r_t(clean)| over components.
	LatentChange float64 `json:"latent_change"`
}

// LaneStep returns the named lane's output at this step (nil when the
// snapshot has no such lane).
func (s *Snapshot) LaneStep(lane string) *LaneStep {
	for i := range s.Lanes {
		if s.Lanes[i].Lane == lane {
			return &s.Lanes[i]
		}
	}
	return nil
}

// Token is the named lane's token at this step (-1 when unknown).
func (s *Snapshot) Token(lane string) int {
	if l := s.LaneStep(lane); l != nil {
		return l.Token
	}
	return -1
}

// UnmarshalJSON reads a snapshot, including those of version-2 session
// files, whose lanes were fixed fields (talker_mono, talker_dual, baseline).
func (s *Snapshot) UnmarshalJSON(b []byte) error {
	type plain Snapshot
	var v struct {
		plain
		Mono      *int  `json:"talker_mono"`
		DualSoFar []int `json:"talker_dual"`
		Baseline  *int  `json:"baseline"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Snapshot(v.plain)
	if s.Lanes == nil && v.Mono != nil && v.Baseline != nil {
		reasoner := -1
		if len(s.NearestTarget) > 0 {
			reasoner = s.NearestTarget[0].Token
		}
		dual := -1
		if n := len(v.DualSoFar); n > 0 {
			dual = v.DualSoFar[n-1]
		}
		s.Lanes = []LaneStep{{Lane: LaneReasoner, Token: reasoner}, {Lane: LaneMono, Token: *v.Mono},
			{Lane: LaneDual, Token: dual, SoFar: v.DualSoFar}, {Lane: LaneBaseline, Token: *v.Baseline}}
	}
	return nil
}

// SiblingProbe is the projection of the latent onto the plane of the two
// children of the route's node at the previous step.
type SiblingProbe struct {
	Correct int     `json:"correct"`
	Sibling int     `json:"sibling"`
	Alpha   float64 `json:"alpha"` // coefficient of the correct child
	Beta    float64 `json:"beta"`  // coefficient of the sibling
	Dist    float64 `json:"dist"`  // distance of the latent to the plane
	RankPct float64 `json:"rank_pct"`
}
