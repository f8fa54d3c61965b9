package cfg

import (
	"fmt"
	"math/bits"
	"slices"
)

// Verdict is what the parser says about a string of terminals s.
type Verdict struct {
	// N is len(s).
	N int
	// Prefix is the length of s's longest valid prefix: s[:Prefix] begins
	// some sentence and, when Prefix < N, s[:Prefix+1] begins none. The
	// empty string is a valid prefix, so Prefix ≥ 0.
	Prefix int
	// Member reports whether s is a sentence.
	Member bool
	// next has bit x set when s·x is a valid prefix (zero unless
	// Prefix == N).
	next uint8
}

// ValidPrefix reports whether s begins some sentence.
func (v Verdict) ValidPrefix() bool { return v.Prefix == v.N }

// FirstBad is the first position i such that s[:i+1] is not a valid
// prefix, or -1 when s is one.
func (v Verdict) FirstBad() int {
	if v.Prefix == v.N {
		return -1
	}
	return v.Prefix
}

// Allows reports whether s·x is a valid prefix (x a terminal id).
func (v Verdict) Allows(x int) bool { return x >= 0 && x < NumTerminals && v.next&(1<<x) != 0 }

// Next lists, in id order, the terminals x such that s·x is a valid prefix.
// A valid prefix with no next terminal is a sentence.
func (v Verdict) Next() []int {
	var out []int
	for x := 0; x < NumTerminals; x++ {
		if v.Allows(x) {
			out = append(out, x)
		}
	}
	return out
}

// Check parses s (terminal ids 0..2; any other id matches no rule). It is
// safe for concurrent use.
func (g *Grammar) Check(s []int) Verdict {
	p := g.pool.Get().(*Parser)
	defer g.pool.Put(p)
	return p.Parse(s)
}

// IsMember reports whether s is a sentence of g.
func (g *Grammar) IsMember(s []int) bool { return g.Check(s).Member }

// IsValidPrefix reports whether s begins some sentence of g.
func (g *Grammar) IsValidPrefix(s []int) bool { return g.Check(s).ValidPrefix() }

// Derive returns one derivation of s (see Parser.Derive). It is safe for
// concurrent use.
func (g *Grammar) Derive(s []int) (*Derivation, error) {
	p := g.pool.Get().(*Parser)
	defer g.pool.Put(p)
	return p.Derive(s)
}

// Parser is a chart parser for one grammar, a dynamic program over the
// layered rules (CYK-like, bottom-up by level, with a prefix closure). For
// a string s of n terminals and every non-terminal X and start i ≤ n it
// computes
//
//	full[X][i]  = { j : X ⇒* s[i:j] }                       (a bitset of ends)
//	reach[X][i] = max { m : s[i:m] is a prefix of a yield of X }
//	mask[X][i]  = { x : s[i:n]·x is a prefix of a yield of X }
//
// level by level from the last: a last-level rule matches terminals
// directly; a rule X → Y₁…Y_m chains the ends, S₀ = {i},
// S_k = ∪_{p∈S_{k−1}} full[Y_k][p], full[X][i] = ∪_rules S_m, and
// reach[X][i] = max over rules, k and p ∈ S_{k−1} of reach[Y_k][p] (the
// prefix may stop inside any child), mask likewise with
// mask[Y][n] = the terminals a yield of Y can start with. Then s is a
// sentence iff n ∈ full[S][0], its longest valid prefix has length
// reach[S][0], and s·x is a valid prefix iff x ∈ mask[S][0].
//
// A Parser reuses its tables from one string to the next; it is not safe
// for concurrent use (Grammar.Check draws parsers from a pool).
type Parser struct {
	g        *Grammar
	s        []int
	n, w     int // string length; words per bitset (bits 0..n)
	full     []uint64
	reach    []int32
	mask     []uint8
	cur, nxt []uint64
}

func newParser(g *Grammar) *Parser { return &Parser{g: g} }

// NewParser returns a parser of g with its own tables.
func (g *Grammar) NewParser() *Parser { return newParser(g) }

