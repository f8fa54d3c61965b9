package cfg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"jrx/tasks"
)

// NumTerminals is the number of terminal symbols: a, b, c are token ids
// 0, 1, 2 in every grammar (and in the task's vocabulary).
const NumTerminals = 3

// Default shape and seed: the grammar of the cfg task unless a model set's
// settings say otherwise (docs/GRAMMAR.md prints it).
const (
	DefaultLevels        = 4
	DefaultSeed   uint64 = 6
)

// Limits on what Generate and a grammar's JSON may describe (they keep the
// parser's tables small).
const (
	MaxLevels      = 8
	MaxSentenceLen = 4096 // the longest sentence a grammar may derive
	maxRuleLen     = 8
	maxRules       = 8
	maxNTsPerLevel = 26
)

// Shape bounds the generator's choices. Every range is inclusive.
type Shape struct {
	// Levels of non-terminals, the root's (level 1) included; the rules of
	// level Levels expand to terminals. 4 levels of 3–4 symbols per rule
	// give sentences of 3⁴ = 81 to 4⁴ = 256 terminals.
	Levels int
	// NTs is the number of non-terminals of each level below the root
	// (the root level has one, the start symbol S).
	NTs [2]int
	// Rules is the number of rules of each non-terminal.
	Rules [2]int
	// RuleLen is the number of symbols (of the next level) of each rule.
	RuleLen [2]int
}

// DefaultShape is the cfg3-like shape after Allen-Zhu & Li: 2–3
// non-terminals per level, 2–3 rules each, 3–4 symbols per rule.
func DefaultShape(levels int) Shape {
	return Shape{Levels: levels, NTs: [2]int{2, 3}, Rules: [2]int{2, 3}, RuleLen: [2]int{3, 4}}
}

// Validate reports a shape Generate cannot draw from.
func (s Shape) Validate() error {
	ok := func(r [2]int, hi int) bool { return r[0] >= 1 && r[0] <= r[1] && r[1] <= hi }
	switch {
	case s.Levels < 1 || s.Levels > MaxLevels:
		return fmt.Errorf("cfg: %d levels; want 1..%d", s.Levels, MaxLevels)
	case !ok(s.NTs, maxNTsPerLevel):
		return fmt.Errorf("cfg: non-terminals per level %v; want 1 ≤ min ≤ max ≤ %d", s.NTs, maxNTsPerLevel)
	case !ok(s.Rules, maxRules):
		return fmt.Errorf("cfg: rules per non-terminal %v; want 1 ≤ min ≤ max ≤ %d", s.Rules, maxRules)
	case !ok(s.RuleLen, maxRuleLen):
		return fmt.Errorf("cfg: symbols per rule %v; want 1 ≤ min ≤ max ≤ %d", s.RuleLen, maxRuleLen)
	}
	longest := 1
	for l := 0; l < s.Levels; l++ {
		longest *= s.RuleLen[1]
		if longest > MaxSentenceLen {
			return fmt.Errorf("cfg: %d levels of rules up to %d symbols may derive %d+ terminals; the limit is %d", s.Levels, s.RuleLen[1], longest, MaxSentenceLen)
		}
	}
	return nil
}

// NonTerminal is one non-terminal of a grammar.
type NonTerminal struct {
	Name  string
	Level int // 1 is the root's level
	// Rules are the right-hand sides, in order (a rule's index is its
	// number in a Derivation): non-terminal ids of level Level+1, or, at
	// the last level, terminal ids 0..2.
	Rules [][]int
}

// Grammar is a layered context-free grammar: the root S at level 1; the
// rules of a level-ℓ non-terminal expand to symbols of level ℓ+1 and those
// of the last level to the terminals a, b, c. There are no empty rules, so
// every sentence has the same derivation depth and the language is finite.
//
// Non-terminal ids run level by level from the root (id 0). A Grammar is
// immutable and safe for concurrent use (its parse methods draw scratch
// tables from a pool); use it by pointer.
type Grammar struct {
	seed   uint64
	nts    []NonTerminal
	levels [][]int // ids by level: levels[ℓ-1]
	minLen []int   // per non-terminal: the shortest and longest yields
	maxLen []int
	first  []uint8 // per non-terminal: bit x set when a yield can start with terminal x
	pool   sync.Pool
}

