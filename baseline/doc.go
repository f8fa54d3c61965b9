// Package baseline holds the models a JEPA-Reasoner is compared with, both
// built on the Reasoner's token network (latent.Reasoner without a target
// table) and nn's stack, KV cache and tied head:
//
//   - Model, the coupled Transformer T: greedy next-token decoding with its
//     own tokens fed back into its context.
//   - Coconut, COCONUT (C, docs/MODEL.md "COCONUT (C)"): after the prompt
//     and [BOT], continuous thoughts (the final-norm output h at the
//     position before, fed back raw as the next input), then [EOT] and
//     greedy tokens. Training lays a batch out at a curriculum stage s (the
//     first s answer symbols replaced by s thoughts; loss on the remaining
//     symbols only) and back-propagates through the thoughts.
//
// The task owns the vocabulary: the [BOT]/[EOT] ids and the token sequences
// are parameters, never constants here.
//
// Invariants: a forced token stays in the decoder's context; a COCONUT
// decoder feeds thoughts only between [BOT] and [EOT] and tokens only after
// [EOT]; Truncate restores a decoder's state exactly. Loss over a layout
// computes every thought from the same stack as the final pass, so the
// float32 training forward and the KV-cache decoder agree to rounding.
//
// Example (COCONUT, k thoughts then 4 tokens, with noise on each thought):
//
//	c, err := baseline.NewCoconut(t0, bot, eot, 4)
//	tr, err := c.Decode(prompt, c.Thoughts, 4, func(j int, th []float32) { addNoise(th) }, nil)
//	// tr.Thoughts[j] is thought j as fed, tr.Tokens the symbols after [EOT].
//
// Training step at stage s:
//
//	lay, err := c.Layout(baseline.CoconutBatch{Prompts: ps, Answers: as, Stage: s})
//	c.Net.P.ZeroGrad()
//	loss := c.Loss(wk, lay, true) // gradients in c.Net.P's Grad
//
// Example and ExampleCoconut_Decode (example_test.go) run these on the
// shipped baseline's network.
//
// Concurrency: a Model or Coconut is read-only while decoding and may be
// shared; a Decoder, a CoconutDecoder and a CoconutWork are for one
// goroutine at a time. CoconutDecoder.H and Logits are views that its next
// call overwrites.
package baseline
