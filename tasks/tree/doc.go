// Package tree is the tree-search task (PAPER.md, Experiment 1): vocabulary,
// generator, parser, validator, the split between prompt and answer; it
// implements tasks.Task (Task, Problem) and registers itself as "tree".
//
// # Tree search (PAPER.md, Experiment 1)
//
// Vocabulary (ids fixed; they index checkpoint embedding rows): letters
// A..Z are ids 0..25, then "," 26, [ROOT] 27, [TARGET] 28, [ROUTE] 29,
// [EOS] 30, [PAD] 31, [BOS] 32 — 33 tokens. [BOS] is only the Dual-Talker
// decoder's start token; the Reasoner never sees it.
//
// A tree is a complete binary tree of Depth levels (2..4; 4 → 15 nodes)
// whose nodes are distinct random letters. Its sequence is
//
//	N L , N O , L J , ... , M C [ROOT] N [TARGET] K [ROUTE] N O M K [EOS]
//
// — edges parent→child, two tokens each, commas between edges (none
// trailing), then root, target, route root→target, [EOS]. Depth 4 with a
// leaf target is 28 + 13 + 5 + 4 + 1 = 51 tokens; depth 3 is 26. The prompt
// is everything through [ROUTE]; the answer is the route and [EOS] (also the
// tokens a Talker reads out of the latents, one per latent).
//
// NewTree draws trees from a Config (edge order Shuffled or LevelOrder;
// target LeafOnly — the evaluation — or AnyDepth, whose depth is uniform over
// 1..Depth-1 so every route length is equally likely). Randomness is a
// seeded PCG (NewRNG); the same seed gives the same trees, and TestGolden
// pins the sequence of draws.
//
// The text form "NL,NO,...,MC[ROOT]N[TARGET]K[ROUTE]NOMK" (Tree.String) is
// what a person types; ParseTree reads it leniently (whitespace, lowercase)
// and reports *ParseError with the character offset of the offending piece.
// It accepts any proper binary tree of 2..4 levels, balanced or not (every
// inner node exactly two children); Tree.IsComplete tells the two apart.
//
// tasks.MakeBatch lays trees (Problems) out for training: next-token and two-ahead targets,
// stage-1 weights (route-and-EOS positions × routeWeight) and SST weights
// (route-and-EOS positions only); Batch documents the exact positions and
// TestMakeBatchWorkedExample works one batch out by hand.
package tree
