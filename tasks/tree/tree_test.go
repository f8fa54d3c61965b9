package tree

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// paper is the example of PAPER.md, Experiment 1.
const paper = "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K"

func letter(c byte) int { return int(c - 'A') }

func letters(s string) []int {
	out := make([]int, len(s))
	for i := range s {
		out[i] = letter(s[i])
	}
	return out
}

func mustParse(t *testing.T, s string) *Tree {
	t.Helper()
	tr, err := ParseTreeWith(s, ParseOptions{AnyTarget: true})
	if err != nil {
		t.Fatalf("ParseTree(%q): %v", s, err)
	}
	return tr
}

var configs = []Config{
	{}, // depth 4, shuffled, leaf
	{Depth: 4, Order: LevelOrder},
	{Depth: 4, TargetDepth: AnyDepth},
	{Depth: 3},
	{Depth: 3, Order: LevelOrder, TargetDepth: AnyDepth},
	{Depth: 2},
	{Depth: 2, TargetDepth: AnyDepth},
}

// checkInvariants recomputes everything from the token sequence alone.
func checkInvariants(t *testing.T, cfg Config, tr *Tree) {
	t.Helper()
	D := cfg.Levels()
	toks := tr.Tokens(nil)
	nEdges := 1<<D - 2

	// Layout: "p c , p c , ... p c [ROOT] r [TARGET] t [ROUTE] route [EOS]".
	var edges [][2]int
	for k := 0; k < nEdges; k++ {
		p, c := toks[3*k], toks[3*k+1]
		if !IsLetter(p) || !IsLetter(c) {
			t.Fatalf("%v: edge %d is %d %d", tr, k, p, c)
		}
		if k < nEdges-1 && toks[3*k+2] != IDComma {
			t.Fatalf("%v: no comma after edge %d", tr, k)
		}
		edges = append(edges, [2]int{p, c})
	}
	j := 3*nEdges - 1
	if toks[j] != IDRoot || toks[j+2] != IDTarget || toks[j+4] != IDRoute || toks[len(toks)-1] != IDEOS {
		t.Fatalf("%v: bad layout %v", tr, toks)
	}
	root, target := toks[j+1], toks[j+3]
	route := toks[j+5 : len(toks)-1]

	// Distinct letters, counts, parents, children, by hand.
	nodes := map[int]bool{}
	parent := map[int]int{}
	nkids := map[int]int{}
	for _, e := range edges {
		nodes[e[0]], nodes[e[1]] = true, true
		if _, dup := parent[e[1]]; dup {
			t.Fatalf("%v: %c has two parents", tr, 'A'+e[1])
		}
		parent[e[1]] = e[0]
		nkids[e[0]]++
	}
	if len(nodes) != 1<<D-1 {
		t.Fatalf("%v: %d distinct letters, want %d", tr, len(nodes), 1<<D-1)
	}
	for u := range nodes {
		if k := nkids[u]; k != 0 && k != 2 {
			t.Fatalf("%v: %c has %d children", tr, 'A'+u, k)
		}
	}
	if _, has := parent[root]; has || !nodes[root] {
		t.Fatalf("%v: root %c has a parent or is absent", tr, 'A'+root)
	}
	if len(parent) != len(nodes)-1 {
		t.Fatalf("%v: %d nodes with parents, want %d", tr, len(parent), len(nodes)-1)
	}
	depthOf := func(u int) int {
		d := 0
		for u != root {
			u = parent[u]
			d++
			if d > 10 {
				t.Fatalf("%v: cycle", tr)
			}
		}
		return d
	}
	leaves := 0
	for u := range nodes {
		if nkids[u] == 0 {
			leaves++
			if depthOf(u) != D-1 {
				t.Fatalf("%v: leaf %c at depth %d", tr, 'A'+u, depthOf(u))
			}
		}
	}
	if leaves != 1<<(D-1) {
		t.Fatalf("%v: %d leaves", tr, leaves)
	}

	// Route recomputed by walking parents from the target.
	var want []int
	for u := target; ; u = parent[u] {
		want = append([]int{u}, want...)
		if u == root {
			break
		}
	}
	if !slices.Equal(route, want) || !slices.Equal(tr.Route(), want) {
		t.Fatalf("%v: route %v / Route() %v, want %v", tr, route, tr.Route(), want)
	}
	if err := tr.CheckRoute(want); err != nil {
		t.Fatalf("%v: CheckRoute(own route): %v", tr, err)
	}
	switch cfg.TargetDepth {
	case LeafOnly:
		if nkids[target] != 0 || len(toks) != cfg.MaxSeqLen() {
			t.Fatalf("%v: leaf policy: target kids %d, len %d", tr, nkids[target], len(toks))
		}
	case AnyDepth:
		if target == root {
			t.Fatalf("%v: target is the root", tr)
		}
	}
	if len(toks) != cfg.SeqLen(len(want)) {
		t.Fatalf("%v: len %d, SeqLen %d", tr, len(toks), cfg.SeqLen(len(want)))
	}

	// The accessors agree with the hand count.
	if tr.NumNodes() != len(nodes) || tr.Levels() != D || !tr.IsComplete() || tr.Root() != root || tr.Target() != target {
		t.Fatalf("%v: accessors disagree", tr)
	}
	for u := 0; u < NumLetters; u++ {
		if tr.Has(u) != nodes[u] {
			t.Fatalf("%v: Has(%c)", tr, 'A'+u)
		}
		if !nodes[u] {
			continue
		}
		if p, ok := tr.Parent(u); ok != (u != root) || (ok && p != parent[u]) {
			t.Fatalf("%v: Parent(%c) = %d, %v", tr, 'A'+u, p, ok)
		}
		if tr.Depth(u) != depthOf(u) {
			t.Fatalf("%v: Depth(%c)", tr, 'A'+u)
		}
		a, b, ok := tr.Children(u)
		if ok != (nkids[u] == 2) || (ok && (parent[a] != u || parent[b] != u || a == b)) {
			t.Fatalf("%v: Children(%c) = %d %d %v", tr, 'A'+u, a, b, ok)
		}
	}
	if p := tr.Prompt(nil); !slices.Equal(append(p, tr.Answer(nil)...), toks) || p[len(p)-1] != IDRoute {
		t.Fatalf("%v: Prompt+Answer != Tokens", tr)
	}
}

