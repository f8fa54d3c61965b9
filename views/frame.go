package views

import (
	"fmt"

	"jrx/engine"
	"jrx/tasks"
)

// Frame is one session's state as the views see it: values copied out of
// the engine (snapshots are immutable), so rendering a Frame twice gives
// the same screen and the views never touch a model.
type Frame struct {
	// Problem is the session's problem, Vocab its task's vocabulary and
	// LaneInfo the model set's lanes in display order.
	Task       string // the task's name (tasks.Task.Name): it picks the task's panel
	Problem    tasks.Problem
	Vocab      tasks.Vocab
	LaneInfo   []engine.LaneInfo
	Steps      int                // T: route + EOS
	Snaps      []*engine.Snapshot // the steps taken
	Clean      []*engine.Snapshot // the clean run (every step) when there are injections
	Summary    engine.Summary
	Injections []engine.Injection
	Answer     []int // truth: route then EOS
	// OutOfDistribution says how the problem differs from the model set's
	// training distribution (Task.InDistribution), "" when it does not:
	// the models may well be wrong on it, and the screen says so before
	// the first step.
	OutOfDistribution string
	// Command is the jrx run command line that reproduces the problem and
	// its injections (engine.Session.Command): "copy as command".
	Command string
	// Fork is the fork shown beside the run (a session with the run's
	// injections and one fork more, engine.Session.ForkAt), nil when none:
	// the lanes panel draws its lanes under the run's, and the compare
	// view diffs it against the run.
	Fork *Frame
	// PCA is the current problem's latents and its hypotheses' target-table
	// rows on their top two principal components (the PCA panel), nil when
	// the frame has none (then the panel is not listed).
	PCA *PCAView
}

// PCAView is the data of the PCA panel: the steps taken's latents and the
// problem's hypotheses' normalised target-table rows, projected on the top
// two principal components of those points together (probes.PCA).
type PCAView struct {
	// Explained is the fraction of the points' variance along PC1 and PC2.
	Explained [2]float64
	// Steps are the latents of steps 1, 2, ... (PC1, PC2).
	Steps [][2]float64
	// Vocab are the hypotheses' rows.
	Vocab []PCAToken
}

// PCAToken is one vocabulary point of the PCA panel.
type PCAToken struct {
	Token int
	X, Y  float64
}

// forkOf is f's fork, nil when none.
func forkOf(f *Frame) *Frame {
	if f == nil {
		return nil
	}
	return f.Fork
}

// forkStepOf is the step of fk's fork (its last fork injection), 0 when
// none.
func forkStepOf(fk *Frame) int {
	for i := len(fk.Injections) - 1; i >= 0; i-- {
		if fk.Injections[i].Kind == engine.Fork {
			return fk.Injections[i].Step
		}
	}
	return 0
}

// forkLabel names a fork frame by its fork injection (the last fork among
// its injections).
func forkLabel(fk *Frame) string {
	for i := len(fk.Injections) - 1; i >= 0; i-- {
		if fk.Injections[i].Kind == engine.Fork {
			return fk.Injections[i].String()
		}
	}
	return "fork"
}

// offDistribution is the warning a problem panel shows on top when the
// problem lies outside the training distribution: at most most lines of w
// cells (the last one cut with "…"), none when it lies inside.
func (f *Frame) offDistribution(st *Styles, w, most int, compact bool) []string {
	if f == nil || f.OutOfDistribution == "" || most < 1 {
		return nil
	}
	msg := "⚠ outside the training distribution: " + f.OutOfDistribution + "; the models may well be wrong here."
	if compact {
		msg = "⚠ off-distribution: " + f.OutOfDistribution
	}
	lines := wrap(msg, w)
	if len(lines) > most {
		lines = lines[:most]
		lines[most-1] = fit(lines[most-1]+" …", w)
	}
	for i, l := range lines {
		lines[i] = st.Status.Error.Render(l)
	}
	return lines
}

// drawsNoise reports whether an injection draws random numbers (seeded by
// the session's seed): noise on latents or thoughts, input corruption.
func (f *Frame) drawsNoise() bool {
	if f == nil {
		return false
	}
	for _, in := range f.Injections {
		switch in.Kind {
		case engine.Noise, engine.ThoughtNoise, engine.InputCorrupt:
			return true
		}
	}
	return false
}

// Taken is the number of steps taken.
func (f *Frame) Taken() int {
	if f == nil {
		return 0
	}
	return len(f.Snaps)
}

// Snap is step t's snapshot (1-based), nil when not taken.
func (f *Frame) Snap(t int) *engine.Snapshot {
	if f == nil || t < 1 || t > len(f.Snaps) {
		return nil
	}
	return f.Snaps[t-1]
}

// Truth is the true token at step t (1-based), -1 when unknown.
func (f *Frame) Truth(t int) int {
	if f == nil || t < 1 || t > len(f.Answer) {
		return -1
	}
	return f.Answer[t-1]
}

// Lane returns the summary lane called name.
func (f *Frame) Lane(name string) *engine.Lane {
	if f == nil {
		return nil
	}
	for i := range f.Summary.Lanes {
		if f.Summary.Lanes[i].Name == name {
			return &f.Summary.Lanes[i]
		}
	}
	return nil
}

// cleanTokens is what lane emitted in the clean run over the first n
// steps (nil without injections): the reference for "differs".
func (f *Frame) cleanTokens(lane string, n int) []int {
	if f == nil || len(f.Injections) == 0 || len(f.Clean) == 0 {
		return nil
	}
	snaps := f.Clean[:min(n, len(f.Clean))]
	if len(snaps) == 0 {
		return nil
	}
	return engine.LaneTokens(snaps, lane)
}

// injectedAt lists the injections acting at step t (1-based); noise on
// every step counts at every step.
func (f *Frame) injectedAt(t int) []engine.Injection {
	var out []engine.Injection
	if f == nil {
		return nil
	}
	for _, in := range f.Injections {
		if in.Step == t || (in.Kind == engine.Noise && in.Step == 0) {
			out = append(out, in)
		}
	}
	return out
}

// sym is a token as the panels show it (the vocabulary's Short spelling;
// "?" for a negative id or without a vocabulary).
func (f *Frame) sym(id int) string {
	if id < 0 || f == nil || f.Vocab == nil {
		if id < 0 {
			return "?"
		}
		return fmt.Sprintf("#%d", id)
	}
	return f.Vocab.Short(id)
}

// Sym is sym for other packages.
func (f *Frame) Sym(id int) string { return f.sym(id) }
