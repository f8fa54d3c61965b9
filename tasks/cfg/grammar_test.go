package cfg

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"jrx/tasks"
)

// checkShape verifies Generate's promises for g, independently of the
// generator: level sizes, rule counts and lengths, distinct rules, every
// next-level symbol used, no two non-terminals of a level with the same
// rules.
func checkShape(t *testing.T, g *Grammar, sh Shape) {
	t.Helper()
	if g.Levels() != sh.Levels {
		t.Fatalf("%d levels; want %d", g.Levels(), sh.Levels)
	}
	if ids := g.Level(1); len(ids) != 1 || ids[0] != 0 || g.Name(0) != "S" {
		t.Fatalf("level 1 is %v; want the root S alone", ids)
	}
	id := 0
	for l := 1; l <= sh.Levels; l++ {
		ids := g.Level(l)
		if l > 1 && (len(ids) < sh.NTs[0] || len(ids) > sh.NTs[1]) {
			t.Fatalf("level %d has %d non-terminals; want %v", l, len(ids), sh.NTs)
		}
		var nextSyms []int
		if l < sh.Levels {
			nextSyms = g.Level(l + 1)
		} else {
			nextSyms = []int{0, 1, 2}
		}
		used := map[int]bool{}
		sets := map[string]bool{}
		for _, x := range ids {
			if x != id {
				t.Fatalf("ids do not run level by level: %d at level %d, want %d", x, l, id)
			}
			id++
			nt := g.NT(x)
			if nt.Level != l || len(nt.Rules) < sh.Rules[0] || len(nt.Rules) > sh.Rules[1] {
				t.Fatalf("%s: level %d, %d rules; want level %d, %v rules", nt.Name, nt.Level, len(nt.Rules), l, sh.Rules)
			}
			var keys []string
			for r, rhs := range nt.Rules {
				if len(rhs) < sh.RuleLen[0] || len(rhs) > sh.RuleLen[1] {
					t.Fatalf("%s rule %d has %d symbols; want %v", nt.Name, r, len(rhs), sh.RuleLen)
				}
				for _, y := range rhs {
					if !slices.Contains(nextSyms, y) {
						t.Fatalf("%s rule %d uses %d, not a next-level symbol %v", nt.Name, r, y, nextSyms)
					}
					used[y] = true
				}
				k := fmt.Sprint(rhs)
				if slices.Contains(keys, k) {
					t.Fatalf("%s has rule %v twice", nt.Name, rhs)
				}
				keys = append(keys, k)
			}
			sort.Strings(keys)
			set := strings.Join(keys, "|")
			if sets[set] {
				t.Fatalf("two non-terminals of level %d have the same rules %s", l, set)
			}
			sets[set] = true
		}
		if len(used) != len(nextSyms) {
			t.Fatalf("level %d's rules use %d of the %d next-level symbols", l, len(used), len(nextSyms))
		}
	}
	if id != g.NumNT() {
		t.Fatalf("levels list %d non-terminals; NumNT %d", id, g.NumNT())
	}
}

func TestGenerateDeterministic(t *testing.T) {
	distinct := map[string]bool{}
	for _, levels := range []int{2, 3, 4, 5} {
		for seed := uint64(0); seed < 12; seed++ {
			sh := DefaultShape(levels)
			g1, err := Generate(seed, sh)
			if err != nil {
				t.Fatal(err)
			}
			g2, _ := Generate(seed, sh)
			if !g1.Equal(g2) || g1.String() != g2.String() || g1.Seed() != seed {
				t.Fatalf("levels %d seed %d: two draws differ:\n%s\n%s", levels, seed, g1, g2)
			}
			checkShape(t, g1, sh)
			distinct[g1.String()] = true
			// The sentences drawn from one rng state are the same too.
			a, b := g1.Sentence(tasks.NewRNG(seed)), g2.Sentence(tasks.NewRNG(seed))
			if !slices.Equal(a, b) {
				t.Fatalf("levels %d seed %d: sentences differ", levels, seed)
			}
		}
	}
	if len(distinct) != 4*12 {
		t.Fatalf("48 seeds and shapes gave %d distinct grammars", len(distinct))
	}
	// Other shapes.
	for _, sh := range []Shape{
		{Levels: 1, NTs: [2]int{1, 1}, Rules: [2]int{1, 1}, RuleLen: [2]int{3, 3}},
		{Levels: 3, NTs: [2]int{3, 3}, Rules: [2]int{2, 2}, RuleLen: [2]int{2, 4}},
		{Levels: 4, NTs: [2]int{4, 6}, Rules: [2]int{1, 4}, RuleLen: [2]int{1, 4}},
	} {
		g, err := Generate(3, sh)
		if err != nil {
			t.Fatalf("%+v: %v", sh, err)
		}
		checkShape(t, g, sh)
	}
}