func TestNewTreeInvariants(t *testing.T) {
	for _, cfg := range configs {
		t.Run(fmt.Sprintf("D%d-%v-%v", cfg.Levels(), cfg.Order, cfg.TargetDepth), func(t *testing.T) {
			for seed := uint64(0); seed < 2000; seed++ {
				checkInvariants(t, cfg, NewTree(cfg, NewRNG(seed)))
			}
		})
	}
}

// Lengths counted by hand: 2 tokens per edge, commas between edges,
// [ROOT] r [TARGET] t [ROUTE], route, [EOS].
func TestSeqLen(t *testing.T) {
	cases := []struct {
		cfg        Config
		nodes, len int
	}{
		{Config{}, 15, 28 + 13 + 5 + 4 + 1},
		{Config{Depth: 4}, 15, 51},
		{Config{Depth: 3}, 7, 12 + 5 + 5 + 3 + 1},
		{Config{Depth: 3}, 7, 26},
		{Config{Depth: 2}, 3, 4 + 1 + 5 + 2 + 1},
	}
	for _, c := range cases {
		tr := NewTree(c.cfg, NewRNG(7))
		if tr.NumNodes() != c.nodes || len(tr.Tokens(NewVocab())) != c.len || c.cfg.MaxSeqLen() != c.len || c.cfg.NumNodes() != c.nodes {
			t.Errorf("%+v: nodes %d, len %d, MaxSeqLen %d; want %d, %d", c.cfg, tr.NumNodes(), len(tr.Tokens(nil)), c.cfg.MaxSeqLen(), c.nodes, c.len)
		}
	}
	// Depth 4, target at depth 1: route of 2 nodes.
	if got := (Config{}).SeqLen(2); got != 49 {
		t.Errorf("SeqLen(2) = %d, want 49", got)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{Depth: 2}, true},
		{Config{Depth: 3}, true},
		{Config{Depth: 4}, true},
		{Config{Depth: 1}, false},
		{Config{Depth: -1}, false},
		{Config{Depth: 5}, false},
		{Config{Order: 2}, false},
		{Config{TargetDepth: -1}, false},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if (err == nil) != c.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", c.cfg, err, c.ok)
		}
		if !c.ok {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("NewTree(%+v) did not panic", c.cfg)
					}
				}()
				NewTree(c.cfg, NewRNG(1))
			}()
		}
	}
}

