// Package talker holds the Mono-Talker and the Dual-Talker, which turn a
// latent trajectory into tokens. The Reasoner never reads their output.
//
// # Overview
//
// Both read the Reasoner's unit latents r_1 … r_T (one per answer token)
// and emit one token per latent; docs/MODEL.md gives their exact math.
//
//   - Mono: causal blocks over the trajectory, a final RMSNorm and an untied
//     head (NameHead). Token t reads r_1 … r_t only and never a token.
//     Read decodes a whole trajectory; a MonoStepper (NewStepper) reads one
//     latent at a time on a KV cache, as the engine's lockstep lane does.
//   - Dual: an encoder (causal blocks and its own final norm) turns the
//     trajectory into a memory M; an autoregressive decoder with its own
//     embedding (NameDecEmbed), causal self-attention over its previous
//     tokens and cross-attention to M emits the tokens, starting from the
//     task's [BOS] (Config.BOS). Decode decodes greedily, with forced tokens
//     at chosen steps; a Reader (NewReader) does the same for a trajectory
//     that grows one latent at a time, settling most decodings in one
//     batched pass.
//
// Training: Loss computes the cross-entropy of a batch of trajectories and
// accumulates gradients into the Talker's P (Mono.Loss, Dual.Loss, on a
// MonoWork or DualWork); Logits is the forward pass only. Save and LoadMono,
// LoadDual write and read the checkpoints (formats FormatMono, FormatDual).
//
// # Invariants
//
//   - A Talker never feeds anything back into the Reasoner: forcing or
//     changing its tokens cannot change a latent.
//   - The Mono-Talker is causal in the latents: its token at step t does not
//     depend on r_{t+1} … r_T. It reads no token, so nothing can be forced
//     into it.
//   - The Dual-Talker's forced tokens stay in its output, and its later
//     tokens read them. Its token at step t cross-attends to the whole
//     memory, so a longer trajectory may change earlier tokens: the engine
//     treats it as a lane that revises.
//   - Reader.Decode gives Dual.Decode's tokens: its batched pass is
//     accepted only when it is a fixed point of greedy decoding (so the
//     hint decides how fast, not what), otherwise it decodes token by token.
//     MonoStepper.Next gives Read's tokens one at a time; Truncate restores
//     a stepper's state exactly.
//   - The same weights, trajectory and GOMAXPROCS give the same tokens.
//
// # Concurrency
//
// A Mono or Dual is read-only during inference and may be shared; a
// MonoStepper, a Reader, and the Work buffers are for one goroutine at a
// time (the engine gives each session its own).
//
// # Aliasing
//
// MonoStepper.Next returns logits in a buffer that its next call
// overwrites, and Logits a view into its Work.
package talker
