package probes

import (
	"fmt"
	"math"
	"math/rand/v2"

	"jrx/latent"
	"jrx/nn"
	"jrx/talker"
	"jrx/tasks"
)

// ProblemSet is a fixed set of problems for evaluation, with their prompts
// (all of one length P) and answers (Steps tokens each: the tree's route
// then EOS).
type ProblemSet struct {
	Problems []tasks.Problem
	Prompts  []int // [N×P]
	Answers  []int // [N×Steps]
	P        int
	Steps    int
	Seed     uint64
}

// NewProblemSet draws n problems of task (its evaluation form: the tree
// task's leaf targets) from seed. Every problem must have the prompt and
// answer lengths of the first; a task whose lengths vary gets an error.
func NewProblemSet(task tasks.Task, seed uint64, n int) (*ProblemSet, error) {
	return NewProblemStream(task, seed).Next(n)
}

// ProblemStream draws the problems of NewProblemSet(task, seed, n) a batch
// at a time, so that an evaluation holds one batch, whatever n: the first
// Next(k) returns problems 0…k−1 of that set, the next call the following
// ones.
type ProblemStream struct {
	task     tasks.Task
	rng      *rand.Rand
	seed     uint64
	p, steps int
	drawn    int
}

// NewProblemStream starts drawing task's problems from seed.
func NewProblemStream(task tasks.Task, seed uint64) *ProblemStream {
	return &ProblemStream{task: task, rng: rand.New(rand.NewPCG(seed, 0x6576616c)), seed: seed}
}

// Next draws the next n problems as a set.
func (st *ProblemStream) Next(n int) (*ProblemSet, error) {
	s := &ProblemSet{Seed: st.seed, P: st.p, Steps: st.steps}
	for i := 0; i < n; i++ {
		p := st.task.Sample(st.rng)
		pr, ans := p.Prompt(), p.Answer()
		if st.drawn == 0 {
			st.p, st.steps = len(pr), len(ans)
			s.P, s.Steps = st.p, st.steps
		}
		st.drawn++
		if len(pr) != s.P || len(ans) != s.Steps {
			return nil, fmt.Errorf("probes: %s problems vary in length (%d+%d, then %d+%d); this evaluation needs one length", st.task.Name(), s.P, s.Steps, len(pr), len(ans))
		}
		s.Problems = append(s.Problems, p)
		s.Prompts = append(s.Prompts, pr...)
		s.Answers = append(s.Answers, ans...)
	}
	return s, nil
}

// Len is the number of problems.
func (s *ProblemSet) Len() int { return len(s.Problems) }

// Answer returns problem i's answer tokens.
func (s *ProblemSet) Answer(i int) []int { return s.Answers[i*s.Steps : (i+1)*s.Steps] }

// EvalBatch is the number of problems evaluated in one batched pass.
const EvalBatch = 128

// Buffers holds the forward-only work buffers of an evaluation, made on
// first use and reused by every later batch (a streaming evaluation's
// memory is one batch's, whatever the number of problems). Networks of one
// shape share a buffer. The zero value is ready (batches of EvalBatch); it
// is not safe for concurrent use.
type Buffers struct {
	// Batch is the number of problems per batched pass (0: EvalBatch).
	// Each problem's numbers do not depend on it (every kernel works row by
	// row or sequence by sequence: TestStreamingMatchesOnePass); the
	// memory grows with it.
	Batch    int
	reasoner map[reasonerKey]*latent.Work
	mono     map[reasonerKey]*talker.MonoWork
	lat      []float32
}

type reasonerKey struct {
	stack nn.StackConfig
	vocab int
	b, t  int
}

func (bf *Buffers) batch() int {
	if bf.Batch > 0 {
		return bf.Batch
	}
	return EvalBatch
}

func (bf *Buffers) reasonerWork(r *latent.Reasoner, B, T int) *latent.Work {
	k := reasonerKey{r.Cfg.Stack(), r.Cfg.Vocab, B, T}
	if bf.reasoner == nil {
		bf.reasoner = map[reasonerKey]*latent.Work{}
	}
	wk := bf.reasoner[k]
	if wk == nil {
		wk = r.NewEvalWork(B, T)
		bf.reasoner[k] = wk
	}
	return wk
}

func (bf *Buffers) monoWork(m *talker.Mono, B, T int) *talker.MonoWork {
	k := reasonerKey{m.Net.Cfg, m.Cfg.Vocab, B, T}
	if bf.mono == nil {
		bf.mono = map[reasonerKey]*talker.MonoWork{}
	}
	wk := bf.mono[k]
	if wk == nil {
		wk = m.NewEvalWork(B, T)
		bf.mono[k] = wk
	}
	return wk
}

// TokenExact is the fraction of trees whose whole answer a token network
// (the coupled baseline, or the Reasoner before SST) decodes greedily. One
// teacher-forced pass suffices: greedy decoding is exact iff the argmax at
// every answer position is right when the context holds the right tokens.
func TokenExact(net *latent.Reasoner, s *ProblemSet) float64 {
	var bf Buffers
	return float64(bf.TokenCount(net, s)) / float64(max(s.Len(), 1))
}

