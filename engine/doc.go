// Package engine runs sessions: it loads a model set, prefills a prompt,
// steps the Reasoner one latent at a time, runs the other lanes in lockstep,
// injects errors, steps back, records and replays. It returns immutable
// snapshots and never imports Bubble Tea.
//
// # Overview
//
// A Set is a model set: the Reasoner with its EMA target table, the Mono-
// and Dual-Talker, the coupled baseline, each file's SHA-256 and metadata,
// and the task the set was trained on (Set.Task, built from the recipe in
// the Reasoner's metadata). LoadDir, LoadFS, LoadEmbedded and Load read one;
// the file names are FileReasoner, FileBaseline, FileMono and FileDual.
//
//	set, err := engine.LoadEmbedded()
//	p := engine.NewProblem(set.Task, 7)               // or ParseProblem(set.Task, text, seed)
//	s, err := engine.NewSession(set, p, inj, engine.Options{})
//	snap, err := s.Step()                             // one latent step, every lane
//	err = s.Back()                                    // undo it exactly
//	sum := s.Summary()                                // per lane: tokens, forced marks, verdict
//
// A Session holds one problem and a list of injections (ParseInjection,
// ForceToken; the grammar is Grammar). Step takes one latent step and
// returns its *Snapshot; Back, Reset, JumpTo and RunToEnd move along the
// steps; WithInjections starts a session on the same problem with other
// injections at the same step. A session with injections keeps the clean
// run (same problem, none) beside it: Clean, Snapshot.LatentChange and the
// verdicts compare with it.
//
// Record, WriteRecord, ReadRecord and Replay save a session and re-run it,
// checking every latent bit for bit. Containment runs the token-error
// experiment and the corruption and noise sweeps of jrx eval containment.
//
// # Lanes
//
// A lane is one model's output, one token per step. Set.Lanes lists them in
// display order with what each is (LaneInfo): the Reasoner's read-out (the
// nearest target-table token to the latent; KindReadout), the Talkers
// (KindTalker), the coupled baseline (KindCoupled). Snapshot.Lanes holds
// every lane's LaneStep at that step, in that order; LaneTokens reads one
// lane's tokens out of a run of snapshots (for a lane that revises its
// earlier tokens, the Dual-Talker, the last step's whole output) and is the
// one reader the summary, the views and the experiments share. An injection
// of Kind Force names the lane it forces by LaneInfo.Inject ("talker",
// "baseline"); Injection.Reaches says which lanes an injection can change.
// docs/EXTENDING.md lists the places a new lane touches.
//
// # Invariants
//
//   - Token injections leave the latents bit-identical: the Reasoner never
//     reads a token any lane produced, so forcing a lane's token changes that
//     lane (and nothing else) while every latent equals the clean run's bit
//     for bit; Summary reports the Reasoner's MaxLatentChange as exactly 0.
//   - Back is exact: it truncates every KV cache to the state before the
//     step, so Back then Step gives the same snapshot bit for bit, and
//     JumpTo(t) equals stepping t times from the start.
//   - The same set, problem, injections and GOMAXPROCS give the same
//     numbers; noise and input corruption are seeded by the problem's seed.
//     Replay checks it for a recorded session.
//   - A snapshot is a value: the engine never changes one after handing it
//     out, so rendering it twice gives the same screen.
//   - User input (problem text, injection specs, files) gives errors, never
//     panics; a failed Step leaves the session as it was before it.
//
// # Concurrency
//
// A Session is not safe for concurrent use: one goroutine at a time drives
// it. Internally a Step runs the lanes that do not read latents on another
// goroutine and waits for them before it returns. A Set is read-only after
// loading and may be shared by sessions in different goroutines
// (Containment runs GOMAXPROCS of them on one Set).
//
// # Aliasing
//
// A Snapshot's slices (Latent, the read-outs, Lanes and their SoFar) are
// shared with the session that made it and with every caller that holds it:
// read them, never write them. Session.Snapshots, Prompt, Answer and
// Injections return fresh slices; the snapshots they point to are shared.
package engine