func TestShapeErrors(t *testing.T) {
	for _, sh := range []Shape{
		{},
		{Levels: 9, NTs: [2]int{2, 3}, Rules: [2]int{2, 3}, RuleLen: [2]int{3, 4}},
		{Levels: 4, NTs: [2]int{3, 2}, Rules: [2]int{2, 3}, RuleLen: [2]int{3, 4}},
		{Levels: 4, NTs: [2]int{0, 2}, Rules: [2]int{2, 3}, RuleLen: [2]int{3, 4}},
		{Levels: 4, NTs: [2]int{2, 3}, Rules: [2]int{2, 9}, RuleLen: [2]int{3, 4}},
		{Levels: 7, NTs: [2]int{2, 3}, Rules: [2]int{2, 3}, RuleLen: [2]int{3, 4}}, // 4⁷ symbols
	} {
		if _, err := Generate(1, sh); err == nil {
			t.Errorf("Generate(%+v) succeeded", sh)
		}
	}
	// A shape no draw can meet: four distinct one-symbol rules over three
	// terminals.
	if _, err := Generate(1, Shape{Levels: 1, NTs: [2]int{1, 1}, Rules: [2]int{4, 4}, RuleLen: [2]int{1, 1}}); err == nil {
		t.Error("Generate with four distinct one-terminal rules succeeded")
	}
}

// TestYieldLengths checks MinLen, MaxLen and YieldLen against the
// enumerated yields of tiny grammars, and the first-terminal masks.
func TestYieldLengths(t *testing.T) {
	for name, g := range tinyGrammars(t) {
		for id := 0; id < g.NumNT(); id++ {
			ys := yields(g, id)
			lo, hi := len(ys[0]), len(ys[0])
			var first uint8
			for _, y := range ys {
				lo, hi = min(lo, len(y)), max(hi, len(y))
				first |= 1 << (y[0] - 'a')
			}
			if glo, ghi := g.YieldLen(id); glo != lo || ghi != hi {
				t.Fatalf("%s: %s yields %d..%d; YieldLen says %d..%d", name, g.Name(id), lo, hi, glo, ghi)
			}
			if g.first[id] != first {
				t.Fatalf("%s: %s first mask %b; want %b", name, g.Name(id), g.first[id], first)
			}
		}
		if g.MinLen() != g.minLen[0] || g.MaxLen() != g.maxLen[0] {
			t.Fatal("MinLen/MaxLen are not the root's")
		}
	}
}

func TestGrammarJSONRoundTrip(t *testing.T) {
	cases := []*Grammar{defaultGrammar(t)}
	for _, levels := range []int{1, 2, 3, 5} {
		g, err := Generate(uint64(levels), DefaultShape(levels))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, g)
	}
	for name, g := range tinyGrammars(t) {
		_ = name
		cases = append(cases, g)
	}
	for _, g := range cases {
		data, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		h, err := UnmarshalGrammar(data)
		if err != nil {
			t.Fatalf("UnmarshalGrammar(%s): %v", data, err)
		}
		if !h.Equal(g) || h.Seed() != g.Seed() || h.String() != g.String() || h.MinLen() != g.MinLen() || h.MaxLen() != g.MaxLen() {
			t.Fatalf("round trip changed the grammar:\n%s\n%s", g, h)
		}
		again, _ := json.Marshal(h)
		if string(again) != string(data) {
			t.Fatalf("JSON differs after a round trip:\n%s\n%s", data, again)
		}
		var viaStd Grammar
		if err := json.Unmarshal(data, &viaStd); err != nil || !viaStd.Equal(g) {
			t.Fatalf("json.Unmarshal into a Grammar: %v", err)
		}
		rng1, rng2 := tasks.NewRNG(9), tasks.NewRNG(9)
		for k := 0; k < 20; k++ {
			s := viaStd.Sentence(rng1)
			if !slices.Equal(s, g.Sentence(rng2)) || !viaStd.IsMember(s) {
				t.Fatal("the read grammar draws other sentences")
			}
		}
	}
	// The JSON spells rules with names.
	data, _ := json.Marshal(defaultGrammar(t))
	if !strings.Contains(string(data), `"name":"S"`) || !strings.Contains(string(data), `"seed":6`) {
		t.Fatalf("unexpected JSON %s", data)
	}
}

