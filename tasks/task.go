package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
)

// Task is one reasoning task: its vocabulary, how problems are drawn and
// typed, and what its training distribution is. A Task value is configured
// (a tree task knows its depth) and immutable, so it is safe for concurrent
// use. Everything above package tasks reaches a task's specifics only
// through this interface and Problem; adding a task is a new sub-package
// that implements both and registers a Factory (see Register).
type Task interface {
	// Name is the registry name ("tree", "cfg"), stored in checkpoints.
	Name() string
	// Vocab is the task's vocabulary (ids index the models' embedding rows).
	Vocab() Vocab
	// Sample draws one problem of the training distribution's evaluation
	// form from rng. For one rng state it always gives the same problem.
	Sample(rng *rand.Rand) Problem
	// Parse reads a typed problem. Errors are *ParseError with the
	// character offset of the offending piece.
	Parse(text string) (Problem, error)
	// Distribution describes the problems the models were trained on, in
	// words ("complete binary trees of 4 levels, target a leaf").
	Distribution() string
	// InDistribution returns nil when p lies inside the training
	// distribution, otherwise an error that says how it differs (a typed
	// problem can be valid and still unlike anything the models saw).
	InDistribution(p Problem) error
	// MaxPrompt and MaxAnswer bound the prompt and answer lengths of the
	// training distribution: a model set must hold MaxPrompt+MaxAnswer
	// positions (Reasoner, baseline) and MaxAnswer latents (Talkers).
	MaxPrompt() int
	MaxAnswer() int
	// Pretraining is the task whose Sample draws token-pretraining
	// problems (the tree task can put targets at every depth there); it is
	// the task itself when pretraining uses the evaluation distribution.
	Pretraining() Task
}

// Problem is one problem of a task. It is immutable.
type Problem interface {
	// Text is the problem's text form; the task's Parse reads it back.
	Text() string
	// Prompt is what every model reads before the first latent step; its
	// last token opens the answer (the tree's [ROUTE]).
	Prompt() []int
	// Answer is the reference answer, one token per latent step (the tree's
	// route then [EOS]). Its length is the number of steps.
	Answer() []int
	// CheckAnswer returns nil when ans answers the problem; otherwise an
	// error naming the first wrong step (0-based index into ans).
	CheckAnswer(ans []int) error
	// Hypotheses are the tokens a latent of this problem is decomposed over
	// (the tree's nodes, then [EOS]) in a fixed order; pickers offer them.
	Hypotheses() []int
	// Rival returns, at 1-based step t, the correct token and its most
	// natural rival (the tree: the correct child and its sibling), the pair
	// whose embedding plane the mixture probe measures. ok is false where
	// the step has no rival.
	Rival(t int) (correct, rival int, ok bool)
	// Mistakes lists natural wrong tokens at 1-based step t, most typical
	// first (the tree: the sibling, the target a level too early, a
	// premature [EOS]). It may be empty.
	Mistakes(t int) []Mistake
	// WrongToken draws the error that the containment experiment injects at
	// 1-based step t: the rival where there is one, otherwise another
	// hypothesis drawn from rng.
	WrongToken(t int, rng *rand.Rand) int
}

// RivalWords is an optional interface of a Problem: how the panels name a
// step's rival ("sibling") and why a step has none. Without it they say
// "rival" and "no rival at this step".
type RivalWords interface {
	RivalName() string
	NoRival(t int) string
}

// MistakeKind says what kind of error a Mistake is, so that an experiment
// or a picker can ask for one kind on any task.
type MistakeKind int

const (
	// Rival is the plausible alternative at a step (the tree's sibling).
	Rival MistakeKind = iota + 1
	// Skip jumps ahead (the tree's target a level too early).
	Skip
	// End stops too early (a premature [EOS]).
	End
)

func (k MistakeKind) String() string {
	switch k {
	case Rival:
		return "rival"
	case Skip:
		return "skip"
	case End:
		return "end"
	}
	return fmt.Sprintf("MistakeKind(%d)", int(k))
}

// Mistake is one natural wrong token at a step.
type Mistake struct {
	Kind  MistakeKind
	Token int
	// Label says it in a task's words ("the sibling B, the other branch").
	Label string
}

// MistakeOf returns the first mistake of kind k in ms.
func MistakeOf(ms []Mistake, k MistakeKind) (Mistake, bool) {
	for _, m := range ms {
		if m.Kind == k {
			return m, true
		}
	}
	return Mistake{}, false
}

// Vocab is a task's vocabulary. Ids are fixed: checkpoints store embedding
// rows in id order.
type Vocab interface {
	// Size is the number of tokens.
	Size() int
	// Sym is the canonical spelling of id ("A", "[EOS]"); an out-of-range id
	// gives "[?<id>]".
	Sym(id int) string
	// Short is how the panels show id ("EOS" for "[EOS]").
	Short(id int) string
	// Lookup reads a token as a person types it (case-insensitive, "EOS"
	// for "[EOS]").
	Lookup(s string) (int, bool)
	// Symbols returns every Sym in id order (a checkpoint's config).
	Symbols() []string
	// Content lists the tokens that carry a problem's content (the tree's
	// letters) in id order: input corruption replaces prompt tokens of this
	// set with others of it, and plane ranks compare pairs of it.
	Content() []int
	// EOS ends an answer; PAD fills batches; BOS starts a Dual-Talker's
	// decoding (the Reasoner never sees it).
	EOS() int
	PAD() int
	BOS() int
}

// Factory builds a task from the settings stored with a model set (the
// recipe JSON of its checkpoints, whose fields the task reads; empty means
// the task's defaults).
type Factory func(settings json.RawMessage) (Task, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a task available by name. It panics on a duplicate name
// (a programming error, at init time).
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("tasks: Register called twice for " + name)
	}
	registry[name] = f
}

// New builds the task called name from settings.
func New(name string, settings json.RawMessage) (Task, error) {
	regMu.RLock()
	f, ok := registry[name]
	regMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("tasks: unknown task %q (known: %v)", name, Names())
	}
	return f(settings)
}

// Names lists the registered tasks, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SampleSeed draws the problem of seed: task.Sample(NewRNG(seed)).
func SampleSeed(t Task, seed uint64) Problem { return t.Sample(NewRNG(seed)) }

// NewRNG returns the project's seeded generator (PCG).
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Corrupt replaces round(f·n) of the n content tokens (v.Content()) in
// prompt with other content tokens, drawn from rng; the prompt is copied.
func Corrupt(v Vocab, prompt []int, f float64, rng *rand.Rand) []int {
	out := append([]int(nil), prompt...)
	content := v.Content()
	index := make(map[int]int, len(content))
	for i, t := range content {
		index[t] = i
	}
	var pos []int
	for i, t := range out {
		if _, ok := index[t]; ok {
			pos = append(pos, i)
		}
	}
	n := int(math.Round(f * float64(len(pos))))
	rng.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	for _, i := range pos[:min(n, len(pos))] {
		t := rng.IntN(len(content) - 1)
		if t >= index[out[i]] {
			t++
		}
		out[i] = content[t]
	}
	return out
}
