// Package treeprobe holds the tree task's own probes: the paper's
// Experiment-1 report (EvalTree: route exact match per lane, the correct
// major contributor rate on the sibling plane, the sibling plane's rank)
// with the paper's figures beside ours. The general read-outs it uses
// (nearest tokens, mixtures, planes, evaluation sets) live in package
// probes.
package treeprobe
