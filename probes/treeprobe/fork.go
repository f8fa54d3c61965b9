package treeprobe

import (
	"jrx/tasks"
	"jrx/tasks/tree"
)

// Tree fork outcomes (the names JudgeFork returns).
const (
	// ForkPath: from the fork step on, the answer is the forked node, then
	// children of the previous node, until EOS or the end: a downward path
	// from the forked node (a route inside its subtree).
	ForkPath = "subtree_path"
	// ForkLeafEOS: a ForkPath that ends at a leaf and then EOS, at the
	// last step: a complete route to a leaf of the forked node's subtree.
	ForkLeafEOS = "leaf_then_eos"
	// ForkTarget: the problem's target appears at or after the fork step
	// (the chain found its way back to the target).
	ForkTarget = "reaches_target"
)

// JudgeFork is engine.ForkJudge for the tree task: what a forked lane's
// answer toks does from 1-based step on, after a fork onto node hyp. It
// returns nil for another task's problem.
func JudgeFork(p tasks.Problem, step, hyp int, toks []int) map[string]bool {
	tr := tree.Of(p)
	if tr == nil || step < 1 || step > len(toks) {
		return nil
	}
	after := toks[step-1:]
	out := map[string]bool{ForkTarget: false}
	for _, t := range after {
		if t == tr.Target() {
			out[ForkTarget] = true
		}
	}
	path := after[0] == hyp && tr.Has(hyp)
	end := len(after)
	for i := 1; i < len(after) && path; i++ {
		if after[i] == tree.IDEOS {
			end = i
			break
		}
		par, ok := tr.Parent(after[i])
		path = tr.Has(after[i]) && ok && par == after[i-1]
	}
	out[ForkPath] = path
	out[ForkLeafEOS] = path && end == len(after)-1 && tr.IsLeaf(after[end-1])
	return out
}
