package cfg

import (
	"testing"

	"jrx/tasks"
)

// benchSentence is the longest of 2,000 sampled sentences of the default
// grammar (the benchmarks parse strings of about the longest length).
func benchSentence(b *testing.B) (*Grammar, []int) {
	g := defaultGrammar(b)
	rng := tasks.NewRNG(1)
	var long []int
	for k := 0; k < 2000; k++ {
		if s := g.Sentence(rng); len(s) > len(long) {
			long = s
		}
	}
	return g, long
}

// BenchmarkParseSentence: membership and valid prefix of a whole sentence.
func BenchmarkParseSentence(b *testing.B) {
	g, s := benchSentence(b)
	p := g.NewParser()
	for b.Loop() {
		if !p.Parse(s).Member {
			b.Fatal("not a member")
		}
	}
	b.ReportMetric(float64(len(s)), "symbols")
}

// BenchmarkParseBroken: a sentence with one symbol changed half-way.
func BenchmarkParseBroken(b *testing.B) {
	g, s := benchSentence(b)
	for x := 0; x < NumTerminals; x++ {
		s[len(s)/2] = x
		if !g.IsValidPrefix(s) {
			break
		}
	}
	p := g.NewParser()
	for b.Loop() {
		p.Parse(s)
	}
	b.ReportMetric(float64(len(s)), "symbols")
}

// BenchmarkCheckPooled: Grammar.Check (a pooled parser) on a whole sentence.
func BenchmarkCheckPooled(b *testing.B) {
	g, s := benchSentence(b)
	for b.Loop() {
		g.Check(s)
	}
}

// BenchmarkDerive: one derivation of a sentence cut in the middle.
func BenchmarkDerive(b *testing.B) {
	g, s := benchSentence(b)
	p := g.NewParser()
	for b.Loop() {
		if _, err := p.Derive(s[:len(s)/2]); err != nil {
			b.Fatal(err)
		}
	}
}

// longest derives a longest sentence of g: every non-terminal takes a rule
// with the longest yield.
func longest(g *Grammar, id int, out []int) []int {
	nt := g.nts[id]
	best, bestLen := 0, -1
	for r, rhs := range nt.Rules {
		n := 0
		for _, y := range rhs {
			if nt.Level == g.Levels() {
				n++
			} else {
				n += g.maxLen[y]
			}
		}
		if n > bestLen {
			best, bestLen = r, n
		}
	}
	if nt.Level == g.Levels() {
		return append(out, nt.Rules[best]...)
	}
	for _, y := range nt.Rules[best] {
		out = longest(g, y, out)
	}
	return out
}

// BenchmarkParse256: a 256-symbol sentence of a 4-level grammar of the
// default shape (seed 3, whose longest sentence is 4⁴ symbols).
func BenchmarkParse256(b *testing.B) {
	g, err := Generate(3, DefaultShape(4))
	if err != nil {
		b.Fatal(err)
	}
	s := longest(g, 0, nil)
	p := g.NewParser()
	for b.Loop() {
		if !p.Parse(s).Member {
			b.Fatal("not a member")
		}
	}
	b.ReportMetric(float64(len(s)), "symbols")
}

// BenchmarkParse5Levels: a sampled sentence of the 5-level grammar of the
// default seed (the paper's depth).
func BenchmarkParse5Levels(b *testing.B) {
	g, err := Generate(DefaultSeed, DefaultShape(5))
	if err != nil {
		b.Fatal(err)
	}
	s := g.Sentence(tasks.NewRNG(1))
	p := g.NewParser()
	for b.Loop() {
		if !p.Parse(s).Member {
			b.Fatal("not a member")
		}
	}
	b.ReportMetric(float64(len(s)), "symbols")
}
