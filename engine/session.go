package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"jrx/baseline"
	"jrx/latent"
	"jrx/probes"
	"jrx/tasks"
)

// Problem is one problem of the model set's task (generated from Seed, or
// typed).
type Problem struct {
	Instance tasks.Problem
	// Seed generated the problem (0 when typed); it also seeds the
	// session's noise and input corruption.
	Seed uint64
	// Text is the problem's text form.
	Text string
}

// NewProblem draws the problem of seed from task (its evaluation form).
func NewProblem(task tasks.Task, seed uint64) Problem {
	p := tasks.SampleSeed(task, seed)
	return Problem{Instance: p, Seed: seed, Text: p.Text()}
}

// ParseProblem reads a typed problem of task (errors are
// *tasks.ParseError). seed seeds the session's noise.
func ParseProblem(task tasks.Task, text string, seed uint64) (Problem, error) {
	p, err := task.Parse(text)
	if err != nil {
		return Problem{}, err
	}
	return Problem{Instance: p, Seed: seed, Text: p.Text()}, nil
}

// Options are the read-out sizes.
type Options struct {
	TopK     int // nearest tokens per table (default 5)
	MixAtoms int // at most this many atoms in a mixture (default 3)
	// Light skips the read-outs (nearest tokens, mixture, sibling probe):
	// for experiments over many problems that need only the lanes' tokens
	// and the latents.
	Light bool
}

func (o Options) withDefaults() Options {
	if o.TopK <= 0 {
		o.TopK = 5
	}
	if o.MixAtoms <= 0 {
		o.MixAtoms = 3
	}
	return o
}

// Session drives the Reasoner one latent step at a time on one problem,
// with the Talkers and the baseline in lockstep, under a list of
// injections. A clean copy (same problem, no injections) is kept for
// comparison. Methods are not safe for concurrent use.
type Session struct {
	Set     *Set
	Problem Problem
	Opts    Options
	inj     []Injection
	clean   *Session // nil for the clean session itself

	prompt []int // the Reasoner's and the baseline's prompt (after input corruption)
	answer []int // truth: route then EOS
	steps  int   // T: answer length
	rs     *latent.Stepper
	h0     []float32 // final-norm output after the prompt
	lanes  []lane    // the set's lanes but the Reasoner's read-out, in order
	snaps  []*Snapshot
}

// NewSession prefills the prompt and computes the clean run.
func NewSession(set *Set, p Problem, inj []Injection, opts Options) (*Session, error) {
	if p.Instance == nil {
		return nil, errors.New("session: no problem")
	}
	return newWithClean(set, p, inj, opts, nil)
}

// newWithClean is NewSession with the clean run given (nil: compute it).
// A clean run is a finished session without injections on the same problem
// and options; it is only read, so injected sessions may share one.
func newWithClean(set *Set, p Problem, inj []Injection, opts Options, clean *Session) (*Session, error) {
	s, err := newSession(set, p, inj, opts)
	if err != nil {
		return nil, err
	}
	if len(inj) == 0 {
		return s, nil
	}
	if clean == nil {
		if clean, err = cleanRun(set, p, opts); err != nil {
			return nil, err
		}
	}
	s.clean = clean
	return s, nil
}

// cleanRun is the finished session without injections.
func cleanRun(set *Set, p Problem, opts Options) (*Session, error) {
	c, err := newSession(set, p, nil, opts)
	if err != nil {
		return nil, err
	}
	return c, c.RunToEnd()
}

func newSession(set *Set, p Problem, inj []Injection, opts Options) (*Session, error) {
	s := &Session{Set: set, Problem: p, Opts: opts.withDefaults(), inj: append([]Injection(nil), inj...)}
	s.answer = p.Instance.Answer()
	s.steps = len(s.answer)
	for _, in := range inj {
		if err := s.checkInjection(in); err != nil {
			return nil, err
		}
	}
	s.prompt = p.Instance.Prompt()
	if f := s.corruption(); f > 0 {
		s.prompt = tasks.Corrupt(set.Task.Vocab(), s.prompt, f, rand.New(rand.NewPCG(p.Seed, 0x696e707574)))
	}
	need := len(s.prompt) + s.steps
	if need > set.Reasoner.Cfg.Context || set.Baseline != nil && need > set.Baseline.Net.Cfg.Context {
		return nil, fmt.Errorf("session: the problem needs %d positions, the models hold %d", need, set.Reasoner.Cfg.Context)
	}
	if s.steps > set.Mono.Cfg.Context || set.Dual != nil && s.steps > set.Dual.Cfg.Context {
		return nil, fmt.Errorf("session: the route needs %d steps, the Talkers read at most %d (the model set was trained on shallower trees)", s.steps, set.Mono.Cfg.Context)
	}
	// The baseline reads the prompt on the other core while the Reasoner
	// does (two independent models; the numbers do not depend on it).
	type baseInit struct {
		bd  *baseline.Decoder
		b0  int
		err error
	}
	bch := make(chan baseInit, 1)
	go func() {
		var r baseInit
		if set.Baseline == nil {
			bch <- r
			return
		}
		if r.bd, r.err = set.Baseline.NewDecoder(s.prompt); r.err == nil {
			r.b0 = r.bd.Next()
		}
		bch <- r
	}()
	s.rs = set.Reasoner.NewStepper()
	err := s.rs.FeedTokens(s.prompt)
	b := <-bch
	if err != nil {
		return nil, err
	}
	if b.err != nil {
		return nil, b.err
	}
	s.h0 = append([]float32(nil), s.rs.H()...)
	if s.lanes, err = s.newLanes(b.bd, b.b0); err != nil {
		return nil, err
	}
	return s, nil
}

