package engine

import (
	"fmt"
	"math"
	"slices"
)

// StepDiff compares one step of two runs.
type StepDiff struct {
	Step int `json:"step"`
	// Cosine of the two latents (1 when equal) and max |a − b| over
	// components.
	Cosine float64 `json:"cosine"`
	MaxAbs float64 `json:"max_abs_diff"`
	// NearestA, NearestB are the nearest target-table tokens (-1 when the
	// read-outs were skipped).
	NearestA int `json:"nearest_a"`
	NearestB int `json:"nearest_b"`
	// Lanes are the lanes whose token at this step differs.
	Lanes []LaneTokenDiff `json:"lanes,omitempty"`
	// Differs: the latents differ in a bit, or a token does.
	Differs bool `json:"differs"`
}

// LaneTokenDiff is one lane's two tokens at a step.
type LaneTokenDiff struct {
	Lane string `json:"lane"`
	A    int    `json:"a"`
	B    int    `json:"b"`
}

// LaneDiff compares one lane's answers (LaneTokens over every step).
type LaneDiff struct {
	Lane            string `json:"lane"`
	A               []int  `json:"a"`
	B               []int  `json:"b"`
	FirstDivergence int    `json:"first_divergence"` // 1-based; 0 when equal
}

// Diff compares two runs step by step.
type Diff struct {
	StepsA int `json:"steps_a"`
	StepsB int `json:"steps_b"`
	// Steps are the steps both runs took, every one of them.
	Steps []StepDiff `json:"steps"`
	// Lanes are the lanes whose answers differ (a lane only one run has
	// counts as differing).
	Lanes []LaneDiff `json:"lanes,omitempty"`
	// FirstDivergence is the first step that differs (a latent bit or a
	// token; or the first step only one run took); 0 when none does.
	FirstDivergence int `json:"first_divergence"`
	// Notes say how the runs' setups differ (problem, injections, task,
	// models).
	Notes []string `json:"notes,omitempty"`
}

// Empty reports whether the two runs are the same: the same number of
// steps, every latent bit-identical, every token equal.
func (d Diff) Empty() bool { return d.FirstDivergence == 0 && len(d.Lanes) == 0 }

// DiffSnapshots compares two runs' snapshots.
func DiffSnapshots(a, b []*Snapshot) Diff {
	d := Diff{StepsA: len(a), StepsB: len(b)}
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		sa, sb := a[i], b[i]
		sd := StepDiff{Step: i + 1, NearestA: nearestTok(sa), NearestB: nearestTok(sb)}
		sd.Cosine, sd.MaxAbs = 1, 0
		if len(sa.Latent) != len(sb.Latent) {
			sd.Cosine, sd.MaxAbs = 0, 0 // not comparable: the widths differ
			sd.Differs = true
		} else {
			sd.Cosine = cosine32(sa.Latent, sb.Latent)
			sd.MaxAbs = maxAbsDiff(sa.Latent, sb.Latent)
			for j := range sa.Latent {
				if math.Float32bits(sa.Latent[j]) != math.Float32bits(sb.Latent[j]) {
					sd.Differs = true
					break
				}
			}
		}
		for _, name := range laneNames(sa, sb) {
			ta, tb := sa.Token(name), sb.Token(name)
			if ta != tb {
				sd.Lanes = append(sd.Lanes, LaneTokenDiff{Lane: name, A: ta, B: tb})
			}
		}
		if sd.NearestA != sd.NearestB || len(sd.Lanes) > 0 {
			sd.Differs = true
		}
		if sd.Differs && d.FirstDivergence == 0 {
			d.FirstDivergence = i + 1
		}
		d.Steps = append(d.Steps, sd)
	}
	if d.FirstDivergence == 0 && len(a) != len(b) {
		d.FirstDivergence = n + 1
	}
	var la, lb *Snapshot
	if len(a) > 0 {
		la = a[len(a)-1]
	}
	if len(b) > 0 {
		lb = b[len(b)-1]
	}
	for _, name := range laneNames(la, lb) {
		ta, tb := LaneTokens(a, name), LaneTokens(b, name)
		if la != nil && la.LaneStep(name) == nil {
			ta = nil
		}
		if lb != nil && lb.LaneStep(name) == nil {
			tb = nil
		}
		if slices.Equal(ta, tb) {
			continue
		}
		ld := LaneDiff{Lane: name, A: ta, B: tb}
		for i := 0; i < max(len(ta), len(tb)); i++ {
			if i >= len(ta) || i >= len(tb) || ta[i] != tb[i] {
				ld.FirstDivergence = i + 1
				break
			}
		}
		d.Lanes = append(d.Lanes, ld)
	}
	return d
}

// DiffRecords compares two session files: their snapshots, with notes on
// how their setups differ.
func DiffRecords(a, b Record) Diff {
	d := DiffSnapshots(a.Snapshots, b.Snapshots)
	note := func(what, x, y string) {
		if x != y {
			d.Notes = append(d.Notes, fmt.Sprintf("%s: %s | %s", what, x, y))
		}
	}
	task := func(r Record) string {
		if r.Task == "" {
			return "tree"
		}
		return r.Task
	}
	note("task", task(a), task(b))
	note("problem", a.Problem, b.Problem)
	note("seed", fmt.Sprint(a.Seed), fmt.Sprint(b.Seed))
	note("injections", fmt.Sprint(a.Injections), fmt.Sprint(b.Injections))
	for _, f := range []string{FileReasoner, FileMono, FileDual, FileBaseline} {
		if a.Models[f] != b.Models[f] {
			note("model "+f, short(a.Models[f]), short(b.Models[f]))
		}
	}
	return d
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// laneNames lists the lanes of a and b (either may be nil), a's order
// first.
func laneNames(a, b *Snapshot) []string {
	var out []string
	for _, s := range []*Snapshot{a, b} {
		if s == nil {
			continue
		}
		for _, l := range s.Lanes {
			if !slices.Contains(out, l.Lane) {
				out = append(out, l.Lane)
			}
		}
	}
	return out
}

// cosine32 is a·b/(‖a‖‖b‖) in float64, clamped to [−1, 1] (0 when a
// vector is zero).
func cosine32(a, b []float32) float64 {
	var s, na, nb float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return math.Max(-1, math.Min(1, s/math.Sqrt(na*nb)))
}
