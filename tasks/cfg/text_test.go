package cfg

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"jrx/tasks"
)

func parseErr(t *testing.T, tk *Task, text string) *tasks.ParseError {
	t.Helper()
	p, err := tk.Parse(text)
	var pe *tasks.ParseError
	if err == nil || p != nil || !errors.As(err, &pe) {
		t.Fatalf("Parse(%q) = %v, %v; want a *tasks.ParseError", text, p, err)
	}
	if pe.What != "grammar text" {
		t.Fatalf("Parse(%q): What = %q", text, pe.What)
	}
	return pe
}

// spaced spells ids with a space after each symbol, so symbol i is at
// offset 2i.
func spaced(ids []int) string {
	var b strings.Builder
	for _, x := range ids {
		b.WriteString(TerminalName(x) + " ")
	}
	return b.String()
}

// TestParseRoundTrip: Text() of sampled problems parses back to the same
// problem, in any case and spacing.
func TestParseRoundTrip(t *testing.T) {
	tk := defaultTask(t)
	rng := tasks.NewRNG(12)
	for k := 0; k < 200; k++ {
		p := tk.SampleProblem(rng)
		for _, text := range []string{p.Text(), strings.ToUpper(p.Text()), " " + strings.Join(strings.Split(p.Text(), ""), " ") + "\n"} {
			if k%20 != 0 && text != p.Text() {
				continue
			}
			text = strings.ReplaceAll(text, "[ A N S ]", "[ans]")
			text = strings.ReplaceAll(text, "[ E O S ]", "[EoS]")
			q, err := tk.ParseProblem(text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", text, err)
			}
			if !slices.Equal(q.Prompt(), p.Prompt()) || !slices.Equal(q.Answer(), p.Answer()) || q.Text() != p.Text() || q.Sentence() != nil {
				t.Fatalf("Parse(%q) = %s; want %s", text, q.Text(), p.Text())
			}
		}
	}
}

// TestParseCompletes: a prefix alone, or with a short answer, gets the
// canonical continuation (Grammar.Continue) to 8 tokens.
func TestParseCompletes(t *testing.T) {
	tk := defaultTask(t)
	g := tk.Grammar()
	rng := tasks.NewRNG(13)
	for k := 0; k < 50; k++ {
		p := tk.SampleProblem(rng)
		pre := p.Prefix()
		q, err := tk.ParseProblem(spaced(pre))
		if err != nil {
			t.Fatal(err)
		}
		if want := g.Continue(pre, 8); !slices.Equal(q.Answer(), want) || q.CheckAnswer(q.Answer()) != nil {
			t.Fatalf("Parse(%s) answer %v; want %v", spaced(pre), q.Answer(), want)
		}
		two := p.Answer()[:min(2, len(p.Answer()))]
		q, err = tk.ParseProblem(spaced(pre) + "[ANS]" + NewVocab().Format(two))
		if err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(two), g.Continue(append(slices.Clone(pre), terminalsOf(two)...), 8-len(two))...)
		if two[len(two)-1] == IDEOS {
			want = two
		}
		if !slices.Equal(q.Answer(), want) {
			t.Fatalf("Parse(prefix[ANS]%v) answer %v; want %v", two, q.Answer(), want)
		}
	}
	// The pretraining variant completes to the sentence's end.
	pre := tk.Pretraining().(*Task)
	q, err := pre.ParseProblem("b")
	if err != nil {
		t.Fatal(err)
	}
	if a := q.Answer(); a[len(a)-1] != IDEOS || !g.IsMember(append(ids("b"), terminalsOf(a)...)) {
		t.Fatalf("pretraining Parse(b) answer %v is not the rest of a sentence", a)
	}
}

