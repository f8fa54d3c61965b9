package cfg

import (
	"fmt"
	"slices"
	"testing"

	"jrx/tasks"
)

// tinyGrammars are small enough to enumerate: the default shape with 2
// levels, a 3-level shape with shorter rules, and a hand-written ambiguous
// grammar.
func tinyGrammars(t testing.TB) map[string]*Grammar {
	t.Helper()
	out := map[string]*Grammar{}
	for seed := uint64(1); seed <= 3; seed++ {
		g, err := Generate(seed, DefaultShape(2))
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("2-level seed %d", seed)] = g
		g, err = Generate(seed, Shape{Levels: 3, NTs: [2]int{2, 2}, Rules: [2]int{2, 2}, RuleLen: [2]int{2, 3}})
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("3-level seed %d", seed)] = g
	}
	// Ambiguous on purpose: "ab" + "a" and "a" + "ba" both give "aba"; A2
	// is a prefix of B2's yields, and S's rules overlap.
	amb, err := UnmarshalGrammar([]byte(`{"seed":0,"levels":[
		[{"name":"S","rules":["A2 B2","B2 A2 A2","A2 A2 B2"]}],
		[{"name":"A2","rules":["A3 B3","B3"]},{"name":"B2","rules":["B3 A3","A3 A3 B3"]}],
		[{"name":"A3","rules":["a b","a"]},{"name":"B3","rules":["a","b a","c"]}]]}`))
	if err != nil {
		t.Fatal(err)
	}
	out["ambiguous"] = amb
	one, err := UnmarshalGrammar([]byte(`{"seed":0,"levels":[[{"name":"S","rules":["a b","a b c","c"]}]]}`))
	if err != nil {
		t.Fatal(err)
	}
	out["one level"] = one
	return out
}

// strings of length ≤ maxLen over a, b, c and one non-terminal '?'.
func allStrings(maxLen int, alphabet string) []string {
	out := []string{""}
	layer := []string{""}
	for l := 1; l <= maxLen; l++ {
		var next []string
		for _, s := range layer {
			for i := range alphabet {
				next = append(next, s+alphabet[i:i+1])
			}
		}
		out = append(out, next...)
		layer = next
	}
	return out
}

// checkAgainst compares the parser's verdict on s with the enumerated
// language.
func checkAgainst(t *testing.T, name string, g *Grammar, p *Parser, lang *language, s string) {
	t.Helper()
	v := p.Parse(ids(s))
	want := lang.longestPrefix(s)
	if v.N != len(s) || v.Prefix != want || v.Member != lang.sentences[s] {
		t.Fatalf("%s: Parse(%q) = %+v; want prefix %d member %v", name, s, v, want, lang.sentences[s])
	}
	if v.ValidPrefix() != lang.prefixes[s] || (v.FirstBad() == -1) != lang.prefixes[s] {
		t.Fatalf("%s: Parse(%q): ValidPrefix %v FirstBad %d; want valid %v", name, s, v.ValidPrefix(), v.FirstBad(), lang.prefixes[s])
	}
	var next []int
	if lang.prefixes[s] {
		for x := 0; x < NumTerminals; x++ {
			if lang.prefixes[s+TerminalName(x)] {
				next = append(next, x)
			}
		}
	}
	if !slices.Equal(v.Next(), next) {
		t.Fatalf("%s: Parse(%q).Next() = %v; want %v", name, s, v.Next(), next)
	}
	if lang.prefixes[s] && len(next) == 0 && !v.Member {
		t.Fatalf("%s: %q is a valid prefix with no continuation but not a sentence", name, s)
	}
}

// TestParserBruteForce checks membership, longest valid prefix and the next
// terminals against the enumerated language of tiny grammars: every string
// up to length 6 (with a non-terminal token too), every prefix of ~150
// sentences each, each with every one-symbol change, and random strings.
func TestParserBruteForce(t *testing.T) {
	for name, g := range tinyGrammars(t) {
		lang := enumerate(t, g, 200000)
		p := g.NewParser()
		n := 0
		for _, s := range allStrings(6, "abc?") {
			checkAgainst(t, name, g, p, lang, s)
			n++
		}
		stride := max(1, len(lang.list)/150) // at most ~150 sentences, spread over the sorted list
		for si := 0; si < len(lang.list); si += stride {
			sent := lang.list[si]
			for k := 0; k <= len(sent); k++ {
				checkAgainst(t, name, g, p, lang, sent[:k])
				n++
				if k < len(sent) {
					for _, c := range "abc?" {
						s := sent[:k] + string(c) + sent[k+1:]
						checkAgainst(t, name, g, p, lang, s)
						checkAgainst(t, name, g, p, lang, s[:k+1])
						n += 2
					}
				}
			}
			checkAgainst(t, name, g, p, lang, sent+"a")
		}
		rng := tasks.NewRNG(7)
		for k := 0; k < 2000; k++ {
			b := make([]byte, rng.IntN(2*g.MaxLen()+2))
			for i := range b {
				b[i] = "abc"[rng.IntN(3)]
			}
			checkAgainst(t, name, g, p, lang, string(b))
			n++
		}
		// Grammar.Check (pooled) agrees with the Parser.
		if v := g.Check(ids(lang.list[0])); !v.Member {
			t.Fatalf("%s: Check(%q) not a member", name, lang.list[0])
		}
		t.Logf("%s: %d sentences, %d prefixes, %d strings checked", name, len(lang.sentences), len(lang.prefixes), n)
	}
}

