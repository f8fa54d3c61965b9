package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"

	"jrx/baseline"
	"jrx/internal/modelfiles"
	"jrx/latent"
)

// FileCoconut is the optional COCONUT model of a set (the grammar task's
// C, PAPER.md Experiment 2).
const FileCoconut = modelfiles.Coconut

// LaneCoconut is the COCONUT lane's name.
const LaneCoconut = "coconut"

var infoCoconut = LaneInfo{Name: LaneCoconut, Kind: KindCoupled, Label: "coconut", Column: "C", Short: "C", Inject: "coconut", Thinks: true}

// loadCoconut loads coconut.safetensors when the set has one: its header is
// checked against the set (vocabulary, a context that holds the task's
// longest prompt, [BOT], the thoughts, [EOT] and the answer) before its
// data is read.
func (s *Set) loadCoconut(open func(name string) (*setFile, error), c Configs) error {
	f, err := open(FileCoconut)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.close()
	cfg, err := latent.ParseConfig(f.h.Meta)
	if err != nil {
		return fmt.Errorf("%s: %v", FileCoconut, err)
	}
	if v := c.Task.Vocab().Size(); cfg.Vocab != v {
		return fmt.Errorf("%s has a vocabulary of %d tokens; the %s task has %d", FileCoconut, cfg.Vocab, c.Task.Name(), v)
	}
	if err := f.h.Expect(cfg.Shapes(false)); err != nil {
		return fmt.Errorf("%s: %v", FileCoconut, err)
	}
	b, err := f.read()
	if err != nil {
		return err
	}
	m, meta, err := baseline.LoadCoconut(b, FileCoconut)
	if err != nil {
		return err
	}
	// The prompt, [BOT], the thoughts (in place of the first answer
	// symbols), [EOT], and the remaining answer tokens but the last (which
	// is read, never fed): P + 1 + k + 1 + (T − k − 1) = P + T + 1.
	if need := c.Task.MaxPrompt() + c.Task.MaxAnswer() + 1; cfg.Context < need {
		return fmt.Errorf("%s has a context of %d positions; a %s problem with %d thoughts needs %d", FileCoconut, cfg.Context, problemName(c.Task), m.Thoughts, need)
	}
	sum := sha256.Sum256(b)
	s.Hashes[FileCoconut] = hex.EncodeToString(sum[:])
	s.Meta[FileCoconut] = meta
	s.Coconut = m
	return nil
}

// coconutLane runs COCONUT in lockstep: at steps 1..k it makes its k
// continuous thoughts (no token: a thought replaces an answer symbol), then
// [EOT], then one greedy token per step, its own tokens (or forced ones)
// staying in its context. It never reads the Reasoner's latents.
type coconutLane struct {
	dc     *baseline.CoconutDecoder
	k      int
	prompt int
	noise  func(t int, v []float32) // latent noise on thought t (nil: none)
	toks   []int                    // tokens as emitted after the thoughts (-1 at thought steps)
}

func (l *coconutLane) info() LaneInfo { return infoCoconut }

func (l *coconutLane) step(t int, _ [][]float32, forced map[int]int, _ *LaneStep) (LaneStep, error) {
	if t <= l.k {
		th := l.dc.Thought()
		if l.noise != nil {
			l.noise(t, th)
		}
		if err := l.dc.FeedThought(th); err != nil {
			return LaneStep{}, err
		}
		if t == l.k {
			if err := l.dc.EndThoughts(); err != nil {
				return LaneStep{}, err
			}
		}
		l.toks = append(l.toks[:t-1], -1)
		return LaneStep{Lane: LaneCoconut, Token: -1, Thought: true}, nil
	}
	if t > l.k+1 {
		if err := l.dc.Feed(l.toks[t-2]); err != nil {
			return LaneStep{}, err
		}
	}
	tok := l.dc.Next()
	if f, ok := forced[t-1]; ok {
		tok = f
	}
	l.toks = append(l.toks[:t-1], tok)
	return LaneStep{Lane: LaneCoconut, Token: tok}, nil
}

// truncate restores the decoder to its length after step t: the prompt and
// [BOT], then t thoughts (and [EOT] once all k are made), then the tokens
// fed so far (a step's own token is fed at the next step).
func (l *coconutLane) truncate(t int) {
	l.toks = l.toks[:min(t, len(l.toks))]
	n := l.prompt + 1 + min(t, l.k) + max(0, t-l.k-1)
	if t >= l.k {
		n++ // [EOT]
	}
	l.dc.Truncate(n)
}

// newCoconutLane reads the prompt and [BOT] (and [EOT] at once when the
// model makes no thoughts).
func (s *Session) newCoconutLane() (*coconutLane, error) {
	m := s.Set.Coconut
	dc, err := m.NewDecoder(s.prompt)
	if err != nil {
		return nil, err
	}
	if m.Thoughts == 0 {
		if err := dc.EndThoughts(); err != nil {
			return nil, err
		}
	}
	l := &coconutLane{dc: dc, k: m.Thoughts, prompt: len(s.prompt)}
	l.noise = func(t int, v []float32) { s.applyThoughtNoise(t, v) }
	return l, nil
}

// applyThoughtNoise adds the thought-noise injections acting at thought t
// (Gaussian, σ = level × the thought's max |component|, seeded by the
// problem, the step and the injection's index; thoughts are raw hidden
// states, so there is no renormalisation).
func (s *Session) applyThoughtNoise(t int, v []float32) {
	for i, in := range s.inj {
		if in.Kind != ThoughtNoise || (in.Step != t && in.Step != 0) || in.Sigma <= 0 {
			continue
		}
		var mx float64
		for _, x := range v {
			mx = math.Max(mx, math.Abs(float64(x)))
		}
		rng := rand.New(rand.NewPCG(s.Problem.Seed^0x74686f7567687473, uint64(t)<<32|uint64(i)))
		sigma := in.Sigma * mx
		for j := range v {
			v[j] += float32(sigma * rng.NormFloat64())
		}
	}
}