// checkInjection checks an injection against the problem and the set.
func (s *Session) checkInjection(in Injection) error {
	if in.Step > s.steps {
		return fmt.Errorf("injection %s: step %d is past the last step (%d)", in, in.Step, s.steps)
	}
	toks := []int{}
	if in.Kind == Force {
		if _, ok := s.Set.LaneByInject(in.Lane); !ok {
			return fmt.Errorf("injection %s: the model set has no lane %q that can be forced (%s)", in, in.Lane, injectNames(s.Set))
		}
		toks = append(toks, in.Token)
	}
	for _, m := range in.Mix {
		toks = append(toks, m.Token)
	}
	for _, tok := range toks {
		if tok < 0 || tok >= s.Set.Reasoner.Cfg.Vocab {
			return fmt.Errorf("injection %s: token outside the vocabulary", in)
		}
	}
	return nil
}

func (s *Session) corruption() float64 {
	f := 0.0
	for _, in := range s.inj {
		if in.Kind == InputCorrupt {
			f = math.Max(f, in.Frac)
		}
	}
	return f
}

// Steps is T, the number of latent steps of the problem (route + EOS).
func (s *Session) Steps() int { return s.steps }

// T is the number of steps taken.
func (s *Session) T() int { return len(s.snaps) }

// Snapshots returns the steps taken so far (the slice is a copy; the
// snapshots are immutable).
func (s *Session) Snapshots() []*Snapshot { return append([]*Snapshot(nil), s.snaps...) }

// Injections returns the session's injections.
func (s *Session) Injections() []Injection { return append([]Injection(nil), s.inj...) }

// Prompt is the prompt the models read (after any input corruption).
func (s *Session) Prompt() []int { return append([]int(nil), s.prompt...) }

// Answer is the true answer (route then EOS).
func (s *Session) Answer() []int { return append([]int(nil), s.answer...) }

// Clean is the clean session's snapshots (the session's own when it has no
// injections).
func (s *Session) Clean() []*Snapshot {
	if s.clean == nil {
		return s.Snapshots()
	}
	return s.clean.Snapshots()
}

// Done reports whether every step has been taken.
func (s *Session) Done() bool { return len(s.snaps) >= s.steps }

// ErrDone is returned by Step after the last step.
var ErrDone = errors.New("session: no more steps (the route and EOS are complete)")

