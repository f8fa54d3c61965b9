package cfg

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"jrx/tasks"
)

// Name is the grammar task's registry name, stored in checkpoints.
const Name = "cfg"

// DefaultAnswerLen is the number of symbols an answer continues the prefix
// by: the paper's Table 4 length.
const DefaultAnswerLen = 8

func init() { tasks.Register(Name, Factory) }

// Settings are the fields of a training recipe (train.Recipe's JSON) that
// configure the grammar task. Missing fields take the defaults: the
// 4-level grammar of DefaultSeed, 8-symbol answers. Grammar, when present,
// is the grammar itself (Grammar.MarshalJSON's form, as Task.Settings
// writes it for a model set) and wins over Levels and GrammarSeed, which
// must then agree with it or be absent.
type Settings struct {
	Levels      int             `json:"levels,omitempty"`
	GrammarSeed *uint64         `json:"grammar_seed,omitempty"`
	AnswerLen   int             `json:"answer_len,omitempty"`
	Grammar     json.RawMessage `json:"grammar,omitempty"`
}

// Task builds the task the settings describe.
func (s Settings) Task() (*Task, error) {
	k := s.AnswerLen
	if k == 0 {
		k = DefaultAnswerLen
	}
	if k < 1 || k > 64 {
		return nil, fmt.Errorf("cfg task: answer_len %d; want 1..64", s.AnswerLen)
	}
	var g *Grammar
	var err error
	if len(s.Grammar) > 0 && string(s.Grammar) != "null" {
		if g, err = UnmarshalGrammar(s.Grammar); err != nil {
			return nil, fmt.Errorf("cfg task settings: %w", err)
		}
		if s.Levels != 0 && s.Levels != g.Levels() {
			return nil, fmt.Errorf("cfg task settings: levels %d, but the stored grammar has %d", s.Levels, g.Levels())
		}
		if s.GrammarSeed != nil && *s.GrammarSeed != g.Seed() {
			return nil, fmt.Errorf("cfg task settings: grammar_seed %d, but the stored grammar was drawn from seed %d", *s.GrammarSeed, g.Seed())
		}
	} else {
		levels, seed := s.Levels, DefaultSeed
		if levels == 0 {
			levels = DefaultLevels
		}
		if s.GrammarSeed != nil {
			seed = *s.GrammarSeed
		}
		if levels < 2 || levels > 6 {
			return nil, fmt.Errorf("cfg task: levels %d; want 2..6", levels)
		}
		if g, err = Generate(seed, DefaultShape(levels)); err != nil {
			return nil, err
		}
	}
	return NewTask(g, k)
}

// Factory builds the grammar task from a recipe's JSON (see Settings).
func Factory(settings json.RawMessage) (tasks.Task, error) {
	var s Settings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &s); err != nil {
			return nil, fmt.Errorf("cfg task settings: %w", err)
		}
	}
	return s.Task()
}

// Task is the grammar task of one grammar and answer length; it implements
// tasks.Task. A problem is a sentence cut after a random number of
// symbols; the answer continues it (see Sample).
type Task struct {
	g     *Grammar
	k     int  // answer length
	toEnd bool // the pretraining variant: the answer runs to the sentence's end
}

// NewTask returns the task of g with answers of k symbols (k ≥ 1). Every
// sentence of g must have at least two symbols (a prompt holds one at
// least, and the answer one more).
func NewTask(g *Grammar, k int) (*Task, error) {
	if k < 1 {
		return nil, fmt.Errorf("cfg task: answer length %d; want ≥ 1", k)
	}
	if g.MinLen() < 2 {
		return nil, fmt.Errorf("cfg task: the grammar has sentences of %d symbol; want 2 at least", g.MinLen())
	}
	return &Task{g: g, k: k}, nil
}

// Grammar is the task's grammar.
func (t *Task) Grammar() *Grammar { return t.g }

// AnswerLen is the number of symbols an answer has (fewer at a sentence's
// end); the pretraining variant's answers run to the end.
func (t *Task) AnswerLen() int { return t.k }