func TestGrammarJSONErrors(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"levels":[]}`, "0 levels"},
		{`{"levels":[[{"name":"S","rules":["a"]},{"name":"T","rules":["b"]}]]}`, "one root"},
		{`{"levels":[[{"name":"S","rules":["A2"]}],[{"name":"A2","rules":["a d"]}]]}`, `"d"`},
		{`{"levels":[[{"name":"S","rules":["A2 X2"]}],[{"name":"A2","rules":["a"]}]]}`, `"X2"`},
		{`{"levels":[[{"name":"S","rules":["S"]}],[{"name":"A2","rules":["a"]}]]}`, `"S"`},
		{`{"levels":[[{"name":"S","rules":["A2"]}],[{"name":"A2","rules":["a"]},{"name":"B2","rules":["b"]}]]}`, "unreachable"},
		{`{"levels":[[{"name":"S","rules":["A2",""]}],[{"name":"A2","rules":["a"]}]]}`, "0 symbols"},
		{`{"levels":[[{"name":"S","rules":["A2","A2"]}],[{"name":"A2","rules":["a"]}]]}`, "same rule twice"},
		{`{"levels":[[{"name":"S","rules":[]}]]}`, "0 rules"},
		{`{"levels":[[{"name":"S","rules":["a"]}],[{"name":"S","rules":["a"]}]]}`, "named"},
		{`{"levels":[[{"name":"a","rules":["a"]}]]}`, "terminal's name"},
		{`{"levels":[[{"name":"S","rules":["A2 A2"]}],[{"name":"A2","rules":["B3 B3 B3 B3 B3 B3 B3 B3"]}],[{"name":"B3","rules":["C4 C4 C4 C4 C4 C4 C4 C4"]}],[{"name":"C4","rules":["D5 D5 D5 D5 D5 D5 D5 D5"]}],[{"name":"D5","rules":["a a a a a a a a"]}]]}`, "limit"},
		{`{"levels":[[{"name":"S","rules":["a"]}]],"extra":1}`, "unknown field"},
		{`not json`, "grammar JSON"},
	} {
		_, err := UnmarshalGrammar([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("UnmarshalGrammar(%s) = %v; want an error with %q", c.json, err, c.want)
		}
	}
}

// TestRuleTable reads String() back (an independent reader of its "Name →
// rule | rule" lines) and checks Markdown has a row per non-terminal.
func TestRuleTable(t *testing.T) {
	g := defaultGrammar(t)
	lines := strings.Split(strings.TrimSuffix(g.String(), "\n"), "\n")
	if len(lines) != g.NumNT() {
		t.Fatalf("String() has %d lines; want %d", len(lines), g.NumNT())
	}
	for id, line := range lines {
		name, rules, ok := strings.Cut(line, "→")
		if !ok || strings.TrimSpace(name) != g.Name(id) {
			t.Fatalf("line %d %q: want %s → ...", id, line, g.Name(id))
		}
		nt := g.NT(id)
		parts := strings.Split(rules, "|")
		if len(parts) != len(nt.Rules) {
			t.Fatalf("line %q: %d rules; want %d", line, len(parts), len(nt.Rules))
		}
		for r, part := range parts {
			var got []int
			if nt.Level == g.Levels() {
				for _, c := range strings.TrimSpace(part) {
					got = append(got, int(c-'a'))
				}
			} else {
				for _, f := range strings.Fields(part) {
					got = append(got, slices.IndexFunc(lines, func(l string) bool { n, _, _ := strings.Cut(l, "→"); return strings.TrimSpace(n) == f }))
				}
			}
			if !slices.Equal(got, nt.Rules[r]) {
				t.Fatalf("line %q rule %d reads %v; want %v", line, r, got, nt.Rules[r])
			}
		}
	}
	md := g.Markdown()
	if n := strings.Count(md, "\n"); n != g.NumNT()+2 {
		t.Fatalf("Markdown has %d lines; want %d", n, g.NumNT()+2)
	}
	if !strings.Contains(md, "| 1 | S | `"+g.RuleString(0, 0)+"` \\| ") {
		t.Fatalf("Markdown lacks the root's row:\n%s", md)
	}
}

// TestLengthDistribution samples 10,000 sentences of the default grammar:
// every length lies in MinLen..MaxLen and the median in the 80–250 the
// task asks for.
func TestLengthDistribution(t *testing.T) {
	g := defaultGrammar(t)
	st := lengthStats(g, 10000, 1)
	if st.min < g.MinLen() || st.max > g.MaxLen() || st.median < 80 || st.median > 250 {
		t.Fatalf("lengths %+v; grammar bounds %d..%d", st, g.MinLen(), g.MaxLen())
	}
	t.Logf("10,000 sentences: %+v (exact bounds %d..%d)", st, g.MinLen(), g.MaxLen())
}

type lengths struct {
	min, p10, median, p90, max, n int
	mean                          float64
}

func lengthStats(g *Grammar, n int, seed uint64) lengths {
	rng := tasks.NewRNG(seed)
	ls := make([]int, n)
	sum := 0
	for k := range ls {
		ls[k] = len(g.Sentence(rng))
		sum += ls[k]
	}
	sort.Ints(ls)
	return lengths{min: ls[0], p10: ls[n/10], median: ls[n/2], p90: ls[n*9/10], max: ls[n-1], n: n, mean: float64(sum) / float64(n)}
}
