package text

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"jrx/tasks"
)

// Name is the text task's registry name, stored in checkpoints.
const Name = "text"

func init() { tasks.Register(Name, Factory) }

// Settings are the recipe fields of a text model set.
type Settings struct {
	// Vocab is the models' vocabulary size (required).
	Vocab int `json:"vocab"`
	// Steps is the number of latent steps a session takes (default 16).
	Steps int `json:"steps"`
	// MaxPrompt bounds a typed prompt in tokens (default 256).
	MaxPrompt int `json:"max_prompt"`
	// Tokenizer names a tokenizer.json in the model set's directory
	// (optional: without one, token i shows as <i> and typed text is read
	// as UTF-8 bytes, byte b as id b).
	Tokenizer string `json:"tokenizer"`
}

// Task is free text: a prompt typed (or one of a few built-in ones) and
// Steps latent steps with no reference answer. It is the task of model
// sets trained elsewhere on natural text (jrx init's gsm8k-0.9b): the
// explorer shows their latents, nearest tokens, mixtures and Talker lane,
// and nothing that needs a right answer.
type Task struct {
	s   Settings
	tok *Tokenizer // nil without a tokenizer file
}

// Factory builds the text task from a recipe's JSON.
func Factory(settings json.RawMessage) (tasks.Task, error) {
	var s Settings
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &s); err != nil {
			return nil, fmt.Errorf("text task settings: %w", err)
		}
	}
	if s.Steps == 0 {
		s.Steps = 16
	}
	if s.MaxPrompt == 0 {
		s.MaxPrompt = 256
	}
	switch {
	case s.Vocab < 2 || s.Vocab > 1<<20:
		return nil, fmt.Errorf("text task: vocab %d out of range (2…%d)", s.Vocab, 1<<20)
	case s.Steps < 1 || s.Steps > 1<<12:
		return nil, fmt.Errorf("text task: steps %d out of range", s.Steps)
	case s.MaxPrompt < 1 || s.MaxPrompt > 1<<16:
		return nil, fmt.Errorf("text task: max_prompt %d out of range", s.MaxPrompt)
	case strings.ContainsAny(s.Tokenizer, `/\`) || s.Tokenizer == "." || s.Tokenizer == "..":
		return nil, fmt.Errorf("text task: tokenizer %q must be a file name in the model set's directory", s.Tokenizer)
	}
	return &Task{s: s}, nil
}

// Files names the files the task reads from its model set's directory.
func (t *Task) Files() []string {
	if t.s.Tokenizer == "" {
		return nil
	}
	return []string{t.s.Tokenizer}
}

// WithFiles returns the task with its files read (read returns a file's
// bytes; an error wrapping fs.ErrNotExist for a missing file leaves the
// task without a tokenizer).
func (t *Task) WithFiles(read func(name string) ([]byte, error)) (tasks.Task, error) {
	if t.s.Tokenizer == "" {
		return t, nil
	}
	b, err := read(t.s.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("text task: %w", err)
	}
	tok, err := ParseTokenizer(b)
	if err != nil {
		return nil, fmt.Errorf("text task: %s: %w", t.s.Tokenizer, err)
	}
	if tok.Size() > t.s.Vocab {
		return nil, fmt.Errorf("text task: %s has %d tokens, more than the models' %d", t.s.Tokenizer, tok.Size(), t.s.Vocab)
	}
	return &Task{s: t.s, tok: tok}, nil
}

// Tokenizer is the task's tokenizer (nil without one).
func (t *Task) Tokenizer() *Tokenizer { return t.tok }

func (t *Task) Name() string            { return Name }
func (t *Task) Vocab() tasks.Vocab      { return &Vocab{n: t.s.Vocab, tok: t.tok} }
func (t *Task) MaxPrompt() int          { return t.s.MaxPrompt }
func (t *Task) MaxAnswer() int          { return t.s.Steps }
func (t *Task) Pretraining() tasks.Task { return t }
func (t *Task) Distribution() string {
	return fmt.Sprintf("free text (%d-token vocabulary), %d latent steps, no reference answers", t.s.Vocab, t.s.Steps)
}
func (t *Task) InDistribution(tasks.Problem) error { return nil }

// samples are the built-in prompts Sample draws from.
var samples = []string{
	"A baker makes 12 loaves each morning and sells 3 of them before noon. How many are left at noon?",
	"Tom has 5 apples. He buys 7 more and gives 4 to his sister. How many apples does Tom have now?",
	"A train leaves at 9:40 and the trip takes 2 hours and 35 minutes. When does it arrive?",
	"The sum of two numbers is 30 and their difference is 8. What are the numbers?",
	"Write one sentence about the sea.",
}

// Sample draws one of the built-in prompts.
func (t *Task) Sample(rng *rand.Rand) tasks.Problem {
	p, _ := t.parse(samples[rng.IntN(len(samples))], true)
	return p
}

// Parse tokenizes a typed prompt.
func (t *Task) Parse(text string) (tasks.Problem, error) { return t.parse(text, false) }

func (t *Task) parse(text string, cut bool) (tasks.Problem, error) {
	if strings.TrimSpace(text) == "" {
		return nil, &tasks.ParseError{Msg: "empty prompt", What: "prompt"}
	}
	var ids []int
	if t.tok != nil {
		ids = t.tok.Encode(text)
	} else {
		for i := 0; i < len(text); i++ {
			ids = append(ids, int(text[i])%t.s.Vocab)
		}
	}
	if len(ids) > t.s.MaxPrompt {
		if !cut {
			return nil, &tasks.ParseError{Offset: len([]rune(text)), Msg: fmt.Sprintf("the prompt is %d tokens, more than %d", len(ids), t.s.MaxPrompt), What: "prompt"}
		}
		ids = ids[len(ids)-t.s.MaxPrompt:]
	}
	if len(ids) == 0 {
		return nil, &tasks.ParseError{Msg: "the prompt has no tokens", What: "prompt"}
	}
	return &Problem{text: text, prompt: ids, steps: t.s.Steps, vocab: t.s.Vocab}, nil
}

// Problem is a tokenized prompt and a number of steps.
type Problem struct {
	text         string
	prompt       []int
	steps, vocab int
}

func (p *Problem) Text() string  { return p.text }
func (p *Problem) Prompt() []int { return append([]int(nil), p.prompt...) }

// Answer has one entry per step, all -1: there is no reference answer.
func (p *Problem) Answer() []int {
	a := make([]int, p.steps)
	for i := range a {
		a[i] = -1
	}
	return a
}

// CheckAnswer accepts every answer: free text has no right one.
func (p *Problem) CheckAnswer([]int) error { return nil }

// Hypotheses is empty: the candidates of a latent's mixture are its
// nearest tokens, which the engine takes per step.
func (p *Problem) Hypotheses() []int                    { return nil }
func (p *Problem) Rival(int) (int, int, bool)           { return 0, 0, false }
func (p *Problem) Mistakes(int) []tasks.Mistake         { return nil }
func (p *Problem) WrongToken(_ int, rng *rand.Rand) int { return rng.IntN(p.vocab) }

// Vocab is the models' vocabulary shown through the tokenizer.
type Vocab struct {
	n   int
	tok *Tokenizer
}

func (v *Vocab) Size() int { return v.n }

// Sym is the token as the tokenizer spells it, or <id>.
func (v *Vocab) Sym(id int) string {
	if id < 0 || id >= v.n {
		return fmt.Sprintf("[?%d]", id)
	}
	if v.tok != nil {
		if s := v.tok.Token(id); s != "" {
			return s
		}
	}
	return fmt.Sprintf("<%d>", id)
}

// Short is the token's text (Tokenizer.Show), or <id>.
func (v *Vocab) Short(id int) string {
	if v.tok != nil && id >= 0 && id < v.n && v.tok.Token(id) != "" {
		return v.tok.Show(id)
	}
	return v.Sym(id)
}

// Lookup reads a token as the tokenizer spells it, as <id>, or as the
// text of one token.
func (v *Vocab) Lookup(s string) (int, bool) {
	var id int
	if _, err := fmt.Sscanf(s, "<%d>", &id); err == nil && id >= 0 && id < v.n && fmt.Sprintf("<%d>", id) == s {
		return id, true
	}
	if v.tok == nil {
		return 0, false
	}
	if id, ok := v.tok.ID(s); ok && id < v.n {
		return id, true
	}
	if ids := v.tok.Encode(s); len(ids) == 1 {
		return ids[0], true
	}
	return 0, false
}

func (v *Vocab) Symbols() []string {
	out := make([]string, v.n)
	for i := range out {
		out[i] = v.Sym(i)
	}
	return out
}

// Content is every token.
func (v *Vocab) Content() []int {
	out := make([]int, v.n)
	for i := range out {
		out[i] = i
	}
	return out
}

// special finds the first of names the tokenizer has, else def.
func (v *Vocab) special(def int, names ...string) int {
	if v.tok != nil {
		for _, n := range names {
			if id, ok := v.tok.ID(n); ok && id < v.n {
				return id
			}
		}
	}
	return def
}

func (v *Vocab) EOS() int {
	return v.special(v.n-1, "</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>")
}
func (v *Vocab) PAD() int { return v.special(v.EOS(), "<pad>", "[PAD]") }
func (v *Vocab) BOS() int { return v.special(v.EOS(), "<s>", "<|begin_of_text|>", "<bos>") }