// Settings are the settings that rebuild the task, the grammar included
// (what a model set stores).
func (t *Task) Settings() Settings {
	gj, err := t.g.MarshalJSON()
	if err != nil {
		panic(err) // cannot happen: plain strings and numbers
	}
	seed := t.g.Seed()
	return Settings{Levels: t.g.Levels(), GrammarSeed: &seed, AnswerLen: t.k, Grammar: gj}
}

// Name is "cfg".
func (t *Task) Name() string { return Name }

// Vocab is the grammar vocabulary.
func (t *Task) Vocab() tasks.Vocab { return NewVocab() }

// Sample draws a sentence (Grammar.Sentence), then a cut point uniformly
// in 1..len−1, then makes the problem: the prompt is the sentence's first
// cut symbols then [ANS]; the answer is the next AnswerLen tokens of the
// sentence followed by [EOS] — the next AnswerLen symbols, or the rest of
// the sentence and [EOS] when fewer than AnswerLen symbols remain. The
// pretraining variant's answer is the whole rest and [EOS].
func (t *Task) Sample(rng *rand.Rand) tasks.Problem { return t.SampleProblem(rng) }

// SampleProblem is Sample with the concrete type.
func (t *Task) SampleProblem(rng *rand.Rand) *Problem {
	sent := t.g.Sentence(rng)
	cut := 1 + rng.IntN(len(sent)-1)
	ans := append(slices.Clone(sent[cut:]), IDEOS)
	if !t.toEnd && len(ans) > t.k {
		ans = ans[:t.k]
	}
	return &Problem{t: t, prefix: slices.Clone(sent[:cut]), answer: ans, sentence: sent}
}

// Pretraining is the same grammar and cut points with the answer running
// to the sentence's end: token pretraining then sees whole sentences, and
// learns to continue past the AnswerLen symbols that are evaluated (a
// greedy continuation to the end must be a sentence).
func (t *Task) Pretraining() tasks.Task {
	if t.toEnd {
		return t
	}
	return &Task{g: t.g, k: t.k, toEnd: true}
}

// Distribution says what the models were trained on.
func (t *Task) Distribution() string {
	what := fmt.Sprintf("the next %d symbols (fewer, then [EOS], at the sentence's end)", t.k)
	if t.toEnd {
		what = "the rest of the sentence and [EOS]"
	}
	return fmt.Sprintf("sentences of the %d-level grammar (seed %d, %d–%d symbols) cut after 1 to len−1 symbols; the answer is %s",
		t.g.Levels(), t.g.Seed(), t.g.MinLen(), t.g.MaxLen(), what)
}

// InDistribution is nil when the prompt's prefix is a non-empty proper
// prefix of a sentence of the task's grammar: exactly the prefixes a cut
// point can make. Sample's problems always are; a typed one may be a whole
// sentence that no longer sentence continues, or of another grammar.
func (t *Task) InDistribution(p tasks.Problem) error {
	cp, ok := p.(*Problem)
	if !ok {
		return fmt.Errorf("not a grammar problem")
	}
	if !cp.t.g.Equal(t.g) {
		return fmt.Errorf("this problem is of another grammar than the models were trained on")
	}
	if len(cp.prefix) == 0 {
		return fmt.Errorf("the prefix is empty; the models were trained on prefixes of 1 to len−1 symbols")
	}
	v := t.g.Check(cp.prefix)
	switch {
	case !v.ValidPrefix():
		return fmt.Errorf("no sentence begins with this prefix (symbol %d breaks it)", v.FirstBad())
	case len(v.Next()) == 0:
		return fmt.Errorf("the prefix is a whole sentence that no sentence continues; the models were trained on prefixes that stop at least one symbol before the end")
	}
	return nil
}

// MaxPrompt is the longest prompt of the training distribution: one
// symbol short of the longest sentence, then [ANS].
func (t *Task) MaxPrompt() int { return t.g.MaxLen() }

