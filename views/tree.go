package views

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"jrx/tasks/tree"
)

// grid is a small character canvas whose cells carry a style.
type grid struct {
	w    int
	rows [][]gcell
}

type gcell struct {
	s  string
	st *lipgloss.Style
}

func newGrid(w, h int) *grid {
	g := &grid{w: w, rows: make([][]gcell, h)}
	for i := range g.rows {
		g.rows[i] = make([]gcell, w)
	}
	return g
}

// put writes s (single-width runes) at (x, y).
func (g *grid) put(x, y int, s string, st *lipgloss.Style) {
	if y < 0 || y >= len(g.rows) {
		return
	}
	for _, r := range s {
		if x >= 0 && x < g.w {
			g.rows[y][x] = gcell{string(r), st}
		}
		x++
	}
}

func (g *grid) render() []string {
	out := make([]string, len(g.rows))
	for y, row := range g.rows {
		var sb strings.Builder
		for i := 0; i < len(row); {
			j := i
			var run strings.Builder
			for j < len(row) && row[j].st == row[i].st {
				if row[j].s == "" {
					run.WriteByte(' ')
				} else {
					run.WriteString(row[j].s)
				}
				j++
			}
			if row[i].st != nil {
				sb.WriteString(row[i].st.Render(run.String()))
			} else {
				sb.WriteString(run.String())
			}
			i = j
		}
		out[y] = sb.String()
	}
	return out
}

// treeGeom places a tree's nodes: depth and centre column.
type treeGeom struct {
	levels int
	leaves int
	x      map[int]int
	byDep  [][]int // nodes per depth, left to right
	width  int
}

func placeTree(t *tree.Tree, slot int) treeGeom {
	g := treeGeom{levels: t.Levels(), x: map[int]int{}}
	g.byDep = make([][]int, g.levels)
	var place func(n, d int)
	place = func(n, d int) {
		if d < len(g.byDep) {
			g.byDep[d] = append(g.byDep[d], n)
		}
		a, b, ok := t.Children(n)
		if !ok {
			g.x[n] = g.leaves*slot + slot/2
			g.leaves++
			return
		}
		place(a, d+1)
		place(b, d+1)
		g.x[n] = (g.x[a] + g.x[b]) / 2
	}
	place(t.Root(), 0)
	g.width = g.leaves * slot
	return g
}

func countLeaves(t *tree.Tree) int {
	n := 0
	for _, v := range t.Nodes() {
		if t.IsLeaf(v) {
			n++
		}
	}
	return n
}

// The tree task's panel: the problem drawn as a tree (the task's own view;
// the only place in views that knows the tree task).
func init() {
	RegisterTaskPanel(tree.Name, Panel{
		ID: "tree", Label: "problem tree", Key: "t", Place: PlaceSide,
		Size: func(c PanelCtx) Want {
			w, least := TreeNeeds(c.Frame.tree(), c.Large)
			return Want{W: w, MinW: least}
		},
		Title: func(c PanelCtx) string {
			if tr := c.Frame.tree(); !c.Compact && tr != nil {
				return fmt.Sprintf("Problem · root %s → target %s", c.Frame.sym(tr.Root()), c.Frame.sym(tr.Target()))
			}
			return "Problem"
		},
		Render: func(c PanelCtx, w, h int) []string {
			warn := c.Frame.offDistribution(c.Styles, w, max(h/3, 4), c.Compact)
			return append(warn, renderTree(c.Styles, c.Frame, c.Keys, c.Sel, w, h-len(warn), c.Compact, c.Large)...)
		},
	})
}

// TreeNeeds is the tree panel's natural and smallest inner width (the
// large layout's natural width gives every leaf a wider slot).
func TreeNeeds(t *tree.Tree, large bool) (natural, least int) {
	if t == nil {
		return 20, 20
	}
	n := countLeaves(t)
	return max(n*treeSlot(large), 36), max(n*4, 22)
}

// treeSlot is the most cells a leaf gets; treeStems the most connector
// rows between two levels. The large layout (a big window, the presenter)
// draws a bigger tree.
func treeSlot(large bool) int { return pickInt(large, 14, 8) }

