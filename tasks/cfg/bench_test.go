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
	b.ReportMetric(float64(len(s)), "symbols")
	for b.Loop() {
		if !p.Parse(s).Member {
			b.Fatal("not a member")
		}
	}
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
	b.ReportMetric(float64(len(s)), "symbols")
	for b.Loop() {
		p.Parse(s)
	}
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
