package tree

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"jrx/tasks"
)

// ParseOptions loosens ParseTree.
type ParseOptions struct {
	// AnyTarget accepts an inner node (not the root) as the target, as
	// AnyDepth training trees have. Default: the target must be a leaf.
	AnyTarget bool
}

// ParseTree reads a tree from its text form, e.g.
//
//	NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K
//
// optionally followed by "[ROUTE]NOMK" (validated against the tree; an empty
// route after [ROUTE] is allowed, so a pasted Prompt parses) and an optional
// final "[EOS]". Whitespace (any Unicode space, newlines included) may stand
// between any two symbols, e.g. "N L , N O ... [ROOT] N"; letters may be
// lowercase (they are upper-cased); bracket names are case-insensitive.
// The edge order is kept: ParseTree(t.String()) is Equal to t.
//
// Accepted shapes: any proper binary tree — one root, every inner node
// exactly two children, 2..4 levels (so 3..15 nodes) — balanced or not.
// NewTree only makes complete trees, and the models are trained on those;
// Tree.IsComplete tells a caller that wants to warn about the others.
// The target must be a leaf unless ParseTreeWith's AnyTarget is set.
//
// Every error is a *tasks.ParseError naming where the problem is.
func ParseTree(s string) (*Tree, error) { return ParseTreeWith(s, ParseOptions{}) }

// maxParseRunes bounds the input (a 4-level tree is ~70 characters).
const maxParseRunes = 1 << 16

type lexKind int

const (
	lxLetter lexKind = iota
	lxComma
	lxRoot
	lxTarget
	lxRoute
	lxEOS
	lxPAD
	lxBOS
	lxEnd
)

type lexeme struct {
	kind   lexKind
	letter int // for lxLetter
	off    int // rune offset
	b0, b1 int // byte span in the input
}

var bracketKinds = map[string]lexKind{
	"ROOT": lxRoot, "TARGET": lxTarget, "ROUTE": lxRoute,
	"EOS": lxEOS, "PAD": lxPAD, "BOS": lxBOS,
}

func kindName(k lexKind) string {
	switch k {
	case lxLetter:
		return "a letter"
	case lxComma:
		return "','"
	case lxRoot:
		return "[ROOT]"
	case lxTarget:
		return "[TARGET]"
	case lxRoute:
		return "[ROUTE]"
	case lxEOS:
		return "[EOS]"
	case lxPAD:
		return "[PAD]"
	case lxBOS:
		return "[BOS]"
	}
	return "the end of the input"
}

// clip shortens a piece for an error message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

func lex(s string) ([]lexeme, *tasks.ParseError) {
	var out []lexeme
	off := 0
	for b := 0; b < len(s); {
		r, w := utf8.DecodeRuneInString(s[b:])
		switch {
		case unicode.IsSpace(r):
		case r >= 'A' && r <= 'Z':
			out = append(out, lexeme{kind: lxLetter, letter: int(r - 'A'), off: off, b0: b, b1: b + w})
		case r >= 'a' && r <= 'z':
			out = append(out, lexeme{kind: lxLetter, letter: int(r - 'a'), off: off, b0: b, b1: b + w})
		case r == ',':
			out = append(out, lexeme{kind: lxComma, off: off, b0: b, b1: b + w})
		case r == '[':
			end := strings.IndexByte(s[b:], ']')
			name := ""
			if end >= 0 {
				name = s[b+1 : b+end]
			}
			if end < 0 || strings.ContainsAny(name, "[ \t\r\n") || len(name) > 16 {
				piece := s[b:]
				if i := strings.IndexAny(piece[1:], "[] \t\r\n,"); i >= 0 {
					piece = piece[:i+1]
				}
				return nil, treeErr(off, clip(piece), "'[' without a matching ']' (symbols are [ROOT], [TARGET], [ROUTE], [EOS])")
			}
			k, ok := bracketKinds[strings.ToUpper(name)]
			if !ok {
				return nil, treeErr(off, clip(s[b:b+end+1]), "unknown symbol (known: letters A-Z, ',', [ROOT], [TARGET], [ROUTE], [EOS])")
			}
			out = append(out, lexeme{kind: k, off: off, b0: b, b1: b + end + 1})
			off += utf8.RuneCountInString(s[b:b+end+1]) - 1
			w = end + 1
		default:
			msg := "unknown symbol (known: letters A-Z, ',', [ROOT], [TARGET], [ROUTE], [EOS])"
			if r == utf8.RuneError && w == 1 {
				msg = "invalid UTF-8 byte"
			}
			return nil, treeErr(off, string(r), msg)
		}
		b += w
		off++
	}
	out = append(out, lexeme{kind: lxEnd, off: off, b0: len(s), b1: len(s)})
	return out, nil
}

// ParseTreeWith is ParseTree with options.
func ParseTreeWith(s string, opt ParseOptions) (*Tree, error) {
	t, perr := parseTree(s, opt)
	if perr != nil {
		return nil, perr // a typed nil must not escape as a non-nil error
	}
	return t, nil
}