// Step takes one latent step and returns its snapshot.
func (s *Session) Step() (snap *Snapshot, err error) {
	if s.Done() {
		return nil, ErrDone
	}
	r := s.Set.Reasoner
	d := r.Cfg.D
	t := len(s.snaps) + 1
	snap = &Snapshot{Step: t, Truth: -1}
	var prev *Snapshot
	if t > 1 {
		prev = s.snaps[t-2]
	}

	// Lanes that never read a latent (the coupled baseline) take their step
	// on the other core while the Reasoner and the Talkers take theirs.
	outs := make([]LaneStep, len(s.lanes))
	var pending []chan error
	for i, l := range s.lanes {
		if l.info().ReadsLatents {
			continue
		}
		ch := make(chan error, 1)
		pending = append(pending, ch)
		go func() {
			var err error
			outs[i], err = l.step(t, nil, s.forced(l.info().Inject, t), prevLane(prev, l.info().Name))
			ch <- err
		}()
	}
	wait := func() error {
		var first error
		for _, ch := range pending {
			if err := <-ch; err != nil && first == nil {
				first = err
			}
		}
		pending = nil
		return first
	}
	defer func() {
		if werr := wait(); werr != nil && err == nil { // no lane is ever left running
			snap, err = nil, werr
		}
		if err != nil {
			// A failed step leaves every model as it was before it.
			s.rs.Truncate(len(s.prompt) + max(t-2, 0))
			for _, l := range s.lanes {
				l.truncate(t - 1)
			}
		}
	}()
	if t-1 < len(s.answer) {
		snap.Truth = s.answer[t-1]
	}

	// 1. The Reasoner: feed back the previous latent, read the next.
	h := s.h0
	if t > 1 {
		if err := s.rs.FeedLatent(prev.Latent); err != nil {
			return nil, err
		}
		h = s.rs.H()
	}
	lat := make([]float32, d)
	snap.PreNorm = float64(latent.L2(lat, h))
	if err := s.applyLatentInjections(t, lat, snap); err != nil {
		return nil, err
	}
	if err := checkFinite(lat); err != nil {
		return nil, fmt.Errorf("step %d: %w", t, err)
	}
	snap.Latent = lat
	if t > 1 {
		snap.Angle = angle(prev.Latent, lat)
	}

	// 2. Read-outs of the latent.
	if !s.Opts.Light {
		s.readOuts(t, lat, snap)
	}

	// 3. The lanes that read latents, in order, on the trajectory so far.
	traj := make([][]float32, t)
	for i := 0; i < t-1; i++ {
		traj[i] = s.snaps[i].Latent
	}
	traj[t-1] = lat
	for i, l := range s.lanes {
		if !l.info().ReadsLatents {
			continue
		}
		if outs[i], err = l.step(t, traj, s.forced(l.info().Inject, t), prevLane(prev, l.info().Name)); err != nil {
			return nil, err
		}
	}
	if err := wait(); err != nil {
		return nil, err
	}

	// 4. Record: the Reasoner's read-out first, then the lanes.
	rtok := -1
	if len(snap.NearestTarget) > 0 {
		rtok = snap.NearestTarget[0].Token
	}
	snap.Lanes = append(make([]LaneStep, 0, len(outs)+1), LaneStep{Lane: LaneReasoner, Token: rtok})
	snap.Lanes = append(snap.Lanes, outs...)
	for _, in := range s.inj {
		if in.Kind == Force && in.Step == t {
			snap.Injected = append(snap.Injected, in.String())
		}
	}
	if s.clean != nil && t-1 < len(s.clean.snaps) {
		snap.LatentChange = maxAbsDiff(lat, s.clean.snaps[t-1].Latent)
	}
	s.snaps = append(s.snaps, snap)
	return snap, nil
}

// prevLane is the lane's output in the previous snapshot (nil at step 1).
func prevLane(prev *Snapshot, name string) *LaneStep {
	if prev == nil {
		return nil
	}
	return prev.LaneStep(name)
}

// readOuts fills the snapshot's nearest tokens, mixture and rival probe.
func (s *Session) readOuts(t int, lat []float32, snap *Snapshot) {
	r := s.Set.Reasoner
	d := r.Cfg.D
	// Hypotheses are the problem's (the tree's nodes and EOS: a latent
	// between two children is what the paper's mixture claim is about).
	hyp := map[int]bool{}
	for _, h := range s.Problem.Instance.Hypotheses() {
		hyp[h] = true
	}
	content := func(tok int) bool { return hyp[tok] }
	if s.Set.Mapped {
		// Big vocabularies: one pass over each table, and the mixture over
		// the problem's hypotheses or else the nearest tokens.
		tt, te := s.Set.tables[0], s.Set.tables[1]
		near := tt.nearest(lat, max(s.Opts.TopK, mixCandidates))
		snap.NearestTarget = near[:min(s.Opts.TopK, len(near))]
		snap.NearestEmbed = te.nearest(lat, s.Opts.TopK)
		snap.Margin = probes.Margin(snap.NearestTarget)
		cands := s.Problem.Instance.Hypotheses()
		if len(cands) == 0 {
			for _, ts := range near {
				cands = append(cands, ts.Token)
			}
		}
		snap.Mixture = tt.decompose(lat, s.Opts.MixAtoms, cands)
		return
	}
	if len(hyp) == 0 {
		// No hypotheses (free text): the mixture is over the nearest tokens.
		for _, ts := range probes.Nearest(r.Target, d, lat, mixCandidates, nil) {
			hyp[ts.Token] = true
		}
	}
	snap.NearestTarget = probes.Nearest(r.Target, d, lat, s.Opts.TopK, nil)
	snap.NearestEmbed = probes.Nearest(r.Embed(), d, lat, s.Opts.TopK, nil)
	snap.Margin = probes.Margin(snap.NearestTarget)
	snap.Mixture = probes.Decompose(r.Target, d, lat, s.Opts.MixAtoms, content)
	if c, sib, ok := s.Problem.Instance.Rival(t); ok && t < s.steps {
		p := probes.ProjectPlane(r.Target, d, lat, c, sib)
		pct, _ := probes.PlaneRank(r.Target, d, lat, s.Set.Task.Vocab().Content(), c, sib)
		snap.Probe = &SiblingProbe{Correct: c, Sibling: sib, Alpha: p.Alpha, Beta: p.Beta, Dist: p.Dist, RankPct: pct}
	}
}

