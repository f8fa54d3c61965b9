package treeprobe

import (
	"testing"

	"jrx/tasks/tree"
)

func TestJudgeFork(t *testing.T) {
	task, err := tree.NewTask(tree.Config{Depth: 3}, tree.LeafOnly)
	if err != nil {
		t.Fatal(err)
	}
	p := task.Sample(tree.NewRNG(9)).(*tree.Problem)
	tr := p.Tree
	r := tr.Route() // root, child, leaf (the target)
	_, sib, _ := tr.Siblings(1)
	a, b, _ := tr.Children(sib)
	eos := tree.IDEOS
	for _, c := range []struct {
		name     string
		toks     []int
		hyp      int
		path, le bool
		target   bool
	}{
		{"the sibling's subtree to a leaf", []int{r[0], sib, a, eos}, sib, true, true, false},
		{"the other leaf of it", []int{r[0], sib, b, eos}, sib, true, true, false},
		{"back to the route", []int{r[0], sib, r[2], eos}, sib, false, false, true},
		{"EOS right after the fork", []int{r[0], sib, eos, eos}, sib, true, false, false},
		{"not following the hypothesis", []int{r[0], r[1], r[2], eos}, sib, false, false, true},
	} {
		got := JudgeFork(p, 2, c.hyp, c.toks)
		if got[ForkPath] != c.path || got[ForkLeafEOS] != c.le || got[ForkTarget] != c.target {
			t.Errorf("%s %v: %v", c.name, c.toks, got)
		}
	}
}