// TestParserReference compares the default grammar's parser with the
// backtracking references (refPrefix, refMember) on short strings: prefixes
// of sampled sentences, one-symbol changes of them, random strings; and on
// whole sentences with one symbol changed (refMember).
func TestParserReference(t *testing.T) {
	g := defaultGrammar(t)
	rng := tasks.NewRNG(11)
	p := g.NewParser()
	for k := 0; k < 300; k++ {
		sent := g.Sentence(rng)
		n := 1 + rng.IntN(40)
		s := slices.Clone(sent[:n])
		if k%2 == 1 {
			s[rng.IntN(n)] = rng.IntN(NumTerminals)
		}
		v := p.Parse(s)
		if want := refLongest(g, s); v.Prefix != want {
			t.Fatalf("Parse(%s).Prefix = %d; the reference says %d", key(s), v.Prefix, want)
		}
		for x := 0; x < NumTerminals; x++ {
			if v.ValidPrefix() && v.Allows(x) != refPrefix(g, append(slices.Clone(s), x)) {
				t.Fatalf("Parse(%s).Allows(%d) = %v; the reference disagrees", key(s), x, v.Allows(x))
			}
		}
	}
	for k := 0; k < 40; k++ {
		s := g.Sentence(rng)
		if !p.Parse(s).Member || !refMember(g, s) {
			t.Fatalf("sentence %s: parser %v, reference %v", key(s), p.Parse(s).Member, refMember(g, s))
		}
		i := rng.IntN(len(s))
		s[i] = (s[i] + 1 + rng.IntN(2)) % NumTerminals
		if got, want := p.Parse(s).Member, refMember(g, s); got != want {
			t.Fatalf("changed sentence %s: parser says member %v, reference %v", key(s), got, want)
		}
	}
}

// TestSentencesAreMembers: every sampled sentence is a member whose every
// prefix is valid, with a length inside the grammar's exact bounds; a
// sentence with a symbol appended or its last symbol dropped is not one
// unless the reference agrees.
func TestSentencesAreMembers(t *testing.T) {
	for _, levels := range []int{3, 4, 5} {
		g, err := Generate(DefaultSeed, DefaultShape(levels))
		if err != nil {
			t.Fatal(err)
		}
		rng := tasks.NewRNG(3)
		p := g.NewParser()
		count := map[int]int{3: 500, 4: 500, 5: 20}[levels]
		for k := 0; k < count; k++ {
			s := g.Sentence(rng)
			if len(s) < g.MinLen() || len(s) > g.MaxLen() {
				t.Fatalf("levels %d: sentence of %d symbols outside %d..%d", levels, len(s), g.MinLen(), g.MaxLen())
			}
			v := p.Parse(s)
			if !v.Member || !v.ValidPrefix() {
				t.Fatalf("levels %d: sampled sentence %s: %+v", levels, key(s), v)
			}
			if k%10 == 0 && levels < 5 {
				for i := 0; i < len(s); i++ {
					if v := p.Parse(s[:i]); !v.ValidPrefix() || !v.Allows(s[i]) {
						t.Fatalf("levels %d: prefix %d of %s: %+v", levels, i, key(s), v)
					}
				}
			}
		}
	}
}

