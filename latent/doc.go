// Package latent is the Reasoner: the Transformer stack with the hybrid
// RMSNorm/L2 output, latent feedback, and the EMA target table, plus
// hypersphere math (docs/MODEL.md is the normative math).
//
// # Overview
//
// A Reasoner is a token embedding E [V×d], a stack of pre-norm blocks with
// a final RMSNorm (nn.Stack), and the target table Ē [V×d]. Its output at a
// position is h; its latent is r = L2(h) = h/‖h‖, a point on the unit
// sphere. The prompt enters as rows of E; each latent r_t is fed back as the
// next input c·r_t (Config.FeedbackScale), which gives r_{t+1}. The same
// struct without a target table is the coupled baseline's network (package
// baseline), and Config is stored as JSON in every checkpoint.
//
// Training passes run on a Work (NewWork; reused, no garbage per step):
//
//	loss, loss2 := r.TokenLoss(wk, in, tgt, tgt2, w, w2, B, T) // stage 1: tied-head cross-entropy (+ two-ahead head)
//	loss := r.SSTLoss(wk, in, tgt, w, B, T)                    // stage 2: k·(1 − cos(r, Ē[tgt]))
//	r.UpdateTarget()                                           // after each optimiser step of SST
//
// Both accumulate into r.P's gradients; the optimiser (nn.AdamW) updates
// r.P. Inference runs on a Stepper (NewStepper), one position at a time on a
// KV cache: FeedTokens for the prompt, then Latent and FeedLatent in turn;
// FreeRun does exactly that for a whole answer, FreeRunBatch the same for a
// batch with full-sequence passes (the Talkers' training data).
//
// # The EMA target table
//
// Ē is what SST pulls latents towards and what read-outs compare them with.
// It is not a trained tensor: it lives outside the ParamSet (Reasoner.Target),
// so neither gradients nor the optimiser ever touch it. ResetTarget sets
// Ē = E at the start of SST; UpdateTarget applies Ē ← m·Ē + (1 − m)·E
// (m = Config.EMA) once per step. It is saved as "target_embed"; the
// training-only two-ahead head ("mtp") is never saved.
//
// # Invariants
//
//   - Latents are unit length: r = h/max(‖h‖, 1e-12), computed in float64
//     and stored in float32 (‖r‖ = 1 to float32 rounding whenever h ≠ 0).
//   - The Reasoner never reads a sampled token: after the prompt its only
//     inputs are its own latents. Nothing a Talker or a baseline emits, and
//     no token forced into them, can reach it; this is the error-containment
//     property the engine checks bit for bit.
//   - Stepper.Truncate(n) restores the state after n positions exactly.
//   - The same weights, inputs and GOMAXPROCS give bit-identical numbers.
//     FeedTokens into an empty Stepper is one batched prefill, which agrees
//     with feeding the tokens one at a time (FreeRun's path) to float32
//     rounding, not bit for bit; each path on its own is reproducible.
//   - Wrong shapes panic (programmer error); checkpoints and token ids from
//     outside return errors.
//
// # Concurrency
//
// A Reasoner's weights are read-only during inference: any number of
// Steppers may run on one Reasoner in different goroutines. A Stepper, a
// Work and the training passes (which write r.P's gradients) are for one
// goroutine at a time.
//
// # Aliasing
//
// Stepper.H and TokenLogits return views into buffers that the next call
// overwrites; copy what you keep. Reasoner.Embed is r.P's E itself.
package latent
