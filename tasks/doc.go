// Package tasks is the task seam: the Task, Problem and Vocab interfaces
// that everything above it uses, the registry of tasks by name, and what
// every task shares — the seeded generator (NewRNG), typed-problem errors
// (ParseError), input corruption (Corrupt) and the training batch layout
// with its loss masks (MakeBatch).
//
// One sub-package per task implements the interfaces and registers a
// Factory: tasks/tree (tree search, the paper's Experiment 1). Package
// tasks/all imports them all. Nothing above package tasks names a task's
// token ids or problem type, except a task's own panel and probes.
//
// # Invariants
//
//   - A Task and a Problem are immutable values, safe for concurrent use.
//   - Token ids are fixed per task: checkpoints store embedding rows in id
//     order.
//   - For one generator state, Task.Sample gives one problem:
//     SampleSeed(t, seed) is the problem of seed.
//   - len(Problem.Answer()) is the number of latent steps; the prompt's last
//     token opens the answer.
//
// # Adding a task
//
// See docs/EXTENDING.md: a sub-package with Task, Problem and Vocab, a
// registration, one line in tasks/all, and the task's panel in views.
package tasks