// Parse parses s. A string longer than any sentence is read up to one
// symbol past the longest sentence (where it must have stopped being a
// valid prefix).
func (p *Parser) Parse(s []int) Verdict {
	g := p.g
	n := min(len(s), g.maxLen[0]+1)
	p.run(s[:n])
	v := Verdict{N: len(s), Prefix: int(p.reach[0])}
	if v.Prefix == len(s) {
		v.next = p.mask[0]
	}
	v.Member = n == len(s) && p.has(0, 0, n)
	return v
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// idx is the table index of (X, i).
func (p *Parser) idx(x, i int) int { return x*(p.n+1) + i }

// row is full[X][i].
func (p *Parser) row(x, i int) []uint64 {
	k := p.idx(x, i) * p.w
	return p.full[k : k+p.w]
}

func (p *Parser) has(x, i, j int) bool { return p.row(x, i)[j>>6]&(1<<(j&63)) != 0 }

func (p *Parser) run(s []int) {
	g := p.g
	n := len(s)
	p.s, p.n, p.w = s, n, n/64+1
	cells := len(g.nts) * (n + 1)
	p.full = grow(p.full, cells*p.w)
	p.reach = grow(p.reach, cells)
	p.mask = grow(p.mask, cells)
	p.cur = grow(p.cur, p.w)
	p.nxt = grow(p.nxt, p.w)
	L := len(g.levels)
	for l := L; l >= 1; l-- {
		last := n
		if l == 1 {
			last = 0 // the root only starts at 0
		}
		for _, x := range g.levels[l-1] {
			for i := 0; i <= last; i++ {
				if l == L {
					p.leaf(x, i)
				} else {
					p.inner(x, i)
				}
			}
		}
	}
}

// leaf fills (X, i) for a last-level X: its rules are terminal strings.
func (p *Parser) leaf(x, i int) {
	s, n := p.s, p.n
	best, m := i, uint8(0)
	row := p.row(x, i)
	for _, rhs := range p.g.nts[x].Rules {
		j := 0
		for j < len(rhs) && i+j < n && s[i+j] == rhs[j] {
			j++
		}
		switch {
		case j == len(rhs):
			e := i + j
			row[e>>6] |= 1 << (e & 63)
		case i+j == n:
			m |= 1 << rhs[j]
		}
		best = max(best, i+j)
	}
	k := p.idx(x, i)
	p.reach[k], p.mask[k] = int32(best), m
}

// inner fills (X, i) for X above the last level by chaining its rules'
// symbols through the next level's tables.
func (p *Parser) inner(x, i int) {
	g, n := p.g, p.n
	best, m := i, uint8(0)
	row := p.row(x, i)
	cur, nxt := p.cur, p.nxt
	for _, rhs := range g.nts[x].Rules {
		lo, hi := i>>6, i>>6
		cur[lo] = 1 << (i & 63)
		for _, y := range rhs {
			nlo, nhi := p.w, -1
			for wi := lo; wi <= hi; wi++ {
				b := cur[wi]
				cur[wi] = 0
				for b != 0 {
					q := wi<<6 | bits.TrailingZeros64(b)
					b &= b - 1
					k := p.idx(y, q)
					best = max(best, int(p.reach[k]))
					m |= p.mask[k]
					a := q + g.minLen[y]
					if a > n {
						continue
					}
					src := p.full[k*p.w : (k+1)*p.w]
					for u := a >> 6; u <= min(q+g.maxLen[y], n)>>6; u++ {
						if src[u] != 0 {
							nxt[u] |= src[u]
							nlo, nhi = min(nlo, u), max(nhi, u)
						}
					}
				}
			}
			cur, nxt = nxt, cur
			lo, hi = nlo, nhi
			if lo > hi {
				break
			}
		}
		for wi := lo; wi <= hi; wi++ {
			row[wi] |= cur[wi]
			cur[wi] = 0
		}
	}
	k := p.idx(x, i)
	p.reach[k], p.mask[k] = int32(best), m
}

// Span is one non-terminal of a derivation and the symbols it covers.
type Span struct {
	NT   int // non-terminal id
	Rule int // the rule it uses (index into its rules)
	// Start and End delimit the symbols s[Start:End] it covers.
	Start, End int
	// Open marks a non-terminal whose yield goes on past the end of the
	// string (or reaches it with children not started yet): the string
	// stops inside it.
	Open bool
}

// Derivation is one parse of a valid prefix s: for each level, the
// non-terminals that cover s, left to right. Levels[0] is the root's span,
// Levels[L−1] the last level's (whose rules produce the terminals). The
// spans of one level tile s[0:n]; the non-terminals open at the end of s
// are the derivation's stack at that point.
type Derivation struct {
	Levels [][]Span
}

// At returns the span of each level that covers position i (the
// derivation's stack of non-terminals over symbol i, root first), or nil
// when i is outside the string.
func (d *Derivation) At(i int) []Span {
	out := make([]Span, 0, len(d.Levels))
	for _, level := range d.Levels {
		k, _ := slices.BinarySearchFunc(level, i, func(s Span, i int) int {
			switch {
			case s.End <= i:
				return -1
			case s.Start > i:
				return 1
			}
			return 0
		})
		if k == len(level) || level[k].Start > i || level[k].End <= i {
			return nil
		}
		out = append(out, level[k])
	}
	return out
}

// Derive returns one derivation of s, which must be a valid prefix;
// otherwise the error says where s stops being one.
//
// Which parse, when s has several: a sentence (a member) gets a complete
// parse; a proper prefix a partial one. Top down, each non-terminal takes
// its lowest-numbered rule that admits a parse, and within that rule each
// child ends as early as a parse of the rest allows (a child that cannot
// close inside s is the open one, the children after it not started).
func (p *Parser) Derive(s []int) (*Derivation, error) {
	v := p.Parse(s)
	if !v.ValidPrefix() {
		return nil, fmt.Errorf("cfg: not a valid prefix: no sentence begins with its first %d symbols (symbol %d breaks it)", v.Prefix+1, v.Prefix)
	}
	d := &Derivation{Levels: make([][]Span, len(p.g.levels))}
	switch {
	case v.N == 0:
	case v.Member:
		p.closed(d, 0, 0, v.N)
	default:
		p.open(d, 0, 0)
	}
	return d, nil
}

func (d *Derivation) add(level int, sp Span) { d.Levels[level-1] = append(d.Levels[level-1], sp) }

// firstBit returns the lowest set bit of b at or after from, or -1.
func firstBit(b []uint64, from int) int {
	for w := from >> 6; w < len(b); w++ {
		x := b[w]
		if w == from>>6 {
			x &= ^uint64(0) << (from & 63)
		}
		if x != 0 {
			return w<<6 | bits.TrailingZeros64(x)
		}
	}
	return -1
}

func setBit(b []uint64, i int)      { b[i>>6] |= 1 << (i & 63) }
func hasBit(b []uint64, i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// step returns ∪_{q∈src} full[y][q].
func (p *Parser) step(src []uint64, y int) []uint64 {
	out := make([]uint64, p.w)
	for q := firstBit(src, 0); q >= 0; q = firstBit(src, q+1) {
		for u, v := range p.row(y, q) {
			out[u] |= v
		}
	}
	return out
}

// feasible reports whether rhs[k:] can derive a string that has s[q:n] as
// a prefix (q ≤ n).
func (p *Parser) feasible(q int, rhs []int, k int) bool {
	cur := make([]uint64, p.w)
	setBit(cur, q)
	for _, y := range rhs[k:] {
		for e := firstBit(cur, 0); e >= 0; e = firstBit(cur, e+1) {
			if int(p.reach[p.idx(y, e)]) >= p.n {
				return true
			}
		}
		cur = p.step(cur, y)
	}
	return false
}

// closed derives s[i:j] from x completely.
func (p *Parser) closed(d *Derivation, x, i, j int) {
	g, s := p.g, p.s
	nt := &g.nts[x]
	for r, rhs := range nt.Rules {
		if nt.Level == len(g.levels) {
			if slices.Equal(rhs, s[i:j]) {
				d.add(nt.Level, Span{NT: x, Rule: r, Start: i, End: j})
				return
			}
			continue
		}
		m := len(rhs)
		sets := make([][]uint64, m+1)
		sets[0] = make([]uint64, p.w)
		setBit(sets[0], i)
		for k, y := range rhs {
			sets[k+1] = p.step(sets[k], y)
		}
		if !hasBit(sets[m], j) {
			continue
		}
		// back[k]: the ends of child k (1-based) from which the rest reaches j.
		back := make([][]uint64, m+1)
		back[m] = make([]uint64, p.w)
		setBit(back[m], j)
		for k := m; k >= 1; k-- {
			back[k-1] = make([]uint64, p.w)
			for q := firstBit(sets[k-1], 0); q >= 0; q = firstBit(sets[k-1], q+1) {
				for u, v := range p.row(rhs[k-1], q) {
					if v&back[k][u] != 0 {
						setBit(back[k-1], q)
						break
					}
				}
			}
		}
		d.add(nt.Level, Span{NT: x, Rule: r, Start: i, End: j})
		q := i
		for k := 1; k <= m; k++ {
			row := p.row(rhs[k-1], q)
			e := -1
			for u := range row {
				if v := row[u] & back[k][u]; v != 0 {
					e = u<<6 | bits.TrailingZeros64(v)
					break
				}
			}
			p.closed(d, rhs[k-1], q, e)
			q = e
		}
		return
	}
	panic(fmt.Sprintf("cfg: internal error: %s does not derive s[%d:%d]", nt.Name, i, j))
}

// open derives a string with prefix s[i:n] (i < n) from x.
func (p *Parser) open(d *Derivation, x, i int) {
	g, s, n := p.g, p.s, p.n
	nt := &g.nts[x]
	for r, rhs := range nt.Rules {
		if nt.Level == len(g.levels) {
			if k := n - i; k <= len(rhs) && slices.Equal(rhs[:k], s[i:n]) {
				d.add(nt.Level, Span{NT: x, Rule: r, Start: i, End: n, Open: k < len(rhs)})
				return
			}
			continue
		}
		if !p.feasible(i, rhs, 0) {
			continue
		}
		q, open := i, true
		for k, y := range rhs {
			if q == n {
				break // the children from k on are not started
			}
			e := -1
			row := p.row(y, q)
			for c := firstBit(row, 0); c >= 0; c = firstBit(row, c+1) {
				if k == len(rhs)-1 {
					if c == n {
						e = c
						break
					}
					continue
				}
				if p.feasible(c, rhs, k+1) {
					e = c
					break
				}
			}
			if e < 0 {
				p.open(d, y, q) // y goes on past the end
				break
			}
			p.closed(d, y, q, e)
			q = e
			if k == len(rhs)-1 {
				open = false
			}
		}
		d.add(nt.Level, Span{NT: x, Rule: r, Start: i, End: n, Open: open})
		return
	}
	panic(fmt.Sprintf("cfg: internal error: %s does not derive a string beginning s[%d:]", nt.Name, i))
}