// checkDerivation checks that d is a parse of s under g: each level tiles
// s, each span's children spell a prefix of its rule (all of it when the
// span is closed), last-level spans spell their rule's terminals, the open
// flags follow, and a sentence's parse has nothing open.
func checkDerivation(t *testing.T, g *Grammar, s []int, d *Derivation, member bool) {
	t.Helper()
	n, L := len(s), g.Levels()
	if len(d.Levels) != L {
		t.Fatalf("derivation of %s has %d levels; want %d", key(s), len(d.Levels), L)
	}
	if n == 0 {
		for _, lv := range d.Levels {
			if len(lv) != 0 {
				t.Fatalf("derivation of the empty string has spans")
			}
		}
		return
	}
	if len(d.Levels[0]) != 1 || d.Levels[0][0].NT != 0 {
		t.Fatalf("derivation of %s: level 1 is %v; want the root alone", key(s), d.Levels[0])
	}
	for l, lv := range d.Levels {
		pos := 0
		for _, sp := range lv {
			if sp.Start != pos || sp.End <= sp.Start || g.nts[sp.NT].Level != l+1 {
				t.Fatalf("derivation of %s: level %d does not tile s: %v", key(s), l+1, lv)
			}
			pos = sp.End
			rhs := g.nts[sp.NT].Rules[sp.Rule]
			if member && sp.Open {
				t.Fatalf("derivation of sentence %s has an open span %v", key(s), sp)
			}
			if l+1 == L {
				k := sp.End - sp.Start
				if k > len(rhs) || !slices.Equal(rhs[:k], s[sp.Start:sp.End]) || sp.Open != (k < len(rhs)) {
					t.Fatalf("derivation of %s: last-level span %v does not spell rule %v", key(s), sp, rhs)
				}
				continue
			}
			var kids []Span
			for _, c := range d.Levels[l+1] {
				if c.Start >= sp.Start && c.End <= sp.End {
					kids = append(kids, c)
				}
			}
			if len(kids) == 0 || len(kids) > len(rhs) {
				t.Fatalf("derivation of %s: span %v has children %v for rule %v", key(s), sp, kids, rhs)
			}
			for k, c := range kids {
				if c.NT != rhs[k] || (c.Open && k != len(kids)-1) {
					t.Fatalf("derivation of %s: span %v: child %d is %v; rule %v", key(s), sp, k, c, rhs)
				}
			}
			wantOpen := kids[len(kids)-1].Open || len(kids) < len(rhs)
			if sp.Open != wantOpen {
				t.Fatalf("derivation of %s: span %v Open = %v; its children %v say %v", key(s), sp, sp.Open, kids, wantOpen)
			}
		}
		if pos != n {
			t.Fatalf("derivation of %s: level %d covers %d of %d symbols", key(s), l+1, pos, n)
		}
	}
	for i := 0; i < n; i++ {
		st := d.At(i)
		if len(st) != L || st[0].NT != 0 {
			t.Fatalf("derivation of %s: At(%d) = %v", key(s), i, st)
		}
	}
	if d.At(n) != nil || d.At(-1) != nil {
		t.Fatalf("derivation of %s: At outside the string is not nil", key(s))
	}
}

// TestDerive checks derivations of every prefix of tiny grammars' sentences
// (and of sampled default-grammar sentences) for well-formedness, and that
// the root takes the lowest-numbered rule that admits a parse (found by
// enumerating each root rule's yields).
func TestDerive(t *testing.T) {
	for name, g := range tinyGrammars(t) {
		lang := enumerate(t, g, 200000)
		rootYields := make([][]string, len(g.nts[0].Rules))
		for r, rhs := range g.nts[0].Rules {
			rootYields[r] = ruleYields(g, 0, rhs)
		}
		seen := map[string]bool{}
		for _, sent := range lang.list {
			for k := 0; k <= len(sent); k++ {
				s := sent[:k]
				if seen[s] {
					continue
				}
				seen[s] = true
				d, err := g.Derive(ids(s))
				if err != nil {
					t.Fatalf("%s: Derive(%q): %v", name, s, err)
				}
				member := lang.sentences[s]
				checkDerivation(t, g, ids(s), d, member)
				if k == 0 {
					continue
				}
				want := -1
				for r, ys := range rootYields {
					for _, y := range ys {
						if (member && y == s) || (!member && len(y) > len(s) && y[:len(s)] == s) || (!member && y == s) {
							want = r
							break
						}
					}
					if want >= 0 {
						break
					}
				}
				if got := d.Levels[0][0].Rule; got != want {
					t.Fatalf("%s: Derive(%q) uses root rule %d; the lowest that parses is %d", name, s, got, want)
				}
			}
		}
		for _, s := range []string{"?", "c?"} {
			if _, err := g.Derive(ids(s)); err == nil && !lang.prefixes[s] {
				t.Fatalf("%s: Derive(%q) accepted an invalid prefix", name, s)
			}
		}
	}
	g := defaultGrammar(t)
	rng := tasks.NewRNG(5)
	for k := 0; k < 30; k++ {
		s := g.Sentence(rng)
		for _, n := range []int{len(s), 1 + rng.IntN(len(s)-1), rng.IntN(len(s))} {
			d, err := g.Derive(s[:n])
			if err != nil {
				t.Fatal(err)
			}
			checkDerivation(t, g, s[:n], d, g.IsMember(s[:n]))
		}
	}
}

// TestLongInput: a string far longer than any sentence is read only up to
// where it must have failed.
func TestLongInput(t *testing.T) {
	g := defaultGrammar(t)
	s := g.Sentence(tasks.NewRNG(1))
	long := append(slices.Clone(s), make([]int, 100000)...)
	v := g.Check(long)
	if v.Member || v.N != len(long) || v.Prefix < len(s) || v.Prefix > g.MaxLen() {
		t.Fatalf("Check(sentence + 100000 a's) = %+v (sentence %d symbols, longest %d)", v, len(s), g.MaxLen())
	}
	if want := refLongest(g, long[:v.Prefix+1]); want != v.Prefix {
		t.Fatalf("Check(long).Prefix = %d; reference %d", v.Prefix, want)
	}
}

func defaultGrammar(t testing.TB) *Grammar {
	t.Helper()
	g, err := Generate(DefaultSeed, DefaultShape(DefaultLevels))
	if err != nil {
		t.Fatal(err)
	}
	return g
}