func TestSameSeedSameTree(t *testing.T) {
	for _, cfg := range configs {
		for seed := uint64(0); seed < 50; seed++ {
			a := NewTrees(cfg, NewRNG(seed), 5)
			b := NewTrees(cfg, NewRNG(seed), 5)
			for i := range a {
				if !a[i].Equal(b[i]) || a[i].String() != b[i].String() {
					t.Fatalf("seed %d tree %d: %v vs %v", seed, i, a[i], b[i])
				}
			}
		}
	}
	// Different seeds give different trees (overwhelmingly).
	if NewTree(Config{}, NewRNG(1)).Equal(NewTree(Config{}, NewRNG(2))) {
		t.Error("seeds 1 and 2 gave the same tree")
	}
}

// TestGolden pins the generator: changing the order of random draws changes
// every data set made from a seed, and must be a deliberate decision.
func TestGolden(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "CM,DB,PV,PE,QN,XZ,QD,BK,NP,NC,CI,DX,XJ,BW[ROOT]Q[TARGET]M[ROUTE]QNCM"},
		{Config{Order: LevelOrder}, "QN,QD,NC,NP,DB,DX,CI,CM,PE,PV,BK,BW,XJ,XZ[ROOT]Q[TARGET]M[ROUTE]QNCM"},
		{Config{Depth: 3, TargetDepth: AnyDepth}, "QD,NP,QN,DB,NC,DX[ROOT]Q[TARGET]X[ROUTE]QDX"},
		{Config{Depth: 2}, "QN,QD[ROOT]Q[TARGET]D[ROUTE]QD"},
	}
	for _, c := range cases {
		if got := NewTree(c.cfg, NewRNG(42)).String(); got != c.want {
			t.Errorf("%+v seed 42:\n got %s\nwant %s", c.cfg, got, c.want)
		}
	}
}

func TestEdgeOrders(t *testing.T) {
	differ := 0
	for seed := uint64(0); seed < 200; seed++ {
		for _, tp := range []TargetPolicy{LeafOnly, AnyDepth} {
			s := NewTree(Config{Order: Shuffled, TargetDepth: tp}, NewRNG(seed))
			l := NewTree(Config{Order: LevelOrder, TargetDepth: tp}, NewRNG(seed))
			se, le := s.Edges(), l.Edges()
			if !slices.Equal(se, le) {
				differ++
			}
			sortEdges := func(es []Edge) {
				slices.SortFunc(es, func(a, b Edge) int { return (a.Parent*32 + a.Child) - (b.Parent*32 + b.Child) })
			}
			sortEdges(se)
			sortEdges(le)
			if !slices.Equal(se, le) || s.Root() != l.Root() || s.Target() != l.Target() {
				t.Fatalf("seed %d: the orders give different trees:\n%v\n%v", seed, s, l)
			}
			// Level order: breadth first, so parent depths never decrease,
			// and each parent's two edges are adjacent.
			le = l.Edges()
			for k := 1; k < len(le); k++ {
				if l.Depth(le[k].Parent) < l.Depth(le[k-1].Parent) {
					t.Fatalf("seed %d: level order not breadth first: %v", seed, l)
				}
				if k%2 == 1 && le[k].Parent != le[k-1].Parent {
					t.Fatalf("seed %d: siblings not adjacent: %v", seed, l)
				}
			}
		}
	}
	if differ < 399 {
		t.Errorf("shuffled order equal to level order in %d of 400 trees", 400-differ)
	}
}

