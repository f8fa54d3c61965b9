// Package nn is jrx's numerical floor: float32 kernels and layers written as
// forward/backward pairs over flat row-major buffers, the matmul backends,
// attention with a KV cache, norms, losses, AdamW with a warm-up + cosine
// schedule, one contiguous parameter buffer with named views, and safetensors
// checkpoint I/O.
//
// # Overview
//
// Every layer is a pair of plain functions, FooForward and FooBackward, in the
// style of llm.c: forward writes its output and caches what backward needs in
// buffers owned by the caller; backward *accumulates* into parameter
// gradients and writes (or accumulates, as documented) the input gradient.
// Shapes are given as ints and documented as comments (e.g. x [N×d]).
// Matrices are stored in×out, as in docs/MODEL.md: y = x·W.
//
// A Stack runs whole sequences (Forward on StackActs from NewActs, or the
// lean forward-only NewInferActs that evaluations use), one position of one
// sequence at a time (Step on a KVCache), or one position of B sequences in
// lockstep (StepBatch on a BatchKVCache, after PrefillBatch); the stepping
// paths give Forward's last rows (Step to float32 rounding, StepBatch bit
// for bit on the pure-Go kernels).
//
// # Invariants
//
//   - Wrong shapes are programmer errors and panic; bad user input (files,
//     checkpoints) returns errors.
//   - The same inputs and the same GOMAXPROCS give bit-identical results:
//     parallel kernels split work by output rows, never by reduction index.
//   - Fast kernels are checked against naive reference kernels, and every
//     layer against float64 central finite differences.
//
// # Aliasing
//
// Outputs must not alias inputs unless a function says so.
package nn