// TestParseErrors checks where errors point; the offsets are counted by
// hand, or for grammar violations found with the backtracking reference
// (refPrefix), not the parser under test.
func TestParseErrors(t *testing.T) {
	tk := defaultTask(t)
	for _, c := range []struct {
		text  string
		off   int
		piece string
		msg   string
	}{
		{"", 0, "", "want the prefix's symbols"},
		{"  [ANS]", 2, "[ANS]", "want the prefix's symbols"},
		{"[EOS]", 0, "[EOS]", "want the prefix's symbols"},
		{"b x", 2, "x", "not a terminal"},
		{"bé", 1, "é", "not a terminal"},
		{"\u00a0\u3000b d", 4, "d", "not a terminal"}, // multi-byte spaces count one character each
		{"b[FOO]", 1, "[FOO]", "unknown token"},
		{"b [PAD]", 2, "[PAD]", "cannot appear"},
		{"b [bot]", 2, "[bot]", "cannot appear"},
		{"b[ANS", 1, "[ANS", "unclosed"},
		{"b[AN S]", 1, "[AN S]", "unclosed"},
		{"b\xff", 1, "\xff", "UTF-8"},
	} {
		pe := parseErr(t, tk, c.text)
		if pe.Offset != c.off || pe.Piece != c.piece || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Parse(%q) = %v; want offset %d piece %q msg ~%q", c.text, pe, c.off, c.piece, c.msg)
		}
	}
	if pe := parseErr(t, tk, strings.Repeat("a", maxParseRunes+1)); pe.Offset != maxParseRunes {
		t.Errorf("Parse(huge) = %v", pe)
	}

	// Grammar violations, located with the reference.
	g := tk.Grammar()
	rng := tasks.NewRNG(14)
	found := 0
	for found < 10 {
		s := g.Sentence(rng)
		i := 2 + rng.IntN(10)
		for x := 0; x < NumTerminals; x++ {
			bad := append(slices.Clone(s[:i]), x)
			if x == s[i] || refPrefix(g, bad) {
				continue
			}
			found++
			// In the prefix: symbol i at offset 2i.
			pe := parseErr(t, tk, spaced(bad)+"[ANS]")
			if pe.Offset != 2*i || pe.Piece != TerminalName(x) || !strings.Contains(pe.Msg, "no sentence begins like this") {
				t.Fatalf("Parse(%q) = %v; want offset %d", spaced(bad)+"[ANS]", pe, 2*i)
			}
			// In the answer: prefix s[:2], answer s[2:i] then x.
			text := NewVocab().Format(s[:2]) + "[ANS]" + NewVocab().Format(bad[2:])
			pe = parseErr(t, tk, text)
			if want := 2 + 5 + (i - 2); pe.Offset != want || !strings.Contains(pe.Msg, "no sentence continues") {
				t.Fatalf("Parse(%q) = %v; want offset %d", text, pe, want)
			}
			break
		}
	}

	// Answer shape errors at a valid prefix.
	p := tk.SampleProblem(tasks.NewRNG(15))
	for p.Sentence() == nil || len(p.Sentence())-len(p.Prefix()) < 12 || g.IsMember(p.Prefix()) {
		p = tk.SampleProblem(rng)
	}
	pre, sent := NewVocab().Format(p.Prefix()), p.Sentence()
	n := len([]rune(pre))
	rest := NewVocab().Format(sent[len(p.Prefix()):])
	for _, c := range []struct {
		text  string
		off   int
		piece string
		msg   string
	}{
		{pre + "[EOS]", n, "[EOS]", "before [ANS]"},
		{pre + "[ANS]" + rest[:2] + "[ANS]", n + 7, "[ANS]", "second [ANS]"},
		{pre + "[ANS]" + rest[:2] + "[EOS]", n + 7, "[EOS]", "before the sentence can end"},
		{pre + "[ANS]" + rest[:9], n + 5 + 8, rest[8:9], "answers have 8"},
		{NewVocab().Format(sent) + "[ANS][EOS]a", len(sent) + 10, "a", "after [EOS]"},
		{NewVocab().Format(sent) + "[ANS][EOS] [ANS]", len(sent) + 11, "[ANS]", "second [ANS]"},
	} {
		pe := parseErr(t, tk, c.text)
		if pe.Offset != c.off || pe.Piece != c.piece || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Parse(%q) = %v; want offset %d piece %q msg ~%q", c.text, pe, c.off, c.piece, c.msg)
		}
	}
	// A prefix longer than any sentence.
	long := spaced(append(g.Sentence(rng), make([]int, g.MaxLen())...))
	if pe := parseErr(t, tk, long); !strings.Contains(pe.Msg, "no sentence begins") && !strings.Contains(pe.Msg, "longer than any sentence") {
		t.Errorf("Parse(long) = %v", pe)
	}
}
