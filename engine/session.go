package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"jrx/baseline"
	"jrx/latent"
	"jrx/probes"
	"jrx/talker"
	"jrx/tasks"
)

// Problem is one tree-search problem: a tree (generated from Seed, or typed)
// with its target; the answer is known for a valid tree.
type Problem struct {
	Tree *tasks.Tree
	// Seed generated the tree (0 when typed); it also seeds the session's
	// noise and input corruption.
	Seed uint64
	// Text is the problem's text form.
	Text string
}

// NewProblem generates a leaf-target tree of the given depth from seed.
func NewProblem(depth int, seed uint64) (Problem, error) {
	cfg := tasks.TreeConfig{Depth: depth}
	if err := cfg.Validate(); err != nil {
		return Problem{}, err
	}
	t := tasks.NewTree(cfg, tasks.NewRNG(seed))
	return Problem{Tree: t, Seed: seed, Text: t.PromptString()}, nil
}

// ParseProblem reads a typed problem (see tasks.ParseTree). seed seeds the
// session's noise.
func ParseProblem(text string, seed uint64) (Problem, error) {
	t, err := tasks.ParseTree(text)
	if err != nil {
		return Problem{}, err
	}
	return Problem{Tree: t, Seed: seed, Text: t.PromptString()}, nil
}

// Options are the read-out sizes.
type Options struct {
	TopK     int // nearest tokens per table (default 5)
	MixAtoms int // at most this many atoms in a mixture (default 4)
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

	prompt   []int // the Reasoner's and the baseline's prompt (after input corruption)
	answer   []int // truth: route then EOS
	steps    int   // T: answer length
	rs       *latent.Stepper
	h0       []float32 // final-norm output after the prompt
	ms       *talker.MonoStepper
	dr       *talker.Reader // the Dual-Talker's decoding, with this session's buffers
	bd       *baseline.Decoder
	b0       int // baseline's first token (read after the prompt)
	snaps    []*Snapshot
	baseToks []int // baseline tokens as emitted (after forcing)
}

