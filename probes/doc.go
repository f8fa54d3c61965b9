// Package probes holds read-outs and measurements over latents that any
// task can use: nearest tokens by cosine, mixture decomposition, the plane
// of a token and its rival, PCA, and the evaluation sets behind the route
// exact-match figures. The tree task's own report (the paper's Experiment
// 1) is in probes/treeprobe; the containment experiment and its sweeps,
// which need sessions, are engine.Containment.
//
// # Overview
//
// Read-outs take a token table [V×d] (the Reasoner's EMA target table Ē or
// its embedding E) and a latent r [d]:
//
//   - Nearest: the k rows of largest cosine to r, and Margin, the lead of
//     the first over the second.
//   - Decompose: r as a sparse non-negative mixture Σ Coef·ê of unit token
//     directions (at most k atoms; Lawson–Hanson NNLS, exact over small
//     candidate sets), with the residual and the fraction explained.
//   - ProjectPlane and PlaneRank: r's least-squares projection onto the
//     plane of two rows (a step's correct token and its rival, as
//     tasks.Problem.Rival names them), and that plane's distance rank among
//     the planes of every pair of content tokens; RivalStats aggregates both
//     over an evaluation set.
//   - PCA: principal components of a trajectory or a cloud of latents.
//
// Evaluation sets: NewProblemSet draws a fixed set of problems of one
// length from a seed; TokenExact, NearestExact, MonoExact and DualExact are
// the route exact-match rates of the baseline (or the pre-SST network), the
// Reasoner's nearest-token read-out and the two Talkers on it; FreeLatents
// runs the Reasoner over the set once for the latter three.
//
// # Invariants
//
//   - Probes only read: they never change a table, a latent or a model.
//   - Arithmetic is in float64 and deterministic; ties go to the lower token
//     id, and PCA fixes each component's sign (largest entry positive).
//   - Degenerate input (a zero or non-finite latent or row, k ≤ 0, parallel
//     rows) gives a documented zero value, never NaN and never a panic; only
//     slices of the wrong length panic (programmer error).
//   - Nothing here names a task's token ids: content tokens, rivals and
//     answers come from tasks.Vocab and tasks.Problem.
//
// # Concurrency
//
// Every function is safe for concurrent use on shared inputs, as long as
// nothing writes them meanwhile.
package probes
