package cfg

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"jrx/tasks"
	_ "jrx/tasks/tree" // for a problem of another task
)

var (
	_ tasks.Task    = (*Task)(nil)
	_ tasks.Problem = (*Problem)(nil)
)

func defaultTask(t testing.TB) *Task {
	t.Helper()
	tk, err := tasks.New(Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk.(*Task)
}

func TestRegistry(t *testing.T) {
	if !slices.Contains(tasks.Names(), "cfg") {
		t.Fatalf("tasks.Names() = %v lacks cfg", tasks.Names())
	}
	tk := defaultTask(t)
	if tk.Name() != "cfg" || tk.AnswerLen() != 8 || !tk.Grammar().Equal(defaultGrammar(t)) || tk.Grammar().Levels() != 4 {
		t.Fatalf("default task: %s, answer %d, grammar\n%s", tk.Name(), tk.AnswerLen(), tk.Grammar())
	}
	if tk.Vocab().Size() != VocabSize || tk.MaxAnswer() != 8 || tk.MaxPrompt() != tk.Grammar().MaxLen() {
		t.Fatal("vocab or bounds")
	}
}

func TestFactorySettings(t *testing.T) {
	def := defaultTask(t)
	stored, err := json.Marshal(def.Settings())
	if err != nil {
		t.Fatal(err)
	}
	back, err := Factory(stored)
	if err != nil {
		t.Fatalf("Factory(%s): %v", stored, err)
	}
	if b := back.(*Task); !b.Grammar().Equal(def.Grammar()) || b.AnswerLen() != 8 {
		t.Fatal("Settings() does not rebuild the task")
	}
	// A stored grammar wins over the generator: a hand-written one works.
	custom := `{"grammar":{"seed":0,"levels":[[{"name":"S","rules":["A2 A2 A2"]}],[{"name":"A2","rules":["a b","c a b"]}]]},"answer_len":3,"depth":4}`
	ct, err := Factory(json.RawMessage(custom))
	if err != nil || ct.(*Task).Grammar().MaxLen() != 9 || ct.MaxAnswer() != 3 {
		t.Fatalf("Factory(custom) = %v", err)
	}
	for _, c := range []struct {
		json   string
		levels int
		seed   uint64
		k      int
	}{
		{`{}`, 4, DefaultSeed, 8},
		{`{"levels":3}`, 3, DefaultSeed, 8},
		{`{"grammar_seed":2,"answer_len":4}`, 4, 2, 4},
		{`{"grammar_seed":0}`, 4, 0, 8},
		{`{"levels":5,"grammar":null}`, 5, DefaultSeed, 8},
	} {
		tk, err := Factory(json.RawMessage(c.json))
		if err != nil {
			t.Fatalf("Factory(%s): %v", c.json, err)
		}
		want, _ := Generate(c.seed, DefaultShape(c.levels))
		if g := tk.(*Task).Grammar(); !g.Equal(want) || g.Seed() != c.seed || tk.MaxAnswer() != c.k {
			t.Fatalf("Factory(%s): grammar seed %d levels %d, answer %d", c.json, g.Seed(), g.Levels(), tk.MaxAnswer())
		}
	}
	for _, c := range []struct{ json, want string }{
		{`{"levels":9}`, "levels 9"},
		{`{"levels":1}`, "levels 1"},
		{`{"answer_len":-2}`, "answer_len"},
		{`{"answer_len":100}`, "answer_len"},
		{`{"levels":3,"grammar":` + string(mustJSON(t, def.Grammar())) + `}`, "stored grammar has 4"},
		{`{"grammar_seed":7,"grammar":` + string(mustJSON(t, def.Grammar())) + `}`, "seed 6"},
		{`{"grammar":{"levels":[]}}`, "0 levels"},
		{`{"grammar":{"seed":0,"levels":[[{"name":"S","rules":["a","b c"]}]]}}`, "sentences of 1 symbol"},
		{`{"levels":"four"}`, "cfg task settings"},
	} {
		_, err := Factory(json.RawMessage(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Factory(%s) = %v; want an error with %q", c.json, err, c.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSample checks sampled problems against their sentence: the prompt is
// a cut of it then [ANS], the answer its next 8 tokens of sentence·[EOS];
// the cut ranges over 1..len−1; the pretraining variant continues to the
// end from the same draws.
func TestSample(t *testing.T) {
	tk := defaultTask(t)
	pre := tk.Pretraining().(*Task)
	if pre.Pretraining() != pre || pre.MaxAnswer() != tk.Grammar().MaxLen() || pre.MaxPrompt() != tk.MaxPrompt() {
		t.Fatal("pretraining variant bounds")
	}
	sawFirst, sawLast, sawEOS, sawFull := false, false, false, false
	for seed := uint64(0); seed < 3000; seed++ {
		p := tasks.SampleSeed(tk, seed).(*Problem)
		q := tasks.SampleSeed(tk, seed).(*Problem)
		if p.Text() != q.Text() {
			t.Fatalf("seed %d: two samples differ", seed)
		}
		sent, prompt, ans := p.Sentence(), p.Prompt(), p.Answer()
		cut := len(prompt) - 1
		if cut < 1 || cut > len(sent)-1 || prompt[cut] != IDAns || !slices.Equal(prompt[:cut], sent[:cut]) || !slices.Equal(p.Prefix(), sent[:cut]) {
			t.Fatalf("seed %d: prompt %v is not a cut of %v then [ANS]", seed, prompt, sent)
		}
		want := append(slices.Clone(sent[cut:]), IDEOS)
		want = want[:min(len(want), 8)]
		if !slices.Equal(ans, want) {
			t.Fatalf("seed %d: answer %v; want %v", seed, ans, want)
		}
		if len(prompt) > tk.MaxPrompt() || len(ans) > tk.MaxAnswer() {
			t.Fatalf("seed %d: prompt %d answer %d exceed the bounds", seed, len(prompt), len(ans))
		}
		if seed%10 == 0 {
			if !tk.Grammar().IsMember(sent) {
				t.Fatalf("seed %d: sentence not a member", seed)
			}
			if err := p.CheckAnswer(ans); err != nil {
				t.Fatalf("seed %d: the reference answer fails: %v", seed, err)
			}
			if err := tk.InDistribution(p); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			pp := tasks.SampleSeed(pre, seed).(*Problem)
			if !slices.Equal(pp.Prompt(), prompt) || !slices.Equal(pp.Answer(), append(slices.Clone(sent[cut:]), IDEOS)) {
				t.Fatalf("seed %d: pretraining problem %s; eval %s", seed, pp.Text(), p.Text())
			}
			if err := pp.CheckAnswer(pp.Answer()); err != nil {
				t.Fatalf("seed %d: pretraining answer: %v", seed, err)
			}
			if err := pp.CheckAnswer(ans); ans[len(ans)-1] != IDEOS && err == nil {
				t.Fatalf("seed %d: the pretraining variant accepted an answer without [EOS]", seed)
			}
		}
		sawFirst = sawFirst || cut == 1
		sawLast = sawLast || cut == len(sent)-1
		sawEOS = sawEOS || ans[len(ans)-1] == IDEOS
		sawFull = sawFull || (len(ans) == 8 && ans[7] != IDEOS)
	}
	if !sawFirst || !sawLast || !sawEOS || !sawFull {
		t.Fatalf("3000 samples: cut 1 %v, cut len−1 %v, an answer ending in [EOS] %v, a full one %v", sawFirst, sawLast, sawEOS, sawFull)
	}
}

// refCheckAnswer is CheckAnswer's specification over an enumerated
// language: the first failing step, or -1.
func refCheckAnswer(lang *language, prefix string, ans []int, k int, toEnd bool) int {
	ctx := prefix
	for i, tok := range ans {
		switch {
		case IsTerminal(tok):
			ctx += TerminalName(tok)
			if !lang.prefixes[ctx] {
				return i
			}
		case tok == IDEOS:
			if !lang.sentences[ctx] {
				return i
			}
			if i+1 < len(ans) {
				return i + 1
			}
			return -1
		default:
			return i
		}
	}
	if toEnd || len(ans) < k {
		return len(ans)
	}
	return -1
}

func stepOf(err error) int {
	var ae *AnswerError
	if err == nil {
		return -1
	}
	if errors.As(err, &ae) {
		return ae.Step
	}
	return -2
}

// TestStepsAgainstLanguage checks CheckAnswer, Rival, Mistakes and
// WrongToken on tasks over tiny grammars against the enumerated language.
func TestStepsAgainstLanguage(t *testing.T) {
	for name, g := range tinyGrammars(t) {
		if g.MinLen() < 2 {
			if _, err := NewTask(g, 3); err == nil {
				t.Fatalf("%s: NewTask accepted a grammar with one-symbol sentences", name)
			}
			continue
		}
		lang := enumerate(t, g, 200000)
		for _, toEnd := range []bool{false, true} {
			tk, err := NewTask(g, 3)
			if err != nil {
				t.Fatal(err)
			}
			task := tasks.Task(tk)
			if toEnd {
				task = tk.Pretraining()
			}
			rng := tasks.NewRNG(4)
			for k := 0; k < 150; k++ {
				p := task.Sample(rng).(*Problem)
				prefix, ans := key(p.Prefix()), p.Answer()
				if got := stepOf(p.CheckAnswer(ans)); got != -1 {
					t.Fatalf("%s: reference answer of %s fails at %d", name, p.Text(), got)
				}
				for try := 0; try < 20; try++ {
					a := make([]int, rng.IntN(6))
					for i := range a {
						a[i] = []int{0, 1, 2, IDEOS, IDPAD}[rng.IntN(5)]
					}
					if try < 10 && len(ans) > 0 { // mostly right, one token changed
						a = slices.Clone(ans)
						a[rng.IntN(len(a))] = rng.IntN(4)
						if a[len(a)-1] == 3 {
							a[len(a)-1] = IDEOS
						}
					}
					if got, want := stepOf(p.CheckAnswer(a)), refCheckAnswer(lang, prefix, a, 3, toEnd); got != want {
						t.Fatalf("%s: %s CheckAnswer(%v) fails at %d; want %d (%v)", name, p.Text(), a, got, want, p.CheckAnswer(a))
					}
				}
				for step := 1; step <= len(ans); step++ {
					ctx := prefix + key(terminalsOf(ans[:step-1]))
					correct := ans[step-1]
					var allowed, banned []int
					for x := 0; x < NumTerminals; x++ {
						if lang.prefixes[ctx+TerminalName(x)] {
							allowed = append(allowed, x)
						} else {
							banned = append(banned, x)
						}
					}
					canEnd := lang.sentences[ctx]
					c, r, ok := p.Rival(step)
					others := slices.DeleteFunc(slices.Clone(allowed), func(x int) bool { return x == correct })
					if ok != (len(others) > 0) || (ok && (c != correct || r != others[0])) {
						t.Fatalf("%s: %s Rival(%d) = %d %d %v; grammatical %v, correct %d", name, p.Text(), step, c, r, ok, allowed, correct)
					}
					ms := p.Mistakes(step)
					rm, hasR := tasks.MistakeOf(ms, tasks.Rival)
					if hasR != (len(banned) > 0) || (hasR && rm.Token != banned[0]) {
						t.Fatalf("%s: %s Mistakes(%d) = %v; banned %v", name, p.Text(), step, ms, banned)
					}
					em, hasE := tasks.MistakeOf(ms, tasks.End)
					if hasE != (!canEnd && correct != IDEOS) || (hasE && em.Token != IDEOS) {
						t.Fatalf("%s: %s Mistakes(%d) = %v; can end %v", name, p.Text(), step, ms, canEnd)
					}
					w := p.WrongToken(step, rng)
					switch {
					case w == correct || !slices.Contains(p.Hypotheses(), w):
						t.Fatalf("%s: WrongToken(%d) = %d (correct %d)", name, step, w, correct)
					case len(banned) > 0 && !slices.Contains(banned, w):
						t.Fatalf("%s: WrongToken(%d) = %d is grammatical; banned %v", name, step, w, banned)
					case len(banned) == 0 && !canEnd && correct != IDEOS && w != IDEOS:
						t.Fatalf("%s: WrongToken(%d) = %d; a premature [EOS] breaks the sentence", name, step, w)
					}
				}
				if _, _, ok := p.Rival(0); ok || p.Mistakes(len(ans)+1) != nil {
					t.Fatal("Rival/Mistakes outside the answer")
				}
			}
		}
	}
}

func terminalsOf(a []int) []int {
	return slices.DeleteFunc(slices.Clone(a), func(x int) bool { return !IsTerminal(x) })
}

// TestContinue: Grammar.Continue takes the first grammatical terminal at
// each step and [EOS] only at a sentence that cannot go on (checked
// against the enumerated language).
func TestContinue(t *testing.T) {
	for name, g := range tinyGrammars(t) {
		lang := enumerate(t, g, 200000)
		for i, sent := range lang.list {
			if i%7 != 0 {
				continue
			}
			for cut := 0; cut <= len(sent); cut++ {
				ctx := sent[:cut]
				out := g.Continue(ids(ctx), 0)
				for _, x := range out {
					var first = -1
					for y := 0; y < NumTerminals; y++ {
						if lang.prefixes[ctx+TerminalName(y)] {
							first = y
							break
						}
					}
					if x == IDEOS {
						if first >= 0 || !lang.sentences[ctx] {
							t.Fatalf("%s: Continue(%q) = %v ends early at %q", name, sent[:cut], out, ctx)
						}
						break
					}
					if x != first {
						t.Fatalf("%s: Continue(%q) = %v: at %q chose %d, want %d", name, sent[:cut], out, ctx, x, first)
					}
					ctx += TerminalName(x)
				}
				if out[len(out)-1] != IDEOS {
					t.Fatalf("%s: Continue(%q, 0) = %v does not end", name, sent[:cut], out)
				}
				if got := g.Continue(ids(sent[:cut]), 2); !slices.Equal(got, out[:min(2, len(out))]) {
					t.Fatalf("%s: Continue(%q, 2) = %v; want %v", name, sent[:cut], got, out[:2])
				}
			}
		}
		if g.Continue(ids("?"), 3) != nil {
			t.Fatalf("%s: Continue of an invalid prefix", name)
		}
	}
}

// TestDefaultSteps: on the default task the step facts agree with
// CheckAnswer: each Mistakes token makes the answer fail at that step, the
// rival keeps it grammatical.
func TestDefaultSteps(t *testing.T) {
	tk := defaultTask(t)
	rng := tasks.NewRNG(8)
	rivals, wrongs := 0, 0
	for k := 0; k < 60; k++ {
		p := tk.SampleProblem(rng)
		ans := p.Answer()
		for step := 1; step <= len(ans); step++ {
			for _, m := range p.Mistakes(step) {
				a := append(slices.Clone(ans[:step-1]), m.Token)
				if got := stepOf(p.CheckAnswer(a)); got != step-1 {
					t.Fatalf("%s: mistake %v at step %d: CheckAnswer fails at %d", p.Text(), m, step, got)
				}
				if m.Kind == tasks.Rival {
					wrongs++
				}
			}
			if _, r, ok := p.Rival(step); ok {
				rivals++
				a := append(slices.Clone(ans[:step-1]), r)
				if got := stepOf(p.CheckAnswer(a)); got != -1 && got < step {
					t.Fatalf("%s: rival %d at step %d fails at %d", p.Text(), r, step, got)
				}
			}
		}
	}
	if rivals == 0 || wrongs == 0 {
		t.Fatalf("no rivals (%d) or wrong terminals (%d) in 60 problems", rivals, wrongs)
	}
}

func TestInDistribution(t *testing.T) {
	tk := defaultTask(t)
	g := tk.Grammar()
	rng := tasks.NewRNG(2)
	var whole []int // a sentence no longer sentence continues
	for whole == nil {
		if s := g.Sentence(rng); len(g.Check(s).Next()) == 0 {
			whole = s
		}
	}
	p, err := tk.ParseProblem(NewVocab().Format(whole))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Answer(), []int{IDEOS}) || p.CheckAnswer(p.Answer()) != nil {
		t.Fatalf("a whole sentence's answer is %v", p.Answer())
	}
	if err := tk.InDistribution(p); err == nil || !strings.Contains(err.Error(), "whole sentence") {
		t.Fatalf("InDistribution(whole sentence) = %v", err)
	}
	if err := tk.InDistribution(p.Task().Pretraining().Sample(rng)); err != nil {
		t.Fatalf("InDistribution(pretraining sample) = %v", err)
	}
	other, _ := Factory(json.RawMessage(`{"grammar_seed":1}`))
	if err := tk.InDistribution(other.Sample(rng)); err == nil || !strings.Contains(err.Error(), "another grammar") {
		t.Fatalf("InDistribution(other grammar) = %v", err)
	}
	tree, err := tasks.New("tree", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.InDistribution(tree.Sample(rng)); err == nil {
		t.Fatal("InDistribution(a tree problem) = nil")
	}
	if err := tk.InDistribution(&Problem{t: tk}); err == nil {
		t.Fatal("InDistribution(empty prefix) = nil")
	}
}

// TestMakeBatch lays grammar problems out with tasks.MakeBatch: each row is
// prompt then answer, the SST weights on the answer block.
func TestMakeBatch(t *testing.T) {
	tk := defaultTask(t)
	for _, task := range []tasks.Task{tk, tk.Pretraining()} {
		rng := tasks.NewRNG(6)
		ps := make([]tasks.Problem, 16)
		for i := range ps {
			ps[i] = task.Sample(rng)
		}
		b := tasks.MakeBatch(ps, IDPAD, task.MaxPrompt()+task.MaxAnswer()-1, 1)
		for r, p := range ps {
			seq := append(p.Prompt(), p.Answer()...)
			L, R := len(seq), len(p.Prompt())-1
			if b.SeqLen[r] != L || b.RouteStart[r] != R {
				t.Fatalf("row %d: SeqLen %d RouteStart %d; want %d %d", r, b.SeqLen[r], b.RouteStart[r], L, R)
			}
			for i := 0; i < b.T; i++ {
				in, w := b.Inputs[r*b.T+i], b.WSST[r*b.T+i]
				switch {
				case i < L-1 && (in != seq[i] || b.Targets[r*b.T+i] != seq[i+1]):
					t.Fatalf("row %d pos %d: input %d target %d; want %d %d", r, i, in, b.Targets[r*b.T+i], seq[i], seq[i+1])
				case i >= L-1 && in != IDPAD:
					t.Fatalf("row %d pos %d: not padding", r, i)
				case (w == 1) != (i >= R && i <= L-2):
					t.Fatalf("row %d pos %d: WSST %v (answer block %d..%d)", r, i, w, R, L-2)
				}
			}
		}
	}
}

func TestDistributionText(t *testing.T) {
	tk := defaultTask(t)
	for _, s := range []string{tk.Distribution(), tk.Pretraining().Distribution()} {
		if !strings.Contains(s, "4-level grammar") || !strings.Contains(s, fmt.Sprint(tk.Grammar().MaxLen())) {
			t.Fatalf("Distribution() = %q", s)
		}
	}
}

// Where the sentence can end inside a run of thoughts, a thought may stand
// for its [EOS]: COCONUT's symbols after it are then not held against it.
// Checked on problems cut 1–3 symbols before the end, against the
// sentence's own answer (which ends there).
func TestCheckContinuationThoughtsPastTheEnd(t *testing.T) {
	tk := defaultTask(t)
	rng := rand.New(rand.NewPCG(7, 8))
	found := 0
	for i := 0; i < 20000 && found < 5; i++ {
		p := tk.SampleProblem(rng)
		ans := p.Answer()
		end := slices.Index(ans, IDEOS)
		if end < 0 || end >= 3 {
			continue
		}
		found++
		if !tk.Grammar().IsMember(append(p.Prefix(), ans[:end]...)) {
			t.Fatalf("the answer %v does not end the sentence", ans)
		}
		toks := []int{-1, -1, -1, -1, 0, 1}
		if got := p.CheckContinuation(toks); got != 0 {
			t.Errorf("prefix ending %d symbols before the sentence's end, 4 thoughts: invalid from %d", end, got)
		}
		// Without thoughts, the same symbols after the end are invalid.
		own := append(append([]int(nil), ans[:end]...), 0, 0, 0, 0, 0)
		if got := p.CheckContinuation(own); got == 0 && !tk.Grammar().IsValidPrefix(append(p.Prefix(), own...)) {
			t.Errorf("symbols past the end accepted: %v", own)
		}
	}
	if found == 0 {
		t.Fatal("no problem cut within 3 symbols of its end")
	}
}