// forced maps 0-based steps < t to the tokens forced into the lane whose
// injection name is inject (nil for none).
func (s *Session) forced(inject string, t int) map[int]int {
	if inject == "" {
		return nil
	}
	var m map[int]int
	for _, in := range s.inj {
		if in.Kind == Force && in.Lane == inject && in.Step <= t {
			if m == nil {
				m = map[int]int{}
			}
			m[in.Step-1] = in.Token
		}
	}
	return m
}

// checkFinite reports a non-finite latent component.
func checkFinite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("the latent is not finite (component %d is %v): the model's weights or an injection produced NaN or Inf", i, x)
		}
	}
	return nil
}

// applyLatentInjections applies noise and surgery at step t to lat. A
// surgery whose mixture cancels out is an error (see SurgeryLatent): there
// is no direction to put on the sphere.
func (s *Session) applyLatentInjections(t int, lat []float32, snap *Snapshot) error {
	r := s.Set.Reasoner
	for i, in := range s.inj {
		switch {
		case in.Kind == Surgery && in.Step == t:
			if err := SurgeryLatent(lat, in.Mix, r.Target); err != nil {
				return fmt.Errorf("injection %s: %w", in, err)
			}
			snap.Injected = append(snap.Injected, in.String())
		case in.Kind == Fork && in.Step == t:
			if err := s.applyFork(in, lat, snap); err != nil {
				return fmt.Errorf("injection %s: %w", in, err)
			}
		case in.Kind == Noise && (in.Step == t || in.Step == 0) && in.Sigma > 0:
			var mx float64
			for _, v := range lat {
				mx = math.Max(mx, math.Abs(float64(v)))
			}
			rng := rand.New(rand.NewPCG(s.Problem.Seed, uint64(t)<<32|uint64(i)))
			sigma := in.Sigma * mx
			for j := range lat {
				lat[j] += float32(sigma * rng.NormFloat64())
			}
			latent.L2(lat, lat)
			snap.Injected = append(snap.Injected, in.String())
		}
	}
	return nil
}

// Back undoes the last step exactly.
func (s *Session) Back() error {
	t := len(s.snaps)
	if t == 0 {
		return errors.New("session: already at the start")
	}
	s.snaps = s.snaps[:t-1]
	// At step t the Reasoner had fed P + (t−1) positions; step t−1 needs P + (t−2).
	s.rs.Truncate(len(s.prompt) + max(t-2, 0))
	for _, l := range s.lanes {
		l.truncate(t - 1)
	}
	return nil
}

// RunToEnd takes every remaining step.
func (s *Session) RunToEnd() error { return s.RunToEndContext(context.Background()) }

// RunToEndContext takes every remaining step, checking ctx between steps:
// a cancelled run stops after the step in progress, with the steps taken so
// far kept (the session stays valid) and ctx's error returned.
func (s *Session) RunToEndContext(ctx context.Context) error {
	for !s.Done() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.Step(); err != nil {
			return err
		}
	}
	return nil
}

// Reset goes back to the state right after the prompt.
func (s *Session) Reset() {
	for len(s.snaps) > 0 {
		_ = s.Back()
	}
}

// JumpTo steps forward or back until t steps are taken.
func (s *Session) JumpTo(t int) error { return s.JumpToContext(context.Background(), t) }

// JumpToContext is JumpTo, checking ctx between forward steps (going back
// is cheap and always finishes).
func (s *Session) JumpToContext(ctx context.Context, t int) error {
	if t < 0 || t > s.steps {
		return fmt.Errorf("session: step %d is outside 0..%d", t, s.steps)
	}
	for len(s.snaps) > t {
		if err := s.Back(); err != nil {
			return err
		}
	}
	for len(s.snaps) < t {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.Step(); err != nil {
			return err
		}
	}
	return nil
}

// WithInjections returns a new session on the same problem with the given
// injections, advanced to the same step.
// The clean run is shared with s when s has one.
func (s *Session) WithInjections(inj []Injection) (*Session, error) {
	return s.WithInjectionsContext(context.Background(), inj)
}

// WithInjectionsContext is WithInjections, cancellable between steps.
func (s *Session) WithInjectionsContext(ctx context.Context, inj []Injection) (*Session, error) {
	n, err := newWithClean(s.Set, s.Problem, inj, s.Opts, s.clean)
	if err != nil {
		return nil, err
	}
	return n, n.JumpToContext(ctx, len(s.snaps))
}

func angle(a, b []float32) float64 {
	var s, na, nb float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	c := s / math.Sqrt(na*nb+1e-300)
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}