// NewSession prefills the prompt and computes the clean run.
func NewSession(set *Set, p Problem, inj []Injection, opts Options) (*Session, error) {
	if p.Tree == nil {
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
	s.answer = p.Tree.Answer(nil)
	s.steps = len(s.answer)
	for _, in := range inj {
		if in.Step > s.steps {
			return nil, fmt.Errorf("injection %s: step %d is past the last step (%d)", in, in.Step, s.steps)
		}
		for _, tok := range append([]int{in.Token}, mixTokens(in)...) {
			if tok < 0 || tok >= set.Reasoner.Cfg.Vocab {
				return nil, fmt.Errorf("injection %s: token outside the vocabulary", in)
			}
		}
	}
	s.prompt = p.Tree.Prompt(nil)
	if f := s.corruption(); f > 0 {
		s.prompt = corrupt(s.prompt, f, rand.New(rand.NewPCG(p.Seed, 0x696e707574)))
	}
	need := len(s.prompt) + s.steps
	if need > set.Reasoner.Cfg.Context || need > set.Baseline.Net.Cfg.Context {
		return nil, fmt.Errorf("session: the problem needs %d positions, the models hold %d", need, set.Reasoner.Cfg.Context)
	}
	if s.steps > set.Mono.Cfg.Context || s.steps > set.Dual.Cfg.Context {
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
	s.bd, s.b0 = b.bd, b.b0
	s.h0 = append([]float32(nil), s.rs.H()...)
	s.ms = set.Mono.NewStepper()
	s.dr = set.Dual.NewReader(s.steps)
	return s, nil
}

func mixTokens(in Injection) []int {
	var out []int
	for _, m := range in.Mix {
		out = append(out, m.Token)
	}
	return out
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

// corrupt replaces round(f·n) of the n letters in prompt with other letters.
func corrupt(prompt []int, f float64, rng *rand.Rand) []int {
	out := append([]int(nil), prompt...)
	var letters []int
	for i, t := range out {
		if tasks.IsLetter(t) {
			letters = append(letters, i)
		}
	}
	n := int(math.Round(f * float64(len(letters))))
	rng.Shuffle(len(letters), func(i, j int) { letters[i], letters[j] = letters[j], letters[i] })
	for _, i := range letters[:min(n, len(letters))] {
		t := rng.IntN(tasks.NumLetters - 1)
		if t >= out[i] {
			t++
		}
		out[i] = t
	}
	return out
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

	// The baseline never reads a latent: its step runs on the other core
	// while the Reasoner and the Talkers take theirs.
	base := &pendingBase{ch: make(chan baseResult, 1)}
	go func() { base.ch <- s.baselineStep(t) }()
	defer func() {
		base.wait() // the baseline decoder is never left in use
		if err != nil {
			// A failed step leaves every model as it was before it.
			P := len(s.prompt)
			s.rs.Truncate(P + max(t-2, 0))
			s.bd.Truncate(P + max(t-2, 0))
			s.ms.Truncate(t - 1)
		}
	}()
	if t-1 < len(s.answer) {
		snap.Truth = s.answer[t-1]
	}

	// 1. The Reasoner: feed back the previous latent, read the next.
	h := s.h0
	if t > 1 {
		if err := s.rs.FeedLatent(s.snaps[t-2].Latent); err != nil {
			return nil, err
		}
		h = s.rs.H()
	}
	lat := make([]float32, d)
	snap.PreNorm = float64(latent.L2(lat, h))
	s.applyLatentInjections(t, lat, snap)
	snap.Latent = lat
	if t > 1 {
		snap.Angle = angle(s.snaps[t-2].Latent, lat)
	}

	// 2. Read-outs of the latent.
	if !s.Opts.Light {
		s.readOuts(t, lat, snap)
	}

	// 3. Mono-Talker: one more latent on its cache.
	tok, _, err := s.ms.Next(lat)
	if err != nil {
		return nil, err
	}
	snap.Mono = tok
	return s.finishStep(t, lat, snap, base)
}

// readOuts fills the snapshot's nearest tokens, mixture and sibling probe.
func (s *Session) readOuts(t int, lat []float32, snap *Snapshot) {
	r := s.Set.Reasoner
	d := r.Cfg.D
	// Hypotheses are the problem's nodes and EOS (a latent between two
	// children is what the paper's mixture claim is about).
	content := func(tok int) bool { return tok == tasks.IDEOS || s.Problem.Tree.Has(tok) }
	snap.NearestTarget = probes.Nearest(r.Target, d, lat, s.Opts.TopK, nil)
	snap.NearestEmbed = probes.Nearest(r.Embed(), d, lat, s.Opts.TopK, nil)
	snap.Margin = probes.Margin(snap.NearestTarget)
	snap.Mixture = probes.Decompose(r.Target, d, lat, s.Opts.MixAtoms, content)
	if c, sib, ok := s.Problem.Tree.Siblings(t - 1); ok && t < s.steps {
		p := probes.ProjectPlane(r.Target, d, lat, c, sib)
		pct, _ := probes.PlaneRank(r.Target, d, lat, c, sib)
		snap.Probe = &SiblingProbe{Correct: c, Sibling: sib, Alpha: p.Alpha, Beta: p.Beta, Dist: p.Dist, RankPct: pct}
	}
}

// finishStep runs the Dual-Talker and the baseline for step t and records
// the snapshot.
func (s *Session) finishStep(t int, lat []float32, snap *Snapshot, base *pendingBase) (*Snapshot, error) {
	// 4. Dual-Talker: decode the trajectory so far under its forced tokens.
	traj := make([][]float32, t)
	for i := 0; i < t-1; i++ {
		traj[i] = s.snaps[i].Latent
	}
	traj[t-1] = lat
	var err error
	var hint []int
	if t > 1 {
		hint = s.snaps[t-2].DualSoFar
	}
	if snap.DualSoFar, err = s.dr.Decode(traj, s.forced(TalkerToken, t), hint); err != nil {
		return nil, err
	}

	// 5. Baseline (computed concurrently since the start of the step).
	br := base.wait()
	if br.err != nil {
		return nil, br.err
	}
	b := br.tok
	for _, in := range s.inj {
		if in.Kind == BaselineToken && in.Step == t {
			b = in.Token
			snap.Injected = append(snap.Injected, in.String())
		}
		if in.Kind == TalkerToken && in.Step == t {
			snap.Injected = append(snap.Injected, in.String())
		}
	}
	snap.Baseline = b
	s.baseToks = append(s.baseToks, b)

	// 6. Compare with the clean run.
	if s.clean != nil && t-1 < len(s.clean.snaps) {
		snap.LatentChange = maxAbsDiff(lat, s.clean.snaps[t-1].Latent)
	}
	s.snaps = append(s.snaps, snap)
	return snap, nil
}

type baseResult struct {
	tok int
	err error
}

// pendingBase is the baseline's step running concurrently.
type pendingBase struct {
	ch   chan baseResult
	res  baseResult
	done bool
}

// wait returns the result, receiving it once.
func (p *pendingBase) wait() baseResult {
	if !p.done {
		p.res, p.done = <-p.ch, true
	}
	return p.res
}

// baselineStep feeds the baseline its previous token (the one it emitted,
// or the forced one, which stays in its context) and reads its next.
func (s *Session) baselineStep(t int) baseResult {
	if t == 1 {
		return baseResult{tok: s.b0}
	}
	if err := s.bd.Feed(s.baseToks[t-2]); err != nil {
		return baseResult{err: err}
	}
	return baseResult{tok: s.bd.Next()}
}

// forced maps 0-based steps < t to the forced token of that kind.
func (s *Session) forced(k Kind, t int) map[int]int {
	var m map[int]int
	for _, in := range s.inj {
		if in.Kind == k && in.Step <= t {
			if m == nil {
				m = map[int]int{}
			}
			m[in.Step-1] = in.Token
		}
	}
	return m
}

// applyLatentInjections applies noise and surgery at step t to lat.
func (s *Session) applyLatentInjections(t int, lat []float32, snap *Snapshot) {
	r := s.Set.Reasoner
	d := r.Cfg.D
	for i, in := range s.inj {
		switch {
		case in.Kind == Surgery && in.Step == t:
			mix := make([]float64, d)
			for _, m := range in.Mix {
				row := r.Target[m.Token*d : (m.Token+1)*d]
				for j, v := range row {
					mix[j] += m.Weight * float64(v)
				}
			}
			var n float64
			for _, v := range mix {
				n += v * v
			}
			n = math.Sqrt(n)
			if n < 1e-12 {
				continue // a mixture that cancels out leaves the latent as it was
			}
			for j, v := range mix {
				lat[j] = float32(v / n)
			}
			snap.Injected = append(snap.Injected, in.String())
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
}

// Back undoes the last step exactly.
func (s *Session) Back() error {
	t := len(s.snaps)
	if t == 0 {
		return errors.New("session: already at the start")
	}
	s.snaps = s.snaps[:t-1]
	s.baseToks = s.baseToks[:t-1]
	P := len(s.prompt)
	// At step t the Reasoner had fed P + (t−1) positions; step t−1 needs P + (t−2).
	s.rs.Truncate(P + max(t-2, 0))
	s.bd.Truncate(P + max(t-2, 0))
	s.ms.Truncate(t - 1)
	return nil
}

// RunToEnd takes every remaining step.
func (s *Session) RunToEnd() error {
	for !s.Done() {
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
func (s *Session) JumpTo(t int) error {
	if t < 0 || t > s.steps {
		return fmt.Errorf("session: step %d is outside 0..%d", t, s.steps)
	}
	for len(s.snaps) > t {
		if err := s.Back(); err != nil {
			return err
		}
	}
	for len(s.snaps) < t {
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
	n, err := newWithClean(s.Set, s.Problem, inj, s.Opts, s.clean)
	if err != nil {
		return nil, err
	}
	return n, n.JumpTo(len(s.snaps))
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
