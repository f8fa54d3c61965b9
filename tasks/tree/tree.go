package tree

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"jrx/tasks"
)

// EdgeOrder says in which order NewTree lists the edges.
type EdgeOrder int

const (
	// Shuffled lists the edges in a uniformly random order (the default).
	Shuffled EdgeOrder = iota
	// LevelOrder lists them breadth first, as in the paper's example
	// "NL,NO,LJ,LI,OA,OM,...": the root's two edges, then level 1's, ...
	LevelOrder
)

func (o EdgeOrder) String() string {
	switch o {
	case Shuffled:
		return "shuffled"
	case LevelOrder:
		return "level"
	}
	return fmt.Sprintf("EdgeOrder(%d)", int(o))
}

// TargetPolicy says where NewTree puts the target.
type TargetPolicy int

const (
	// LeafOnly draws the target uniformly among the leaves (the default,
	// and the evaluation task).
	LeafOnly TargetPolicy = iota
	// AnyDepth draws the target's depth uniformly from 1..Depth-1 and then
	// a node uniformly at that depth, so every route length (2..Depth
	// nodes) is equally likely. The root is never the target.
	AnyDepth
)

func (p TargetPolicy) String() string {
	switch p {
	case LeafOnly:
		return "leaf"
	case AnyDepth:
		return "any-depth"
	}
	return fmt.Sprintf("TargetPolicy(%d)", int(p))
}

// MinDepth and MaxDepth bound Config.Depth (levels). A 4-level tree has
// 15 nodes; a 5-level one would need 31 distinct letters.
const (
	MinDepth     = 2
	MaxDepth     = 4
	DefaultDepth = 4
)

// Config configures NewTree. The zero value is the evaluation task:
// 4 levels, shuffled edges, leaf targets.
type Config struct {
	// Depth is the number of levels, root included: 2 → 3 nodes,
	// 3 → 7 nodes, 4 → 15 nodes. 0 means DefaultDepth (4).
	Depth       int
	Order       EdgeOrder
	TargetDepth TargetPolicy
}

// Levels returns the effective depth (0 → DefaultDepth).
func (c Config) Levels() int {
	if c.Depth == 0 {
		return DefaultDepth
	}
	return c.Depth
}

// Validate rejects depths outside MinDepth..MaxDepth and unknown enum values.
func (c Config) Validate() error {
	if d := c.Levels(); d < MinDepth || d > MaxDepth {
		return fmt.Errorf("tasks: tree depth %d out of range: want %d..%d levels (0 means %d)", c.Depth, MinDepth, MaxDepth, DefaultDepth)
	}
	if c.Order != Shuffled && c.Order != LevelOrder {
		return fmt.Errorf("tasks: unknown edge order %d", int(c.Order))
	}
	if c.TargetDepth != LeafOnly && c.TargetDepth != AnyDepth {
		return fmt.Errorf("tasks: unknown target policy %d", int(c.TargetDepth))
	}
	return nil
}

// NumNodes is 2^Depth − 1.
func (c Config) NumNodes() int { return 1<<c.Levels() - 1 }

// SeqLen is the length of the whole token sequence of a tree whose route has
// routeNodes nodes: 2 tokens per edge, commas between edges,
// "[ROOT] r [TARGET] t [ROUTE]", the route, [EOS].
// Depth 4 with a leaf target: 28 + 13 + 5 + 4 + 1 = 51; depth 3: 26.
func (c Config) SeqLen(routeNodes int) int {
	e := c.NumNodes() - 1
	return 2*e + (e - 1) + 5 + routeNodes + 1
}

// MaxSeqLen is SeqLen of a leaf target, the longest sequence of the config.
func (c Config) MaxSeqLen() int { return c.SeqLen(c.Levels()) }

// NewRNG is tasks.NewRNG, the project's seeded generator (PCG).
func NewRNG(seed uint64) *rand.Rand { return tasks.NewRNG(seed) }

// Edge is a parent→child pair of letter ids.
type Edge struct{ Parent, Child int }