func treeStems(large bool) int { return pickInt(large, 8, 2) }

func pickInt(b bool, yes, no int) int {
	if b {
		return yes
	}
	return no
}

// renderTree draws the problem: the tree with the root at the top, the
// target marked, the route up to the selected step highlighted and the
// selected step's hypothesis weights written under the nodes.
func renderTree(st *Styles, f *Frame, keys *MainKeys, sel, w, h int, compact, large bool) []string {
	if f.tree() == nil || w <= 0 || h <= 0 {
		return nil
	}
	t := f.tree()
	route := t.Route()
	onRoute := map[int]int{} // node → step (1-based) at which the route reaches it
	for i, n := range route {
		onRoute[n] = i + 1
	}
	weights := map[int]float64{}
	var atoms []string
	if sn := f.Snap(sel); sn != nil {
		for _, a := range sn.Mixture.Atoms {
			if a.Weight >= 0.005 {
				if t.Has(a.Token) {
					weights[a.Token] = a.Weight
				}
				atoms = append(atoms, fmt.Sprintf("%s %s", tree.Sym(a.Token), weightStr(a.Weight)))
			}
		}
	}

	leaves := countLeaves(t)
	slot := min(treeSlot(large), w/max(1, leaves))
	if slot < 3 {
		return renderTreeList(st, f, sel, w, h)
	}
	g := placeTree(t, slot)
	off := max(0, (w-g.width)/2)

	// Which rows: labels, weights (where there are weights, or everywhere
	// when there is room), connectors.
	hasW := make([]bool, g.levels)
	for d, nodes := range g.byDep {
		for _, n := range nodes {
			if weights[n] > 0 {
				hasW[d] = true
			}
		}
	}
	legend := []string{st.Dim.Render("[X] route  (X) target"), st.Dim.Render(".72 mixture weight")}
	if sel >= 1 && len(atoms) > 0 {
		legend = append(legend, st.Dim.Render(fmt.Sprintf("step %d holds ", sel))+strings.Join(atoms, " · "))
	} else if sel < 1 {
		legend = append(legend, st.Dim.Render("take a step ("+keyName(keys, func(k *MainKeys) key.Binding { return k.Step }, "→")+") to see hypotheses"))
	}
	var text []string
	if !compact {
		text = append([]string{"problem text (for --prompt):"}, strings.Split(ansi.Hardwrap(t.PromptString(), w, false), "\n")...)
	}
	treeRows := 2*g.levels - 1
	for _, b := range hasW {
		if b {
			treeRows++
		}
	}
	spare := h - treeRows
	showLegend := min(len(legend), max(0, spare))
	spare -= showLegend
	stems := 0
	if g.levels > 1 {
		stems = min(treeStems(large), max(0, spare-1)/(g.levels-1))
		if compact {
			stems = min(stems, 1)
		}
	}
	spare -= stems * (g.levels - 1)
	treeRows += stems * (g.levels - 1)
	showText := 0
	if spare-1 >= len(text) {
		showText = len(text)
		spare -= showText + 1
	}
	topPad := 0
	switch {
	case large && spare > 2:
		topPad = spare / 2 // the large layout centres the tree
	case spare > 0:
		topPad = 1
	}

	gr := newGrid(w, treeRows)
	y := 0
	sp := func(p lipgloss.Style) *lipgloss.Style { return &p }
	edgeSt, routeSt := &st.Tree.Edge, &st.Tree.Route
	for d := 0; d < g.levels; d++ {
		for _, n := range g.byDep[d] {
			x := off + g.x[n]
			label := " " + tree.Sym(n) + " "
			style := &st.Tree.Node
			step, isRoute := onRoute[n]
			reached := isRoute && step <= sel
			switch {
			case reached:
				label = "[" + tree.Sym(n) + "]"
				style = routeSt
			case n == t.Target():
				label = "(" + tree.Sym(n) + ")"
			}
			if n == t.Target() {
				style = &st.Tree.Target
			}
			if wt := weights[n]; wt > 0 && !reached {
				style = sp(st.hyp(wt))
				if n == t.Target() {
					style = sp(st.hyp(wt).Underline(true))
				}
			}
			if reached && step == sel {
				style = &st.Tree.Selected
			}
			gr.put(x-1, y, label, style)
		}
		y++
		if hasW[d] {
			for _, n := range g.byDep[d] {
				if wt := weights[n]; wt > 0 {
					gr.put(off+g.x[n]-1, y, weightStr(wt), sp(st.hyp(wt)))
				}
			}
			y++
		}
		if d == g.levels-1 {
			break
		}
		routeOf := func(n int) *lipgloss.Style {
			if s, ok := onRoute[n]; ok && s <= sel {
				return routeSt
			}
			return edgeSt
		}
		for range stems - (stems+1)/2 { // the stems under the parents
			for _, n := range g.byDep[d] {
				if _, _, ok := t.Children(n); ok {
					gr.put(off+g.x[n], y, "│", routeOf(n))
				}
			}
			y++
		}
		for _, n := range g.byDep[d] {
			a, b, ok := t.Children(n)
			if !ok {
				continue
			}
			xa, xb, xn := off+g.x[a], off+g.x[b], off+g.x[n]
			if xa > xb {
				xa, xb = xb, xa
				a, b = b, a
			}
			stA, stB := edgeSt, edgeSt
			if s, ok := onRoute[a]; ok && s <= sel {
				stA = routeSt
			}
			if s, ok := onRoute[b]; ok && s <= sel {
				stB = routeSt
			}
			gr.put(xa, y, "╭", stA)
			for x := xa + 1; x < xn; x++ {
				gr.put(x, y, "─", stA)
			}
			for x := xn + 1; x < xb; x++ {
				gr.put(x, y, "─", stB)
			}
			gr.put(xb, y, "╮", stB)
			mid := edgeSt
			if s, ok := onRoute[n]; ok && s <= sel {
				mid = routeSt
			}
			gr.put(xn, y, "┴", mid)
		}
		y++
		for range (stems + 1) / 2 { // the stems above the children
			for _, n := range g.byDep[d+1] {
				gr.put(off+g.x[n], y, "│", routeOf(n))
			}
			y++
		}
	}
	out := make([]string, 0, h)
	for i := 0; i < topPad; i++ {
		out = append(out, "")
	}
	out = append(out, gr.render()...)
	for len(out) < h-showLegend-showText-boolInt(showText > 0) {
		out = append(out, "")
	}
	out = append(out, legend[:showLegend]...)
	if showText > 0 {
		out = append(out, "")
		for _, l := range text[:showText] {
			out = append(out, st.Dim.Render(l))
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// renderTreeList is the tree as a list of parent → children, for a panel
// too narrow to draw it.
func renderTreeList(st *Styles, f *Frame, sel, w, h int) []string {
	t := f.tree()
	var out []string
	route := t.Route()
	out = append(out, fmt.Sprintf("root %s → target %s", tree.Sym(t.Root()), tree.Sym(t.Target())))
	var nodes []int
	for _, n := range t.Nodes() {
		if _, _, ok := t.Children(n); ok {
			nodes = append(nodes, n)
		}
	}
	sort.Slice(nodes, func(i, j int) bool { return t.Depth(nodes[i]) < t.Depth(nodes[j]) })
	for _, n := range nodes {
		a, b, _ := t.Children(n)
		out = append(out, fmt.Sprintf("%s: %s %s", tree.Sym(n), tree.Sym(a), tree.Sym(b)))
	}
	var r []string
	for i, n := range route {
		if i < sel {
			r = append(r, tree.Sym(n))
		}
	}
	out = append(out, st.Tree.Route.Render("route so far: "+strings.Join(r, " ")))
	return out
}

// weightStr is a weight in three cells: ".72", "1.0".
func weightStr(w float64) string {
	if w >= 0.995 {
		return "1.0"
	}
	return fmt.Sprintf(".%02d", int(w*100+0.5))
}

// tree is the frame's tree, nil when there is none (or another task's
// problem): the tree panel is the tree task's own.
func (f *Frame) tree() *tree.Tree {
	if f == nil || f.Problem == nil {
		return nil
	}
	return tree.Of(f.Problem)
}