// Generate draws a grammar of shape from seed: the same seed and shape give
// the same grammar. Within a level every rule of a non-terminal is distinct,
// no two non-terminals have the same set of rules, and every symbol of the
// next level (every terminal at the last level) occurs in some rule, so
// every non-terminal is reachable from the root.
func Generate(seed uint64, shape Shape) (*Grammar, error) {
	if err := shape.Validate(); err != nil {
		return nil, err
	}
	rng := tasks.NewRNG(seed)
	between := func(r [2]int) int { return r[0] + rng.IntN(r[1]-r[0]+1) }
	counts := make([]int, shape.Levels)
	counts[0] = 1
	for l := 1; l < shape.Levels; l++ {
		counts[l] = between(shape.NTs)
	}
	var nts []NonTerminal
	base := 0 // id of the level's first non-terminal
	for l := 0; l < shape.Levels; l++ {
		next := make([]int, 0, NumTerminals) // the symbols rules of this level may use
		if l+1 < shape.Levels {
			for k := 0; k < counts[l+1]; k++ {
				next = append(next, base+counts[l]+k)
			}
		} else {
			for x := 0; x < NumTerminals; x++ {
				next = append(next, x)
			}
		}
		level, err := drawLevel(rng, between, shape, counts[l], next)
		if err != nil {
			return nil, fmt.Errorf("cfg: seed %d, level %d: %w", seed, l+1, err)
		}
		for k, rules := range level {
			nts = append(nts, NonTerminal{Name: ntName(l+1, k), Level: l + 1, Rules: rules})
		}
		base += counts[l]
	}
	return build(seed, nts)
}

// drawLevel draws the rules of one level's n non-terminals over next,
// redrawing the level until it meets Generate's conditions.
func drawLevel(rng *rand.Rand, between func([2]int) int, shape Shape, n int, next []int) ([][][]int, error) {
	const attempts = 10000
	for a := 0; a < attempts; a++ {
		level := make([][][]int, n)
		ok := true
		for k := range level {
			nr := between(shape.Rules)
			for len(level[k]) < nr && ok {
				tries := 0
				for {
					rhs := make([]int, between(shape.RuleLen))
					for j := range rhs {
						rhs[j] = next[rng.IntN(len(next))]
					}
					if !slices.ContainsFunc(level[k], func(r []int) bool { return slices.Equal(r, rhs) }) {
						level[k] = append(level[k], rhs)
						break
					}
					if tries++; tries > 100 {
						ok = false
						break
					}
				}
			}
		}
		if ok && coversAll(level, next) && distinctSets(level) {
			return level, nil
		}
	}
	return nil, fmt.Errorf("no level meets the conditions after %d draws (shape too tight)", attempts)
}

func coversAll(level [][][]int, next []int) bool {
	used := map[int]bool{}
	for _, rules := range level {
		for _, r := range rules {
			for _, y := range r {
				used[y] = true
			}
		}
	}
	return len(used) == len(next)
}