// Tree is a rooted binary tree whose nodes are distinct letters (ids 0..25),
// with a root, a target, and an edge list in a fixed order (the order in
// which its sequence lists the edges). Every inner node has exactly two
// children. NewTree makes complete trees; ParseTree also accepts unbalanced
// ones (see ParseTree). A Tree is immutable.
type Tree struct {
	edges  []Edge
	root   int
	target int
	levels int

	in     [NumLetters]bool
	parent [NumLetters]int8
	kids   [NumLetters][2]int8
	nkids  [NumLetters]uint8
	depth  [NumLetters]int8
	nnodes int
}

// NewTree draws a complete binary tree of cfg.Depth levels with 2^Depth − 1
// distinct random letters. It panics if cfg.Validate fails.
//
// The draws happen in this order: letters (a permutation), target, then the
// edge shuffle. So for one seed, LevelOrder and Shuffled give the same tree
// (nodes, root, target) and differ only in the edge order.
func NewTree(cfg Config, rng *rand.Rand) *Tree {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	D := cfg.Levels()
	n := 1<<D - 1
	heap := rng.Perm(NumLetters)[:n] // heap[i]: node i in level order; children 2i+1, 2i+2

	var ti int
	switch cfg.TargetDepth {
	case LeafOnly:
		ti = n/2 + rng.IntN(n/2+1)
	case AnyDepth:
		d := 1 + rng.IntN(D-1)
		ti = (1<<d - 1) + rng.IntN(1<<d)
	}

	edges := make([]Edge, 0, n-1)
	for i := 0; i < n/2; i++ {
		edges = append(edges, Edge{heap[i], heap[2*i+1]}, Edge{heap[i], heap[2*i+2]})
	}
	if cfg.Order == Shuffled {
		rng.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	}
	t, err := build(edges, heap[0], heap[ti])
	if err != nil {
		panic("tasks: internal error: " + err.Error())
	}
	return t
}

// NewTrees draws n trees with NewTree. (It would be called Batch, but that
// name is the training batch type.)
func NewTrees(cfg Config, rng *rand.Rand, n int) []*Tree {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	out := make([]*Tree, n)
	for i := range out {
		out[i] = NewTree(cfg, rng)
	}
	return out
}

// build makes a Tree from edges, checking only what the structure needs
// (the parser checks everything first, with positions).
func build(edges []Edge, root, target int) (*Tree, error) {
	t := &Tree{edges: append([]Edge(nil), edges...), root: root, target: target}
	for i := range t.parent {
		t.parent[i] = -1
		t.depth[i] = -1
		t.kids[i] = [2]int8{-1, -1}
	}
	for _, e := range edges {
		if !IsLetter(e.Parent) || !IsLetter(e.Child) {
			return nil, errors.New("edge with a non-letter node")
		}
		if t.parent[e.Child] >= 0 || e.Child == e.Parent {
			return nil, fmt.Errorf("node %c has two parents", 'A'+e.Child)
		}
		if t.nkids[e.Parent] == 2 {
			return nil, fmt.Errorf("node %c has more than two children", 'A'+e.Parent)
		}
		t.parent[e.Child] = int8(e.Parent)
		t.kids[e.Parent][t.nkids[e.Parent]] = int8(e.Child)
		t.nkids[e.Parent]++
		t.in[e.Parent], t.in[e.Child] = true, true
	}
	if !IsLetter(root) || !t.in[root] || t.parent[root] >= 0 {
		return nil, errors.New("root is not the root")
	}
	// Depths by walking down from the root; counts reachable nodes.
	stack := []int{root}
	t.depth[root] = 0
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t.nnodes++
		if int(t.depth[u])+1 > t.levels {
			t.levels = int(t.depth[u]) + 1
		}
		for k := 0; k < int(t.nkids[u]); k++ {
			c := int(t.kids[u][k])
			t.depth[c] = t.depth[u] + 1
			stack = append(stack, c)
		}
	}
	for i := 0; i < NumLetters; i++ {
		if t.in[i] && t.depth[i] < 0 {
			return nil, errors.New("not connected")
		}
		if t.nkids[i] == 1 {
			return nil, fmt.Errorf("node %c has one child", 'A'+i)
		}
	}
	if !IsLetter(target) || !t.in[target] || target == root {
		return nil, errors.New("bad target")
	}
	return t, nil
}

