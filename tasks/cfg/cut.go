package cfg

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// maxCutTries bounds SampleCut's rejection loop. The expected number of
// draws is small (a few per problem for the default grammar, see
// SampleBatch); the bound only turns a grammar whose long sentences are
// vanishingly rare into an error instead of a hang.
const maxCutTries = 1 << 22

// SampleCut draws a problem whose prefix has exactly cut symbols and
// whose sentence goes on for at least minRest more symbols: Sample's
// distribution conditioned on that cut (and on at least minRest symbols
// after it).
//
// Sample draws a sentence s with probability P(s) and then the cut
// uniformly in 1..len(s)−1, so P(s, cut) = P(s)/(len(s)−1) for
// cut < len(s), and P(s | cut, rest ≥ minRest) ∝ P(s)/(len(s)−1) over
// the sentences with len(s) ≥ cut+minRest. SampleCut draws s from P
// (Grammar.Sentence) and accepts it with probability (m−1)/(len(s)−1),
// where m = max(cut+minRest, MinLen) is the shortest length allowed — at
// most 1, and proportional to the weight, so the accepted sentences have
// exactly the conditional distribution; otherwise it draws again.
//
// cut must be ≥ 1 and minRest ≥ 1 (a prompt holds a symbol at least and
// the answer one more), and some sentence must be long enough.
func (t *Task) SampleCut(rng *rand.Rand, cut, minRest int) (*Problem, error) {
	g := t.g
	switch {
	case cut < 1:
		return nil, fmt.Errorf("cfg: cut %d; want ≥ 1", cut)
	case minRest < 1:
		return nil, fmt.Errorf("cfg: minRest %d; want ≥ 1", minRest)
	case cut+minRest > g.MaxLen():
		return nil, fmt.Errorf("cfg: a cut after %d symbols and %d more need a sentence of %d symbols; the longest has %d", cut, minRest, cut+minRest, g.MaxLen())
	}
	m := max(cut+minRest, g.MinLen())
	for range maxCutTries {
		sent := g.Sentence(rng)
		n := len(sent)
		if n < cut+minRest {
			continue
		}
		// Accept with probability (m−1)/(n−1): one draw, always made, so
		// the number of draws depends only on the generator's stream.
		if rng.IntN(n-1) < m-1 {
			return t.makeProblem(sent, cut), nil
		}
	}
	return nil, fmt.Errorf("cfg: no sentence of %d+ symbols in %d draws", cut+minRest, maxCutTries)
}

// SampleBatch draws n problems that share one cut point, for a batch of
// equal-length prompts (rows padded to the batch's longest waste nothing:
// COCONUT's training batches; a batched free run of the Reasoner needs
// one prompt length): the first is Sample's problem conditioned on at least
// minRest symbols after the cut (drawn again until it has them), the
// others SampleCut's at the first one's cut. Every problem of the batch
// therefore has, on its own, exactly the distribution of Sample's
// problems conditioned on rest ≥ minRest; the batch's problems are
// independent given the cut. minRest = 1 conditions on nothing.
func (t *Task) SampleBatch(rng *rand.Rand, n, minRest int) ([]*Problem, error) {
	if n < 1 {
		return nil, fmt.Errorf("cfg: a batch of %d problems", n)
	}
	if minRest < 1 || minRest >= t.g.MaxLen() {
		return nil, fmt.Errorf("cfg: minRest %d; want 1..%d", minRest, t.g.MaxLen()-1)
	}
	out := make([]*Problem, 0, n)
	for tries := 0; ; tries++ {
		if tries == maxCutTries {
			return nil, fmt.Errorf("cfg: no problem with %d symbols after the cut in %d draws", minRest, maxCutTries)
		}
		p := t.SampleProblem(rng)
		if len(p.sentence)-len(p.prefix) >= minRest {
			out = append(out, p)
			break
		}
	}
	cut := len(out[0].prefix)
	for len(out) < n {
		p, err := t.SampleCut(rng, cut, minRest)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// makeProblem is the problem of sent cut after cut symbols (Sample's
// construction).
func (t *Task) makeProblem(sent []int, cut int) *Problem {
	ans := append(slices.Clone(sent[cut:]), IDEOS)
	if !t.toEnd && len(ans) > t.k {
		ans = ans[:t.k]
	}
	return &Problem{t: t, prefix: slices.Clone(sent[:cut]), answer: ans, sentence: sent}
}