// AnyDepth: each target depth 1..D-1 equally likely; LeafOnly: each leaf
// slot (in level order) equally likely.
func TestTargetDistribution(t *testing.T) {
	const n = 30000
	for _, D := range []int{2, 3, 4} {
		rng := NewRNG(uint64(D))
		counts := make([]int, D)
		for i := 0; i < n; i++ {
			tr := NewTree(Config{Depth: D, TargetDepth: AnyDepth}, rng)
			counts[tr.Depth(tr.Target())]++
		}
		if counts[0] != 0 {
			t.Errorf("depth %d: root was the target %d times", D, counts[0])
		}
		p := 1 / float64(D-1)
		sd := math.Sqrt(n * p * (1 - p))
		for d := 1; d < D; d++ {
			if math.Abs(float64(counts[d])-n*p) > 5*sd {
				t.Errorf("depth %d: target depth %d drawn %d times of %d, want ≈ %.0f", D, d, counts[d], n, n*p)
			}
		}
	}
	rng := NewRNG(99)
	slot := make([]int, 8)
	for i := 0; i < n; i++ {
		tr := NewTree(Config{Order: LevelOrder}, rng)
		es := tr.Edges()
		for k := 6; k < 14; k++ { // the 8 edges into leaves, left to right
			if es[k].Child == tr.Target() {
				slot[k-6]++
			}
		}
	}
	sd := math.Sqrt(n * (1.0 / 8) * (7.0 / 8))
	for k, c := range slot {
		if math.Abs(float64(c)-n/8.0) > 5*sd {
			t.Errorf("leaf slot %d drawn %d times of %d", k, c, n)
		}
	}
}

func TestAccessorsPaperTree(t *testing.T) {
	tr := mustParse(t, paper)
	if tr.Root() != letter('N') || tr.Target() != letter('K') || tr.NumNodes() != 15 || tr.Levels() != 4 {
		t.Fatalf("paper tree: %v", tr)
	}
	if got := tr.Route(); !slices.Equal(got, letters("NOMK")) {
		t.Errorf("Route = %v", got)
	}
	if got := tr.Nodes(); !slices.Equal(got, letters("ABCDEFGHIJKLMNO")) {
		t.Errorf("Nodes = %v", got)
	}
	children := []struct {
		node   byte
		a, b   byte
		isLeaf bool
	}{
		{'N', 'L', 'O', false}, {'L', 'J', 'I', false}, {'O', 'A', 'M', false},
		{'M', 'K', 'C', false}, {'K', 0, 0, true}, {'B', 0, 0, true},
	}
	for _, c := range children {
		a, b, ok := tr.Children(letter(c.node))
		if ok == c.isLeaf || tr.IsLeaf(letter(c.node)) != c.isLeaf || (ok && (a != letter(c.a) || b != letter(c.b))) {
			t.Errorf("Children(%c) = %d %d %v", c.node, a, b, ok)
		}
	}
	depths := map[byte]int{'N': 0, 'L': 1, 'O': 1, 'J': 2, 'M': 2, 'K': 3, 'B': 3, 'Z': -1}
	for n, d := range depths {
		if got := tr.Depth(letter(n)); got != d {
			t.Errorf("Depth(%c) = %d, want %d", n, got, d)
		}
	}
	if p, ok := tr.Parent(letter('K')); !ok || p != letter('M') {
		t.Errorf("Parent(K) = %d %v", p, ok)
	}
	for _, n := range []int{letter('N'), letter('Z'), -1, IDPAD} {
		if _, ok := tr.Parent(n); ok {
			t.Errorf("Parent(%d) ok", n)
		}
		if _, _, ok := tr.Children(n); ok && n != letter('N') {
			t.Errorf("Children(%d) ok", n)
		}
	}
	want := "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K[ROUTE]NOMK"
	if tr.String() != want {
		t.Errorf("String = %q", tr.String())
	}
	if tr.PromptString() != paper {
		t.Errorf("PromptString = %q", tr.PromptString())
	}
	if got := NewVocab().Format(tr.Tokens(nil)); got != want+"[EOS]" {
		t.Errorf("Format(Tokens) = %q", got)
	}
}

