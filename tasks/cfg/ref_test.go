package cfg

// Independent references for the parser: exhaustive enumeration of a tiny
// grammar's language, and a backtracking search over leftmost derivations
// that uses none of the parser's tables.

import (
	"slices"
	"strings"
	"testing"
)

// key spells a string of terminal ids ("abca"); an id that is not a
// terminal is '?'.
func key(s []int) string {
	var b strings.Builder
	for _, x := range s {
		if x >= 0 && x < NumTerminals {
			b.WriteByte(byte('a' + x))
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// yields enumerates every yield of non-terminal id (tiny grammars only).
func yields(g *Grammar, id int) []string {
	nt := g.nts[id]
	var out []string
	for _, rhs := range nt.Rules {
		out = append(out, ruleYields(g, id, rhs)...)
	}
	return out
}

func ruleYields(g *Grammar, id int, rhs []int) []string {
	if g.nts[id].Level == g.Levels() {
		return []string{key(rhs)}
	}
	acc := []string{""}
	for _, y := range rhs {
		var next []string
		for _, a := range acc {
			for _, b := range yields(g, y) {
				next = append(next, a+b)
			}
		}
		acc = next
	}
	return acc
}

// language is a tiny grammar's sentences and all their prefixes (the empty
// one included).
type language struct {
	sentences map[string]bool
	prefixes  map[string]bool
	list      []string
}

func enumerate(t testing.TB, g *Grammar, limit int) *language {
	t.Helper()
	lang := &language{sentences: map[string]bool{}, prefixes: map[string]bool{}}
	ys := yields(g, 0)
	if len(ys) > limit {
		t.Fatalf("grammar has %d derivations; too many to enumerate (limit %d)", len(ys), limit)
	}
	for _, y := range ys {
		if !lang.sentences[y] {
			lang.list = append(lang.list, y)
		}
		lang.sentences[y] = true
		for k := 0; k <= len(y); k++ {
			lang.prefixes[y[:k]] = true
		}
	}
	slices.Sort(lang.list)
	return lang
}

// longestPrefix is the length of s's longest prefix in lang.prefixes.
func (lang *language) longestPrefix(s string) int {
	k := 0
	for k < len(s) && lang.prefixes[s[:k+1]] {
		k++
	}
	return k
}

// refPrefix reports whether s is a valid prefix by depth-first search over
// leftmost derivations: a stack of pending symbols, a non-terminal on top
// replaced by each of its rules in turn, a terminal on top matched against
// s. It succeeds as soon as all of s is matched.
func refPrefix(g *Grammar, s []int) bool {
	type sym struct {
		nt   int // non-terminal id, or -1 for a terminal
		term int
	}
	L := g.Levels()
	var search func(stack []sym, pos int) bool
	search = func(stack []sym, pos int) bool {
		if pos == len(s) {
			return true
		}
		if len(stack) == 0 {
			return false
		}
		top := stack[len(stack)-1]
		rest := stack[:len(stack)-1]
		if top.nt < 0 {
			return s[pos] == top.term && search(rest, pos+1)
		}
		nt := g.nts[top.nt]
		for _, rhs := range nt.Rules {
			next := slices.Clone(rest)
			for j := len(rhs) - 1; j >= 0; j-- {
				if nt.Level == L {
					next = append(next, sym{nt: -1, term: rhs[j]})
				} else {
					next = append(next, sym{nt: rhs[j]})
				}
			}
			if search(next, pos) {
				return true
			}
		}
		return false
	}
	return search([]sym{{nt: 0}}, 0)
}

// refMember reports whether s is a sentence: whether some leftmost
// derivation matches s exactly. The stack's length bounds prune it.
func refMember(g *Grammar, s []int) bool {
	L := g.Levels()
	var search func(stack []int, pos int) bool // stack holds ids; terminals as -1-x
	search = func(stack []int, pos int) bool {
		lo, hi := 0, 0
		for _, y := range stack {
			if y < 0 {
				lo, hi = lo+1, hi+1
			} else {
				lo, hi = lo+g.minLen[y], hi+g.maxLen[y]
			}
		}
		if rem := len(s) - pos; rem < lo || rem > hi {
			return false
		}
		if len(stack) == 0 {
			return pos == len(s)
		}
		top, rest := stack[len(stack)-1], stack[:len(stack)-1]
		if top < 0 {
			return s[pos] == -1-top && search(rest, pos+1)
		}
		nt := g.nts[top]
		for _, rhs := range nt.Rules {
			next := slices.Clone(rest)
			for j := len(rhs) - 1; j >= 0; j-- {
				if nt.Level == L {
					next = append(next, -1-rhs[j])
				} else {
					next = append(next, rhs[j])
				}
			}
			if search(next, pos) {
				return true
			}
		}
		return false
	}
	return search([]int{0}, 0)
}

// refLongest is the longest valid prefix by refPrefix.
func refLongest(g *Grammar, s []int) int {
	k := 0
	for k < len(s) && refPrefix(g, s[:k+1]) {
		k++
	}
	return k
}

// ids reads "abca" as terminal ids; '?' (or any other byte) is id 3, a
// token that is not a terminal.
func ids(s string) []int {
	out := make([]int, len(s))
	for i := range s {
		out[i] = int(s[i] - 'a')
		if s[i] < 'a' || s[i] >= 'a'+NumTerminals {
			out[i] = NumTerminals
		}
	}
	return out
}