// MaxAnswer is AnswerLen; for the pretraining variant, the longest rest
// of a sentence and [EOS].
func (t *Task) MaxAnswer() int {
	if t.toEnd {
		return t.g.MaxLen()
	}
	return t.k
}

// Problem is one grammar problem: a prefix of a sentence, and its
// reference continuation. It implements tasks.Problem and is immutable
// (the per-step facts are computed once, on first use, and shared).
type Problem struct {
	t        *Task
	prefix   []int
	answer   []int
	sentence []int // the sampled sentence; nil for a typed problem

	once  sync.Once
	steps []Verdict // steps[i]: the verdict on prefix + answer[:i]
}

// Task is the task the problem belongs to.
func (p *Problem) Task() *Task { return p.t }

// Prefix is the prompt's terminals (without [ANS]).
func (p *Problem) Prefix() []int { return slices.Clone(p.prefix) }

// Sentence is the sampled sentence the problem was cut from, or nil for a
// typed problem.
func (p *Problem) Sentence() []int { return slices.Clone(p.sentence) }

// Text is the prefix, [ANS] and the reference answer, e.g.
// "bccbabcb[ANS]bbbbccb"; Task.Parse reads it back to the same problem.
func (p *Problem) Text() string {
	var v *Vocab
	return v.Format(p.prefix) + v.Sym(IDAns) + v.Format(p.answer)
}

// Prompt is the prefix then [ANS].
func (p *Problem) Prompt() []int { return append(slices.Clone(p.prefix), IDAns) }

// Answer is the reference continuation: AnswerLen symbols, or the rest of
// the sentence and [EOS].
func (p *Problem) Answer() []int { return slices.Clone(p.answer) }

// AnswerError says which step of an answer is wrong. Step is the index in
// the answer (0 = the first token); Step = len(answer) means the answer
// stopped too early.
type AnswerError struct {
	Step int
	Msg  string
}

func (e *AnswerError) Error() string { return fmt.Sprintf("answer step %d: %s", e.Step, e.Msg) }

// CheckAnswer returns nil when ans continues the prefix grammatically:
// each terminal keeps prefix + ans a valid prefix, an [EOS] stands only
// where the string is a sentence and ends the answer, and the answer is
// complete — AnswerLen tokens at least, or ended by [EOS] (the pretraining
// variant: ended by [EOS]). ans may differ from Answer(): any grammatical
// continuation is right. Otherwise it returns an *AnswerError naming the
// first wrong step.
func (p *Problem) CheckAnswer(ans []int) error {
	var v *Vocab
	g := p.t.g
	run := 0
	for run < len(ans) && IsTerminal(ans[run]) {
		run++
	}
	s := append(slices.Clone(p.prefix), ans[:run]...)
	ver := g.Check(s)
	if bad := ver.FirstBad(); bad >= 0 {
		step := max(bad-len(p.prefix), 0)
		return &AnswerError{step, fmt.Sprintf("%s: no sentence continues this way", v.Sym(s[bad]))}
	}
	if run < len(ans) {
		switch tok := ans[run]; {
		case tok != IDEOS:
			return &AnswerError{run, fmt.Sprintf("%s is not a terminal (a, b, c) or [EOS]", v.Sym(tok))}
		case !ver.Member:
			return &AnswerError{run, "[EOS] before the sentence can end"}
		case run+1 < len(ans):
			return &AnswerError{run + 1, fmt.Sprintf("%s after [EOS]", v.Sym(ans[run+1]))}
		}
		return nil
	}
	if p.t.toEnd {
		return &AnswerError{run, "no [EOS]: the answer must run to the sentence's end"}
	}
	if run < p.t.k {
		return &AnswerError{run, fmt.Sprintf("the answer stops after %d symbols; want %d, or [EOS] where the sentence ends", run, p.t.k)}
	}
	return nil
}

// Hypotheses are the terminals a, b, c, then [EOS].
func (p *Problem) Hypotheses() []int { return []int{IDa, IDb, IDc, IDEOS} }