// distinctSets reports whether no two non-terminals have the same rules
// (as sets).
func distinctSets(level [][][]int) bool {
	key := func(rules [][]int) string {
		ks := make([]string, len(rules))
		for i, r := range rules {
			ks[i] = fmt.Sprint(r)
		}
		slices.Sort(ks)
		return strings.Join(ks, "|")
	}
	seen := map[string]bool{}
	for _, rules := range level {
		k := key(rules)
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// ntName is "S" for the root and a letter and the level below it: A2, B2,
// C2, A3, ...
func ntName(level, k int) string {
	if level == 1 {
		return "S"
	}
	return string(rune('A'+k)) + strconv.Itoa(level)
}

// TerminalName is the letter of terminal x ("a", "b", "c").
func TerminalName(x int) string {
	if x < 0 || x >= NumTerminals {
		return fmt.Sprintf("?%d", x)
	}
	return string(rune('a' + x))
}

// build checks nts (ids in level order, the root first) and computes the
// derived tables.
func build(seed uint64, nts []NonTerminal) (*Grammar, error) {
	if len(nts) == 0 || nts[0].Level != 1 {
		return nil, fmt.Errorf("cfg: a grammar starts with its root at level 1")
	}
	g := &Grammar{seed: seed, nts: nts}
	names := map[string]bool{}
	for id, nt := range nts {
		switch {
		case nt.Name == "" || strings.ContainsAny(nt.Name, " \t\r\n|[]"):
			return nil, fmt.Errorf("cfg: non-terminal %d has the name %q; want a non-empty name without spaces, '|' or brackets", id, nt.Name)
		case len(nt.Name) == 1 && nt.Name[0] >= 'a' && nt.Name[0] < 'a'+NumTerminals:
			return nil, fmt.Errorf("cfg: non-terminal %d is named %q, a terminal's name", id, nt.Name)
		case names[nt.Name]:
			return nil, fmt.Errorf("cfg: two non-terminals are named %q", nt.Name)
		case id > 0 && (nt.Level < nts[id-1].Level || nt.Level > nts[id-1].Level+1):
			return nil, fmt.Errorf("cfg: non-terminal %s at level %d follows level %d; ids run level by level", nt.Name, nt.Level, nts[id-1].Level)
		case id > 0 && nt.Level == 1:
			return nil, fmt.Errorf("cfg: a second root %s; level 1 has one non-terminal", nt.Name)
		case len(nt.Rules) == 0 || len(nt.Rules) > maxRules:
			return nil, fmt.Errorf("cfg: non-terminal %s has %d rules; want 1..%d", nt.Name, len(nt.Rules), maxRules)
		}
		names[nt.Name] = true
		if nt.Level > len(g.levels) {
			g.levels = append(g.levels, nil)
		}
		g.levels[nt.Level-1] = append(g.levels[nt.Level-1], id)
	}
	L := len(g.levels)
	if L > MaxLevels {
		return nil, fmt.Errorf("cfg: %d levels; at most %d", L, MaxLevels)
	}
	for l, ids := range g.levels {
		if len(ids) > maxNTsPerLevel {
			return nil, fmt.Errorf("cfg: level %d has %d non-terminals; at most %d", l+1, len(ids), maxNTsPerLevel)
		}
	}
	used := make([]bool, len(nts))
	used[0] = true
	termUsed := [NumTerminals]bool{}
	for _, nt := range nts {
		for r, rhs := range nt.Rules {
			if len(rhs) == 0 || len(rhs) > maxRuleLen {
				return nil, fmt.Errorf("cfg: rule %d of %s has %d symbols; want 1..%d", r, nt.Name, len(rhs), maxRuleLen)
			}
			for _, y := range rhs {
				if nt.Level == L {
					if y < 0 || y >= NumTerminals {
						return nil, fmt.Errorf("cfg: rule %d of %s (last level) has the symbol %d; want terminals 0..%d", r, nt.Name, y, NumTerminals-1)
					}
					termUsed[y] = true
					continue
				}
				if y < 0 || y >= len(nts) || nts[y].Level != nt.Level+1 {
					return nil, fmt.Errorf("cfg: rule %d of %s (level %d) uses a symbol that is not a level-%d non-terminal", r, nt.Name, nt.Level, nt.Level+1)
				}
				used[y] = true
			}
			for r2 := 0; r2 < r; r2++ {
				if slices.Equal(nt.Rules[r2], rhs) {
					return nil, fmt.Errorf("cfg: %s has the same rule twice (%d and %d)", nt.Name, r2, r)
				}
			}
		}
	}
	for id, u := range used {
		if !u {
			return nil, fmt.Errorf("cfg: non-terminal %s is used by no rule (unreachable)", nts[id].Name)
		}
	}
	n := len(nts)
	g.minLen, g.maxLen, g.first = make([]int, n), make([]int, n), make([]uint8, n)
	for l := L; l >= 1; l-- {
		for _, id := range g.levels[l-1] {
			lo, hi := MaxSentenceLen+1, 0
			for _, rhs := range nts[id].Rules {
				a, b := 0, 0
				for _, y := range rhs {
					if l == L {
						a, b = a+1, b+1
					} else {
						a, b = a+g.minLen[y], b+g.maxLen[y]
					}
				}
				lo, hi = min(lo, a), max(hi, b)
				if l == L {
					g.first[id] |= 1 << rhs[0]
				} else {
					g.first[id] |= g.first[rhs[0]]
				}
			}
			if hi > MaxSentenceLen {
				return nil, fmt.Errorf("cfg: %s derives up to %d terminals; the limit is %d", nts[id].Name, hi, MaxSentenceLen)
			}
			g.minLen[id], g.maxLen[id] = lo, hi
		}
	}
	g.pool.New = func() any { return newParser(g) }
	return g, nil
}

// Seed is the seed Generate drew the grammar from (informational for a
// grammar read from JSON).
func (g *Grammar) Seed() uint64 { return g.seed }

// Levels is the number of levels of non-terminals, the root's included.
func (g *Grammar) Levels() int { return len(g.levels) }

// NumNT is the number of non-terminals; ids are 0..NumNT()-1, the root 0.
func (g *Grammar) NumNT() int { return len(g.nts) }

// NT returns non-terminal id (a copy: the grammar stays immutable).
func (g *Grammar) NT(id int) NonTerminal {
	nt := g.nts[id]
	rules := make([][]int, len(nt.Rules))
	for r, rhs := range nt.Rules {
		rules[r] = slices.Clone(rhs)
	}
	nt.Rules = rules
	return nt
}

// Name is non-terminal id's name ("S", "A2", ...).
func (g *Grammar) Name(id int) string {
	if id < 0 || id >= len(g.nts) {
		return fmt.Sprintf("?%d", id)
	}
	return g.nts[id].Name
}

// Level lists the ids of level l's non-terminals (1 is the root's).
func (g *Grammar) Level(l int) []int { return slices.Clone(g.levels[l-1]) }

// MinLen and MaxLen bound the length of a sentence, exactly: the shortest
// and longest yields of the root.
func (g *Grammar) MinLen() int { return g.minLen[0] }
func (g *Grammar) MaxLen() int { return g.maxLen[0] }

// YieldLen returns the shortest and longest yields of non-terminal id.
func (g *Grammar) YieldLen(id int) (lo, hi int) { return g.minLen[id], g.maxLen[id] }

// NumRules is the total number of rules.
func (g *Grammar) NumRules() int {
	n := 0
	for _, nt := range g.nts {
		n += len(nt.Rules)
	}
	return n
}

// Sentence draws a sentence: from the root down, each non-terminal takes
// one of its rules uniformly at random (leftmost first, one rng draw per
// non-terminal). The result holds terminal ids 0..2.
func (g *Grammar) Sentence(rng *rand.Rand) []int {
	out := make([]int, 0, g.maxLen[0])
	return g.expand(0, rng, out)
}

func (g *Grammar) expand(id int, rng *rand.Rand, out []int) []int {
	nt := &g.nts[id]
	rhs := nt.Rules[rng.IntN(len(nt.Rules))]
	if nt.Level == len(g.levels) {
		return append(out, rhs...)
	}
	for _, y := range rhs {
		out = g.expand(y, rng, out)
	}
	return out
}

// Equal reports whether g and h have the same non-terminals and rules (the
// seed is not compared).
func (g *Grammar) Equal(h *Grammar) bool {
	if g == h {
		return true
	}
	if g == nil || h == nil || len(g.nts) != len(h.nts) {
		return false
	}
	for i := range g.nts {
		a, b := g.nts[i], h.nts[i]
		if a.Name != b.Name || a.Level != b.Level || len(a.Rules) != len(b.Rules) {
			return false
		}
		for r := range a.Rules {
			if !slices.Equal(a.Rules[r], b.Rules[r]) {
				return false
			}
		}
	}
	return true
}

// symName spells symbol y of a rule of non-terminal id.
func (g *Grammar) symName(id, y int) string {
	if g.nts[id].Level == len(g.levels) {
		return TerminalName(y)
	}
	return g.nts[y].Name
}

// RuleString spells rule r of non-terminal id: "A2 B2 C2", or "abca" at
// the last level.
func (g *Grammar) RuleString(id, r int) string {
	rhs := g.nts[id].Rules[r]
	sep := " "
	if g.nts[id].Level == len(g.levels) {
		sep = ""
	}
	parts := make([]string, len(rhs))
	for j, y := range rhs {
		parts[j] = g.symName(id, y)
	}
	return strings.Join(parts, sep)
}

// String is the rule table, one non-terminal a line:
//
//	S  → A2 B2 C2 | B2 A2 A2 C2
//	...
//	A4 → abc | bcaa
func (g *Grammar) String() string {
	var b strings.Builder
	w := 0
	for _, nt := range g.nts {
		w = max(w, len(nt.Name))
	}
	for id, nt := range g.nts {
		rules := make([]string, len(nt.Rules))
		for r := range nt.Rules {
			rules[r] = g.RuleString(id, r)
		}
		fmt.Fprintf(&b, "%-*s → %s\n", w, nt.Name, strings.Join(rules, " | "))
	}
	return b.String()
}

// Markdown is the rule table as a Markdown table (level, non-terminal,
// rules in order, yield lengths).
func (g *Grammar) Markdown() string {
	var b strings.Builder
	b.WriteString("| level | non-terminal | rules (in order: rule 0 \\| rule 1 \\| …) | yield length |\n")
	b.WriteString("|---|---|---|---|\n")
	for id, nt := range g.nts {
		rules := make([]string, len(nt.Rules))
		for r := range nt.Rules {
			rules[r] = "`" + g.RuleString(id, r) + "`"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %d–%d |\n", nt.Level, nt.Name, strings.Join(rules, " \\| "), g.minLen[id], g.maxLen[id])
	}
	return b.String()
}

// grammarJSON is a grammar's JSON form: the levels in order, each a list of
// non-terminals with their rules spelled as space-separated symbol names
// (terminals a, b, c at the last level).
type grammarJSON struct {
	Seed   uint64     `json:"seed"`
	Levels [][]ntJSON `json:"levels"`
}

type ntJSON struct {
	Name  string   `json:"name"`
	Rules []string `json:"rules"`
}

// MarshalJSON writes the grammar as
//
//	{"seed":1,"levels":[[{"name":"S","rules":["A2 B2 C2",...]}],...,
//	 [{"name":"A4","rules":["a b c",...]},...]]}
func (g *Grammar) MarshalJSON() ([]byte, error) {
	out := grammarJSON{Seed: g.seed}
	for _, ids := range g.levels {
		var level []ntJSON
		for _, id := range ids {
			nt := g.nts[id]
			j := ntJSON{Name: nt.Name}
			for _, rhs := range nt.Rules {
				parts := make([]string, len(rhs))
				for k, y := range rhs {
					parts[k] = g.symName(id, y)
				}
				j.Rules = append(j.Rules, strings.Join(parts, " "))
			}
			level = append(level, j)
		}
		out.Levels = append(out.Levels, level)
	}
	return json.Marshal(out)
}

// UnmarshalGrammar reads a grammar written by MarshalJSON and checks it:
// one root, rules of level ℓ over level ℓ+1's names (terminals a, b, c at
// the last level), no empty or repeated rules, every non-terminal
// reachable, sentences of at most MaxSentenceLen terminals.
func UnmarshalGrammar(data []byte) (*Grammar, error) {
	var j grammarJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("cfg: grammar JSON: %w", err)
	}
	if len(j.Levels) == 0 || len(j.Levels) > MaxLevels {
		return nil, fmt.Errorf("cfg: grammar JSON has %d levels; want 1..%d", len(j.Levels), MaxLevels)
	}
	if len(j.Levels[0]) != 1 {
		return nil, fmt.Errorf("cfg: grammar JSON: level 1 has %d non-terminals; want one root", len(j.Levels[0]))
	}
	ids := map[string]int{}
	var nts []NonTerminal
	for l, level := range j.Levels {
		if len(level) == 0 || len(level) > maxNTsPerLevel {
			return nil, fmt.Errorf("cfg: grammar JSON: level %d has %d non-terminals; want 1..%d", l+1, len(level), maxNTsPerLevel)
		}
		for _, nt := range level {
			if _, dup := ids[nt.Name]; dup {
				return nil, fmt.Errorf("cfg: grammar JSON: two non-terminals are named %q", nt.Name)
			}
			ids[nt.Name] = len(nts)
			nts = append(nts, NonTerminal{Name: nt.Name, Level: l + 1})
		}
	}
	k := 0
	for l, level := range j.Levels {
		last := l == len(j.Levels)-1
		for _, nt := range level {
			for r, rule := range nt.Rules {
				fields := strings.Fields(rule)
				rhs := make([]int, len(fields))
				for f, name := range fields {
					if last {
						if len(name) != 1 || name[0] < 'a' || name[0] >= 'a'+NumTerminals {
							return nil, fmt.Errorf("cfg: grammar JSON: rule %d of %s (last level) has %q; want terminals a, b, c", r, nt.Name, name)
						}
						rhs[f] = int(name[0] - 'a')
						continue
					}
					id, ok := ids[name]
					if !ok || nts[id].Level != l+2 {
						return nil, fmt.Errorf("cfg: grammar JSON: rule %d of %s (level %d) has %q; want a level-%d non-terminal", r, nt.Name, l+1, name, l+2)
					}
					rhs[f] = id
				}
				nts[k].Rules = append(nts[k].Rules, rhs)
			}
			k++
		}
	}
	return build(j.Seed, nts)
}

// UnmarshalJSON reads into a zero Grammar (for encoding/json); prefer
// UnmarshalGrammar.
func (g *Grammar) UnmarshalJSON(data []byte) error {
	h, err := UnmarshalGrammar(data)
	if err != nil {
		return err
	}
	g.seed, g.nts, g.levels, g.minLen, g.maxLen, g.first = h.seed, h.nts, h.levels, h.minLen, h.maxLen, h.first
	g.pool.New = func() any { return newParser(g) }
	return nil
}