// Edges returns a copy of the edge list, in sequence order.
func (t *Tree) Edges() []Edge { return append([]Edge(nil), t.edges...) }

// Root returns the root's letter id.
func (t *Tree) Root() int { return t.root }

// Target returns the target's letter id.
func (t *Tree) Target() int { return t.target }

// NumNodes is the number of nodes (15 for a 4-level complete tree).
func (t *Tree) NumNodes() int { return t.nnodes }

// Levels is the number of levels: 1 + the largest node depth.
func (t *Tree) Levels() int { return t.levels }

// Has reports whether node (a letter id) is in the tree.
func (t *Tree) Has(node int) bool { return IsLetter(node) && t.in[node] }

// Nodes returns the node ids in ascending order.
func (t *Tree) Nodes() []int {
	out := make([]int, 0, t.nnodes)
	for i := 0; i < NumLetters; i++ {
		if t.in[i] {
			out = append(out, i)
		}
	}
	return out
}

// IsLeaf reports whether node is a leaf of the tree.
func (t *Tree) IsLeaf(node int) bool { return t.Has(node) && t.nkids[node] == 0 }

// IsComplete reports whether all leaves are at the same depth (the shape
// NewTree makes and the models are trained on).
func (t *Tree) IsComplete() bool { return t.nnodes == 1<<t.levels-1 }

// Children returns the two children of node in edge-list order; ok is false
// for a leaf or a node not in the tree.
func (t *Tree) Children(node int) (first, second int, ok bool) {
	if !t.Has(node) || t.nkids[node] != 2 {
		return -1, -1, false
	}
	return int(t.kids[node][0]), int(t.kids[node][1]), true
}

// Parent returns node's parent; ok is false for the root and for a node not
// in the tree.
func (t *Tree) Parent(node int) (parent int, ok bool) {
	if !t.Has(node) || t.parent[node] < 0 {
		return -1, false
	}
	return int(t.parent[node]), true
}

// Depth returns node's depth (root 0, its children 1, ...) or -1 if node is
// not in the tree.
func (t *Tree) Depth(node int) int {
	if !t.Has(node) {
		return -1
	}
	return int(t.depth[node])
}

// Route returns the node ids on the path root→target, both included.
func (t *Tree) Route() []int {
	n := int(t.depth[t.target]) + 1
	r := make([]int, n)
	for u, i := t.target, n-1; i >= 0; i-- {
		r[i] = u
		u = int(t.parent[u])
	}
	return r
}

// Prompt returns the tokens through [ROUTE], inclusive:
// "p c , p c , ... [ROOT] r [TARGET] t [ROUTE]". v may be nil.
func (t *Tree) Prompt(v *Vocab) []int {
	out := make([]int, 0, 3*len(t.edges)+4+t.levels+1)
	for i, e := range t.edges {
		if i > 0 {
			out = append(out, IDComma)
		}
		out = append(out, e.Parent, e.Child)
	}
	return append(out, IDRoot, t.root, IDTarget, t.target, IDRoute)
}

// Answer returns what follows the prompt: the route, then [EOS]. These are
// also the tokens y_t a Talker reads out of the latents. v may be nil.
func (t *Tree) Answer(v *Vocab) []int { return append(t.Route(), IDEOS) }

// Tokens returns the whole sequence, Prompt then Answer. v may be nil.
func (t *Tree) Tokens(v *Vocab) []int { return append(t.Prompt(v), t.Answer(v)...) }

// String is the text form with the route and without [EOS], e.g.
// "NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K[ROUTE]NOMK".
// ParseTree reads it back (ParseTreeWith and AnyTarget for inner targets).
func (t *Tree) String() string {
	var v *Vocab
	toks := t.Tokens(v)
	return v.Format(toks[:len(toks)-1])
}

// PromptString is the text form without the route, ending in "[TARGET]K":
// what a person types to pose the problem.
func (t *Tree) PromptString() string {
	var v *Vocab
	toks := t.Prompt(v)
	return v.Format(toks[:len(toks)-1])
}

// Equal reports whether u has the same edges in the same order, root and
// target.
func (t *Tree) Equal(u *Tree) bool {
	if t == nil || u == nil {
		return t == u
	}
	if t.root != u.root || t.target != u.target || len(t.edges) != len(u.edges) {
		return false
	}
	for i := range t.edges {
		if t.edges[i] != u.edges[i] {
			return false
		}
	}
	return true
}