// step returns the verdict on the context of 1-based step t (prefix +
// answer[:t−1]), or false outside 1..len(answer).
func (p *Problem) step(t int) (Verdict, bool) {
	if t < 1 || t > len(p.answer) {
		return Verdict{}, false
	}
	p.once.Do(func() {
		par := p.t.g.NewParser()
		s := slices.Clone(p.prefix)
		p.steps = make([]Verdict, len(p.answer))
		for i := range p.answer {
			p.steps[i] = par.Parse(s)
			if IsTerminal(p.answer[i]) {
				s = append(s, p.answer[i])
			}
		}
	})
	return p.steps[t-1], true
}

// Rival is, at 1-based step t, the reference token and the first other
// terminal (in the order a, b, c) that is also grammatical there — the
// continuation could have gone that way. ok is false where no other
// terminal is grammatical (or t is outside the answer).
func (p *Problem) Rival(t int) (correct, rival int, ok bool) {
	v, in := p.step(t)
	if !in {
		return -1, -1, false
	}
	correct = p.answer[t-1]
	for x := 0; x < NumTerminals; x++ {
		if x != correct && v.Allows(x) {
			return correct, x, true
		}
	}
	return -1, -1, false
}

// Mistakes at 1-based step t: the first terminal (a, b, c order) that no
// sentence continues with there (Kind Rival: a wrong symbol that breaks
// the sentence), and [EOS] where the sentence cannot end yet (Kind End).
// Either may be missing: at a point where every terminal is grammatical
// there is no wrong terminal.
func (p *Problem) Mistakes(t int) []tasks.Mistake {
	v, in := p.step(t)
	if !in {
		return nil
	}
	var out []tasks.Mistake
	for x := 0; x < NumTerminals; x++ {
		if !v.Allows(x) && x != p.answer[t-1] {
			out = append(out, tasks.Mistake{Kind: tasks.Rival, Token: x, Label: fmt.Sprintf("%s, which no sentence continues with here", TerminalName(x))})
			break
		}
	}
	if !v.Member && p.answer[t-1] != IDEOS {
		out = append(out, tasks.Mistake{Kind: tasks.End, Token: IDEOS, Label: "a premature EOS: the sentence cannot end here"})
	}
	return out
}

// WrongToken is the error the containment experiment injects at 1-based
// step t: a terminal that breaks the sentence there (drawn from rng when
// there are two), else a premature [EOS] where that breaks it, else
// another hypothesis drawn from rng. Outside the answer it is a terminal
// drawn from rng.
func (p *Problem) WrongToken(t int, rng *rand.Rand) int {
	v, in := p.step(t)
	if !in {
		return rng.IntN(NumTerminals)
	}
	correct := p.answer[t-1]
	var bad []int
	for x := 0; x < NumTerminals; x++ {
		if !v.Allows(x) && x != correct {
			bad = append(bad, x)
		}
	}
	switch {
	case len(bad) == 1:
		return bad[0]
	case len(bad) > 1:
		return bad[rng.IntN(len(bad))]
	case !v.Member && correct != IDEOS:
		return IDEOS
	}
	others := slices.DeleteFunc(p.Hypotheses(), func(h int) bool { return h == correct })
	return others[rng.IntN(len(others))]
}

// Continue extends s (terminal ids) by up to n tokens, choosing at each
// step the first terminal (in the order a, b, c) that keeps a valid prefix
// and [EOS] where none does (s is then a sentence); it stops after [EOS].
// n ≤ 0 means until [EOS]. s must be a valid prefix; otherwise Continue
// returns nil.
func (g *Grammar) Continue(s []int, n int) []int {
	par := g.NewParser()
	cur := slices.Clone(s)
	var out []int
	for n <= 0 || len(out) < n {
		v := par.Parse(cur)
		if !v.ValidPrefix() {
			return nil
		}
		next := v.Next()
		if len(next) == 0 {
			return append(out, IDEOS)
		}
		out = append(out, next[0])
		cur = append(cur, next[0])
	}
	return out
}
