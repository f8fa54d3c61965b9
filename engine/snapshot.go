package engine

import "jrx/probes"

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
	// Probe is the tree task's sibling-plane probe at this step (nil at the
	// root and EOS steps, or when the truth is unknown).
	Probe *SiblingProbe `json:"probe,omitempty"`
	// Lanes' tokens at this step; DualSoFar is the Dual-Talker's decoding of
	// the trajectory up to this step.
	Mono      int   `json:"talker_mono"`
	DualSoFar []int `json:"talker_dual"`
	Baseline  int   `json:"baseline"`
	Truth     int   `json:"truth"` // -1 when unknown
	// Injected lists the injections that acted at this step.
	Injected []string `json:"injected,omitempty"`
	// LatentChange is max |r_t − r_t(clean)| over components.
	LatentChange float64 `json:"latent_change"`
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