type edgeAt struct {
	Edge
	lx     lexeme // first letter
	b0, b1 int
}

func parseTree(s string, opt ParseOptions) (*Tree, *tasks.ParseError) {
	if n := utf8.RuneCountInString(s); n > maxParseRunes {
		return nil, treeErr(maxParseRunes, "", fmt.Sprintf("input too long (%d characters; a tree needs fewer than 100)", n))
	}
	if strings.TrimFunc(s, unicode.IsSpace) == "" {
		return nil, treeErr(0, "", "empty input: want edges like NL,NO,... then [ROOT]N[TARGET]K")
	}
	lx, perr := lex(s)
	if perr != nil {
		return nil, perr
	}
	piece := func(l lexeme) string { return clip(s[l.b0:l.b1]) }
	errAt := func(l lexeme, format string, a ...any) *tasks.ParseError {
		return treeErr(l.off, piece(l), fmt.Sprintf(format, a...))
	}
	for _, l := range lx {
		if l.kind == lxPAD || l.kind == lxBOS {
			return nil, errAt(l, "%s is a model token; it has no place in a tree", kindName(l.kind))
		}
	}

	// Edges: groups of letters separated by commas, up to [ROOT].
	var edges []edgeAt
	i := 0
	for {
		start := i
		for lx[i].kind == lxLetter {
			i++
		}
		group := lx[start:i]
		stop := lx[i]
		switch {
		case len(group) == 0 && stop.kind == lxRoot && start == 0:
			return nil, errAt(stop, "no edges before [ROOT]")
		case len(group) == 0 && stop.kind == lxComma && start == 0:
			return nil, errAt(stop, "input starts with ','; want an edge such as NL first")
		case len(group) == 0 && stop.kind == lxComma:
			return nil, errAt(stop, "empty edge: two commas in a row")
		case len(group) == 0 && stop.kind == lxRoot:
			return nil, errAt(lx[start-1], "trailing ',' before [ROOT]")
		case len(group) == 0:
			if start == 0 {
				return nil, errAt(stop, "want edges such as NL,NO,... before %s", kindName(stop.kind))
			}
			return nil, errAt(lx[start-1], "',' must be followed by an edge")
		case len(group) != 2:
			p := treeErr(group[0].off, clip(s[group[0].b0:group[len(group)-1].b1]), "")
			if len(group) == 1 {
				p.Msg = "malformed edge: want two letters (parent, child), got one"
			} else {
				p.Msg = fmt.Sprintf("malformed edge: want two letters (parent, child), got %d; separate edges with ','", len(group))
			}
			return nil, p
		}
		edges = append(edges, edgeAt{Edge{group[0].letter, group[1].letter}, group[0], group[0].b0, group[1].b1})
		if stop.kind == lxComma {
			i++
			continue
		}
		if stop.kind != lxRoot {
			if stop.kind == lxEnd {
				return nil, errAt(stop, "missing [ROOT] after the edges")
			}
			return nil, errAt(stop, "want ',' or [ROOT] after an edge, got %s (missing [ROOT]?)", kindName(stop.kind))
		}
		break
	}

	// [ROOT] x [TARGET] y
	oneLetter := func(tag lexeme) (lexeme, *tasks.ParseError) {
		j := i + 1
		for lx[j].kind == lxLetter {
			j++
		}
		switch n := j - (i + 1); {
		case n == 0:
			return lexeme{}, errAt(tag, "%s must be followed by one node (letter)", kindName(tag.kind))
		case n > 1:
			return lexeme{}, treeErr(lx[i+1].off, clip(s[lx[i+1].b0:lx[j-1].b1]), fmt.Sprintf("%s takes one node, got %d letters", kindName(tag.kind), n))
		}
		i = j
		return lx[j-1], nil
	}
	rootTag := lx[i]
	rootLx, perr := oneLetter(rootTag)
	if perr != nil {
		return nil, perr
	}
	if lx[i].kind != lxTarget {
		if lx[i].kind == lxEnd {
			return nil, errAt(lx[i], "missing [TARGET] after [ROOT]%s", piece(rootLx))
		}
		return nil, errAt(lx[i], "want [TARGET] after [ROOT]%s, got %s", piece(rootLx), kindName(lx[i].kind))
	}
	targetLx, perr := oneLetter(lx[i])
	if perr != nil {
		return nil, perr
	}
	// Optional [ROUTE] letters* [EOS]?
	var route []lexeme
	routeEnd := lx[i]
	if lx[i].kind == lxRoute {
		i++
		for lx[i].kind == lxLetter {
			route = append(route, lx[i])
			i++
		}
		routeEnd = lx[i]
		if lx[i].kind == lxEOS {
			i++
		}
	}
	if lx[i].kind != lxEnd {
		want := "[ROUTE] or the end"
		switch {
		case routeEnd.kind == lxEOS && lx[i-1].kind == lxEOS:
			want = "the end after [EOS]"
		case len(route) > 0 || lx[i-1].kind == lxRoute:
			want = "route letters, [EOS] or the end"
		}
		return nil, errAt(lx[i], "unexpected %s: want %s", kindName(lx[i].kind), want)
	}

	// Edge structure, checked edge by edge in order.
	var (
		parentOf  [NumLetters]int // -1 none
		firstEdge [NumLetters]int // index of the edge that names the node first
		nk        [NumLetters]int
		kidEdge   [NumLetters]int // index of the node's first child edge
		in        [NumLetters]bool
		order     []int // nodes in order of first appearance
	)
	for k := range parentOf {
		parentOf[k], firstEdge[k] = -1, -1
	}
	edgeErr := func(k int, format string, a ...any) *tasks.ParseError {
		e := edges[k]
		return treeErr(e.lx.off, clip(s[e.b0:e.b1]), fmt.Sprintf(format, a...))
	}
	for k, e := range edges {
		p, c := e.Parent, e.Child
		for _, u := range []int{p, c} {
			if !in[u] {
				in[u], firstEdge[u] = true, k
				order = append(order, u)
			}
		}
		if p == c {
			return nil, edgeErr(k, "edge from %s to itself", symOf(p))
		}
		if parentOf[c] == p {
			for j := 0; j < k; j++ {
				if edges[j].Edge == e.Edge {
					return nil, edgeErr(k, "edge repeated (first at offset %d)", edges[j].lx.off)
				}
			}
		}
		if parentOf[c] >= 0 {
			for j := 0; j < k; j++ {
				if edges[j].Child == c {
					return nil, edgeErr(k, "node %s has a second parent: %s here, %s at offset %d", symOf(c), symOf(p), symOf(edges[j].Parent), edges[j].lx.off)
				}
			}
		}
		for u := p; u >= 0; u = parentOf[u] {
			if u == c {
				return nil, edgeErr(k, "edge closes a cycle: %s is already an ancestor of %s", symOf(c), symOf(p))
			}
		}
		if nk[p] == 2 {
			return nil, edgeErr(k, "node %s has more than 2 children", symOf(p))
		}
		if nk[p] == 0 {
			kidEdge[p] = k
		}
		parentOf[c] = p
		nk[p]++
	}
	var roots []int
	for _, u := range order {
		if parentOf[u] < 0 {
			roots = append(roots, u)
		}
	}
	if len(roots) > 1 {
		var names []string
		for _, r := range roots {
			names = append(names, symOf(r))
		}
		return nil, edgeErr(firstEdge[roots[1]], "not one tree: the edges have %d roots (%s); %s has no parent", len(roots), strings.Join(names, ", "), symOf(roots[1]))
	}
	for _, u := range order {
		if nk[u] == 1 {
			return nil, edgeErr(kidEdge[u], "node %s has only one child; every inner node needs exactly 2", symOf(u))
		}
	}
	for k, e := range edges {
		d := 0
		for u := e.Child; parentOf[u] >= 0; u = parentOf[u] {
			d++
		}
		if d >= MaxDepth {
			return nil, edgeErr(k, "tree has more than %d levels: %s is at level %d (the root is level 1)", MaxDepth, symOf(e.Child), d+1)
		}
	}

	// Root and target.
	root, target := rootLx.letter, targetLx.letter
	switch {
	case !in[root]:
		return nil, errAt(rootLx, "[ROOT] %s is not a node of the tree", symOf(root))
	case root != roots[0]:
		return nil, errAt(rootLx, "[ROOT] %s is not the tree's root (%s is its parent; the root is %s)", symOf(root), symOf(parentOf[root]), symOf(roots[0]))
	case !in[target]:
		return nil, errAt(targetLx, "[TARGET] %s is not a node of the tree", symOf(target))
	case target == root:
		return nil, errAt(targetLx, "[TARGET] is the root; the target must be a leaf")
	case nk[target] != 0 && !opt.AnyTarget:
		return nil, errAt(targetLx, "[TARGET] %s is not a leaf (it has children); the target must be a leaf", symOf(target))
	}

	plain := make([]Edge, len(edges))
	for k, e := range edges {
		plain[k] = e.Edge
	}
	t, err := build(plain, root, target)
	if err != nil {
		// Unreachable: every condition build checks was checked above.
		return nil, treeErr(0, "", "internal error: "+err.Error())
	}

	if len(route) > 0 {
		ids := make([]int, len(route))
		for k, l := range route {
			ids[k] = l.letter
		}
		var re *RouteError
		if err := t.CheckRoute(ids); errors.As(err, &re) {
			at := routeEnd
			if re.Step < len(route) {
				at = route[re.Step]
			}
			return nil, errAt(at, "wrong [ROUTE] at step %d: %s", re.Step, re.Msg)
		}
	}
	return t, nil
}

// treeErr is a *tasks.ParseError in a tree's text.
func treeErr(off int, piece, msg string) *tasks.ParseError {
	return &tasks.ParseError{Offset: off, Piece: piece, Msg: msg, What: "tree text"}
}
