// Package train runs the training stages (pretrain, SST with the EMA
// target, Talkers, baseline continuation): schedules, checkpointing and
// resume, and progress events at a bounded rate.
//
// # Overview
//
// A Recipe is everything that determines a run: the task and its settings,
// the model shapes, optimiser settings and step counts of every stage, and
// the seed (TreeRecipe and TinyRecipe are the measured defaults; see
// docs/TRAINING.md). A Trainer runs it into a directory:
//
//	err := (&train.Trainer{Recipe: train.TreeRecipe(4), Dir: "out", Progress: show}).Run(ctx)
//
// The stages run in order, each an AdamW loop with warm-up and cosine decay:
//
//  1. pretrain: the token network with a tied head and the two-ahead head,
//     on the task's pretraining problems (FilePretrain);
//  2. sst: the Reasoner from the pretrained weights, with the cosine loss to
//     the EMA target table, updated after every optimiser step;
//  3. baseline: the coupled Transformer T, the pretrained network trained on
//     with stage 1's loss for as many steps as SST took;
//  4. mono and dual: the Talkers on the finished Reasoner's free-run latents
//     (the Reasoner is frozen; its batches are computed once and shared).
//
// The output directory then holds a model set (the files of
// internal/modelfiles, which engine.LoadDir reads) with the recipe and the
// final evaluation in every file's metadata, eval.json, and one state file
// per stage (STAGE.state.safetensors). With the recipe's SSTCurveEvery it
// also holds SST's learning curve (FileSSTCurve: the correct major
// contributor rate against SST steps; ReadSSTCurve reads it, KSweep
// compares the curves of runs that differ in the loss scale k).
//
// # Invariants
//
//   - Bit-reproducible: the same recipe (seed included), the same thread
//     count (GOMAXPROCS) and the same matmul kernel (nn.KernelName) give
//     byte-identical model files. Every step's data comes from a generator
//     seeded by (seed, stage, step) alone, and nn's kernels never split a
//     reduction across threads.
//   - Resumable: each stage writes its state (weights, AdamW's moments and
//     step count, the EMA target table, the next step) periodically
//     (SaveEvery), at its end, and when the context is cancelled; Run then
//     returns ctx.Err(). With Resume a stage continues from its state and a
//     finished stage is loaded, not re-run, so an interrupted and resumed run
//     writes the same bytes as an uninterrupted one. A state file saved
//     with another recipe is refused.
//   - Every file is written to a temporary file and renamed into place.
//   - Progress gets at most one Event per stage per ProgressEvery (default
//     1 s), plus one at each stage's end and at each evaluation.
//
// # Concurrency
//
// A Trainer runs one stage at a time; its kernels use GOMAXPROCS threads.
// Progress is called on Run's goroutine and must not block for long. A
// Trainer is for one Run at a time.
package train