// TokenCount is the number of problems of s that TokenExact counts as exact.
func (bf *Buffers) TokenCount(net *latent.Reasoner, s *ProblemSet) int {
	eb := bf.batch()
	T := s.P + s.Steps - 1
	v := net.Cfg.Vocab
	wk := bf.reasonerWork(net, eb, T)
	ok := 0
	inputs := make([]int, eb*T)
	for b0 := 0; b0 < s.Len(); b0 += eb {
		B := min(eb, s.Len()-b0)
		for b := 0; b < B; b++ {
			row := inputs[b*T : (b+1)*T]
			copy(row, s.Prompts[(b0+b)*s.P:(b0+b+1)*s.P])
			copy(row[s.P:], s.Answer(b0 + b)[:s.Steps-1])
		}
		logits := net.TokenLogits(wk, inputs[:B*T], B, T)
		for b := 0; b < B; b++ {
			good := true
			ans := s.Answer(b0 + b)
			for j := 0; j < s.Steps && good; j++ {
				pos := b*T + s.P - 1 + j
				good = nn.Argmax(logits[pos*v:(pos+1)*v]) == ans[j]
			}
			if good {
				ok++
			}
		}
	}
	return ok
}

// FreeLatents runs the Reasoner free on every prompt of s and returns the
// latents [N×Steps×d].
func FreeLatents(r *latent.Reasoner, s *ProblemSet) []float32 {
	var bf Buffers
	return bf.FreeLatents(r, s) // bf ends here: the caller owns its latents
}

// FreeLatents is FreeLatents into bf's buffers: the result is valid until
// bf's next FreeLatents.
func (bf *Buffers) FreeLatents(r *latent.Reasoner, s *ProblemSet) []float32 {
	eb := bf.batch()
	d := r.Cfg.D
	if n := s.Len() * s.Steps * d; cap(bf.lat) < n {
		bf.lat = make([]float32, n)
	} else {
		bf.lat = bf.lat[:n]
	}
	out := bf.lat
	wk := bf.reasonerWork(r, eb, s.P+s.Steps-1)
	for b0 := 0; b0 < s.Len(); b0 += eb {
		B := min(eb, s.Len()-b0)
		r.FreeRunBatch(wk, s.Prompts[b0*s.P:(b0+B)*s.P], B, s.P, s.Steps, out[b0*s.Steps*d:(b0+B)*s.Steps*d])
	}
	return out
}

// NearestExact is the fraction of trees whose latent chain, read out by the
// nearest row of table (cosine), spells the whole answer.
func NearestExact(table []float32, d int, lat []float32, s *ProblemSet) float64 {
	return float64(NearestCount(table, d, lat, s)) / float64(max(s.Len(), 1))
}

// NearestCount is the number of problems NearestExact counts as exact.
func NearestCount(table []float32, d int, lat []float32, s *ProblemSet) int {
	ok := 0
	for i := 0; i < s.Len(); i++ {
		good := true
		for j, a := range s.Answer(i) {
			r := lat[(i*s.Steps+j)*d : (i*s.Steps+j+1)*d]
			if tok, _ := nearest(table, d, r); tok != a {
				good = false
				break
			}
		}
		if good {
			ok++
		}
	}
	return ok
}

// MonoExact is the fraction of trees whose whole answer the Mono-Talker
// reads from the latents lat [N×Steps×d].
func MonoExact(m *talker.Mono, lat []float32, s *ProblemSet) float64 {
	var bf Buffers
	return float64(bf.MonoCount(m, lat, s)) / float64(max(s.Len(), 1))
}

// MonoCount is the number of problems MonoExact counts as exact.
func (bf *Buffers) MonoCount(m *talker.Mono, lat []float32, s *ProblemSet) int {
	eb := bf.batch()
	d, v := m.Cfg.D, m.Cfg.Vocab
	wk := bf.monoWork(m, eb, s.Steps)
	ok := 0
	for b0 := 0; b0 < s.Len(); b0 += eb {
		B := min(eb, s.Len()-b0)
		logits := m.Logits(wk, lat[b0*s.Steps*d:(b0+B)*s.Steps*d], B, s.Steps)
		for b := 0; b < B; b++ {
			good := true
			for j, a := range s.Answer(b0 + b) {
				pos := b*s.Steps + j
				if nn.Argmax(logits[pos*v:(pos+1)*v]) != a {
					good = false
					break
				}
			}
			if good {
				ok++
			}
		}
	}
	return ok
}

// DualExact is the fraction of trees whose whole answer the Dual-Talker
// decodes greedily from the latents.
func DualExact(m *talker.Dual, lat []float32, s *ProblemSet) float64 {
	return float64(DualCount(m, lat, s)) / float64(max(s.Len(), 1))
}

// DualCount is the number of problems DualExact counts as exact.
func DualCount(m *talker.Dual, lat []float32, s *ProblemSet) int {
	d := m.Cfg.D
	ok := 0
	traj := make([][]float32, s.Steps)
	for i := 0; i < s.Len(); i++ {
		for j := range traj {
			traj[j] = lat[(i*s.Steps+j)*d : (i*s.Steps+j+1)*d]
		}
		out, err := m.Decode(traj, nil)
		if err != nil {
			continue
		}
		good := true
		for j, a := range s.Answer(i) {
			if out[j] != a {
				good = false
			}
		}
		if good {
			ok++
		}
	}
	return ok
}

// nearest returns the row of table [V×d] with the largest cosine to r and
// that cosine.
func nearest(table []float32, d int, r []float32) (int, float64) {
	best, bestCos := -1, math.Inf(-1)
	rn := norm(r)
	for tok := 0; tok*d < len(table); tok++ {
		row := table[tok*d : (tok+1)*d]
		c := dot(row, r) / (norm(row)*rn + 1e-30)
		if c > bestCos {
			best, bestCos = tok, c
		}
	}
	return best, bestCos
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func norm(a []float32) float64 { return math.Sqrt(dot(a, a)) }
