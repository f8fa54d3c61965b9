package cfg

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"jrx/tasks"
)

// FuzzCFGParse: Task.Parse never panics, fails only with a
// *tasks.ParseError whose offset lies in the text, and whatever it accepts
// has a valid prefix (the backtracking reference agrees on short ones), a
// grammatical reference answer, and a Text that parses back to it. The
// same bytes read as a string of terminals (byte % 4, 3 being no terminal)
// get the parser's verdict compared with the references: the backtracking
// search on the default grammar for short strings, the enumerated language
// of a tiny ambiguous grammar for any length.
func FuzzCFGParse(f *testing.F) {
	tk := defaultTask(f)
	g := tk.Grammar()
	amb := tinyGrammars(f)["ambiguous"]
	lang := enumerate(f, amb, 200000)
	rng := tasks.NewRNG(21)
	for k := 0; k < 6; k++ {
		f.Add(tk.SampleProblem(rng).Text())
	}
	for _, s := range []string{"", "[ANS]", "b", "bccb", "bccb [ans] abcb", "abc[EOS]", "b[ANS]b[EOS]", "x", "[", "b[PAD]", "é", "aba", "\x00\x01\x02\x03"} {
		f.Add(s)
	}
	pg, pa := g.NewParser(), amb.NewParser()
	f.Fuzz(func(t *testing.T, s string) {
		p, err := tk.ParseProblem(s)
		if err != nil {
			var pe *tasks.ParseError
			if !errors.As(err, &pe) || p != nil {
				t.Fatalf("Parse(%q) = %v, %T %v", s, p, err, err)
			}
			if pe.Offset < 0 || pe.Offset > utf8.RuneCountInString(s) {
				t.Fatalf("Parse(%q): offset %d out of range", s, pe.Offset)
			}
		} else {
			pre := p.Prefix()
			if len(pre) == 0 || !g.IsValidPrefix(pre) || (len(pre) <= 16 && !refPrefix(g, pre)) {
				t.Fatalf("Parse(%q) accepted the prefix %s", s, key(pre))
			}
			if err := p.CheckAnswer(p.Answer()); err != nil {
				t.Fatalf("Parse(%q): reference answer %v: %v", s, p.Answer(), err)
			}
			q, err := tk.ParseProblem(p.Text())
			if err != nil || q.Text() != p.Text() {
				t.Fatalf("Parse(%q).Text() = %q parses to %v, %v", s, p.Text(), q, err)
			}
		}

		sym := make([]int, len(s))
		for i := range s {
			sym[i] = int(s[i] % 4)
		}
		if len(sym) <= 16 {
			v := pg.Parse(sym)
			if want := refLongest(g, sym); v.Prefix != want {
				t.Fatalf("default grammar: Parse(%s).Prefix = %d; reference %d", key(sym), v.Prefix, want)
			}
			if v.ValidPrefix() {
				for x := 0; x < NumTerminals; x++ {
					if v.Allows(x) != refPrefix(g, append(slices.Clone(sym), x)) {
						t.Fatalf("default grammar: Parse(%s).Allows(%d) = %v; the reference disagrees", key(sym), x, v.Allows(x))
					}
				}
			}
		}
		v := pa.Parse(sym)
		if v.Prefix != lang.longestPrefix(key(sym)) || v.Member != lang.sentences[key(sym)] {
			t.Fatalf("ambiguous grammar: Parse(%s) = %+v; language says prefix %d member %v", key(sym), v, lang.longestPrefix(key(sym)), lang.sentences[key(sym)])
		}
		if v.ValidPrefix() {
			d, err := pa.Derive(sym)
			if err != nil {
				t.Fatal(err)
			}
			checkDerivation(t, amb, sym, d, v.Member)
		}
	})
}