func TestSiblings(t *testing.T) {
	tr := mustParse(t, paper) // route N O M K; O's sibling L, M's A, K's C
	cases := []struct {
		step int
		c, s byte
		ok   bool
	}{
		{1, 'O', 'L', true}, {2, 'M', 'A', true}, {3, 'K', 'C', true},
		{0, 0, 0, false}, {4, 0, 0, false}, {-1, 0, 0, false},
	}
	for _, c := range cases {
		got, sib, ok := tr.Siblings(c.step)
		if ok != c.ok || (ok && (got != letter(c.c) || sib != letter(c.s))) {
			t.Errorf("Siblings(%d) = %d %d %v", c.step, got, sib, ok)
		}
	}
	// Over random trees: correct is on the route, the sibling shares its parent.
	for seed := uint64(0); seed < 200; seed++ {
		tr := NewTree(Config{TargetDepth: AnyDepth}, NewRNG(seed))
		r := tr.Route()
		for s := 1; s < len(r); s++ {
			c, o, ok := tr.Siblings(s)
			pc, _ := tr.Parent(c)
			po, _ := tr.Parent(o)
			if !ok || c != r[s] || c == o || pc != r[s-1] || po != r[s-1] {
				t.Fatalf("%v: Siblings(%d) = %d %d %v", tr, s, c, o, ok)
			}
		}
	}
}

func TestCheckRoute(t *testing.T) {
	tr := mustParse(t, paper) // N→{L,O}, O→{A,M}, M→{K,C}
	inner := mustParse(t, "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]O")
	cases := []struct {
		tree  *Tree
		route string
		step  int    // -1: valid
		msg   string // substring of the error
	}{
		{tr, "NOMK", -1, ""},
		{inner, "NO", -1, ""},
		{tr, "", 0, "empty route"},
		{tr, "OMK", 0, "starts at O, not at the root N"},
		{tr, "NLJB", 1, "wrong branch: L is a child of N but the target K is not below it (take O)"},
		{tr, "NOAD", 2, "wrong branch: A is a child of O but the target K is not below it (take M)"},
		{tr, "NOMC", 3, "take K"},
		{tr, "NMK", 1, "M is not a child of N (its children are L and O)"},
		{tr, "NOZK", 2, "Z is not a node of the tree"},
		{tr, "NOM", 3, "route ends at M, before the target K"},
		{tr, "N", 1, "route ends at N"},
		{tr, "NOMKC", 4, "continues after reaching the target K"},
		{tr, "NOMKK", 4, "continues after reaching the target K"},
		{inner, "NOM", 2, "continues after reaching the target O"},
		{inner, "NOMK", 2, "continues after reaching the target O"},
	}
	for _, c := range cases {
		route := letters(c.route)
		err := c.tree.CheckRoute(route)
		if c.step < 0 {
			if err != nil || !c.tree.ValidRoute(route) {
				t.Errorf("%s: %v", c.route, err)
			}
			continue
		}
		re, ok := err.(*RouteError)
		if !ok || re.Step != c.step || !strings.Contains(re.Msg, c.msg) || c.tree.ValidRoute(route) {
			t.Errorf("CheckRoute(%s) = %v; want step %d, %q", c.route, err, c.step, c.msg)
		}
	}
	// Non-letter tokens.
	err := tr.CheckRoute([]int{letter('N'), IDEOS})
	if re, ok := err.(*RouteError); !ok || re.Step != 1 || !strings.Contains(re.Msg, "[EOS]") {
		t.Errorf("CheckRoute(N [EOS]) = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "route step 1: ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestWithTarget(t *testing.T) {
	tr := mustParse(t, paper)
	u, err := tr.WithTarget(letter('A'))
	if err != nil || u.Target() != letter('A') || !slices.Equal(u.Route(), letters("NOA")) || !slices.Equal(u.Edges(), tr.Edges()) {
		t.Fatalf("WithTarget(A) = %v, %v", u, err)
	}
	if tr.Target() != letter('K') {
		t.Fatal("WithTarget changed the original")
	}
	for _, bad := range []int{letter('N'), letter('Z'), IDPAD} {
		if _, err := tr.WithTarget(bad); err == nil {
			t.Errorf("WithTarget(%d) accepted", bad)
		}
	}
}