// WithTarget returns the same tree (same edge order) with another target,
// which must be a node other than the root. Several targets of one tree in
// a batch is a training lever (see RECIPE.md).
func (t *Tree) WithTarget(node int) (*Tree, error) {
	if !t.Has(node) {
		return nil, fmt.Errorf("tasks: target %s is not in the tree", symOf(node))
	}
	if node == t.root {
		return nil, errors.New("tasks: the target cannot be the root")
	}
	u := *t
	u.edges = append([]Edge(nil), t.edges...)
	u.target = node
	return &u, nil
}

// Siblings returns, at route step s ≥ 1, the correct child (Route()[s]) and
// its sibling, the other child of Route()[s-1]: the two candidates whose
// embedding plane the mixed-latent probe measures. ok is false for s = 0 or
// s beyond the route.
func (t *Tree) Siblings(step int) (correct, sibling int, ok bool) {
	r := t.Route()
	if step < 1 || step >= len(r) {
		return -1, -1, false
	}
	a, b, ok := t.Children(r[step-1])
	if !ok {
		return -1, -1, false
	}
	if a == r[step] {
		return a, b, true
	}
	return b, a, true
}

// RouteError says which step of a route is wrong. Step is the index in the
// route (0 = the first node); Step = len(route) means the route stopped too
// early.
type RouteError struct {
	Step int
	Msg  string
}

func (e *RouteError) Error() string { return fmt.Sprintf("route step %d: %s", e.Step, e.Msg) }

func symOf(id int) string { var v *Vocab; return v.Sym(id) }

// CheckRoute returns nil if route starts at the root, follows edges
// downward and ends at the target; otherwise a *RouteError naming the first
// wrong step.
func (t *Tree) CheckRoute(route []int) error {
	if len(route) == 0 {
		return &RouteError{0, fmt.Sprintf("empty route; it must start at the root %s", symOf(t.root))}
	}
	for s, u := range route {
		if !IsLetter(u) {
			return &RouteError{s, fmt.Sprintf("token %s is not a node (letter)", symOf(u))}
		}
		if !t.in[u] {
			return &RouteError{s, fmt.Sprintf("%s is not a node of the tree", symOf(u))}
		}
		if s == 0 {
			if u != t.root {
				return &RouteError{0, fmt.Sprintf("route starts at %s, not at the root %s", symOf(u), symOf(t.root))}
			}
			continue
		}
		prev := route[s-1]
		if prev == t.target {
			return &RouteError{s, fmt.Sprintf("route continues after reaching the target %s", symOf(t.target))}
		}
		if int(t.parent[u]) != prev {
			a, b, ok := t.Children(prev)
			if !ok {
				return &RouteError{s, fmt.Sprintf("%s is a leaf; %s cannot follow it", symOf(prev), symOf(u))}
			}
			return &RouteError{s, fmt.Sprintf("%s is not a child of %s (its children are %s and %s)", symOf(u), symOf(prev), symOf(a), symOf(b))}
		}
		if !t.isAncestorOrSelf(u, t.target) {
			// Every earlier step is on the true route, so Siblings(s)
			// names the child that leads to the target.
			c, _, _ := t.Siblings(s)
			return &RouteError{s, fmt.Sprintf("wrong branch: %s is a child of %s but the target %s is not below it (take %s)", symOf(u), symOf(prev), symOf(t.target), symOf(c))}
		}
	}
	if last := route[len(route)-1]; last != t.target {
		return &RouteError{len(route), fmt.Sprintf("route ends at %s, before the target %s", symOf(last), symOf(t.target))}
	}
	return nil
}

// ValidRoute is CheckRoute as a bool.
func (t *Tree) ValidRoute(route []int) bool { return t.CheckRoute(route) == nil }

// isAncestorOrSelf reports whether a is on the path from the root to u.
func (t *Tree) isAncestorOrSelf(a, u int) bool {
	for u >= 0 {
		if u == a {
			return true
		}
		u = int(t.parent[u])
	}
	return false
}
