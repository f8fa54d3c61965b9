package tasks

import "fmt"

// Batch is a padded batch of problem sequences (prompt then answer) with
// the targets and loss weights of MODEL.md. Arrays are row-major [B×T]:
// element (b, i) is at b*T + i. The comments use the tree task's words; for
// any task "[ROUTE]" is the prompt's last token and "the route and [EOS]"
// is the answer.
//
// For row b with sequence x_0 … x_{L−1} (Prompt then Answer, L = SeqLen[b],
// x_{L−1} = [EOS]) and R = RouteStart[b] (the index of [ROUTE]):
//
//	Inputs[i]   = x_i       for i < L−1, else [PAD]   ([EOS] is never an input)
//	Targets[i]  = x_{i+1}   for i < L−1, else [PAD]
//	Targets2[i] = x_{i+2}   for i < L−2, else [PAD]   (two-ahead head)
//	W1[i]       = 1         for i < R                 (predicting edges, commas, [ROOT] r [TARGET] t [ROUTE])
//	            = routeWeight for R ≤ i ≤ L−2         (predicting the route nodes and [EOS])
//	            = 0         for i ≥ L−1               (padding)
//	W2[i]       = W1[i] where Targets2[i] ≠ [PAD], else 0 (so W2[L−2] = 0)
//	WSST[i]     = 1         for R ≤ i ≤ L−2, else 0   (stage 2: the positions
//	                                                  whose inputs are [ROUTE], the
//	                                                  route nodes but the last)
//
// So the route-and-EOS block is len(route)+1 positions, R … L−2, in both
// stages; its first position has input [ROUTE] and target the root, its
// last has input the target and target [EOS]. The weights are raw: how the
// loss is normalised (sum of weights, count of non-padding positions) is
// the trainer's choice.
type Batch struct {
	B, T     int
	Inputs   []int
	Targets  []int
	Targets2 []int
	W1       []float32 // stage-1 weights for Targets
	W2       []float32 // stage-1 weights for Targets2 (W1 masked where Targets2 is padding)
	WSST     []float32 // stage-2 (SST) weights
	// Per row: PromptLen = R+1 (tokens through [ROUTE]), RouteStart = R,
	// SeqLen = L (whole sequence with [EOS]), RouteLen = nodes on the route.
	PromptLen  []int
	RouteStart []int
	SeqLen     []int
	RouteLen   []int
}

// MakeBatch lays problems out as a Batch (pad is the vocabulary's [PAD]). T = 0 means the batch's own length,
// max(SeqLen) − 1 (50 for depth-4 leaf targets); a larger T pads with
// [PAD]; a T too short for a row panics (a truncated route would silently
// change the task). v may be nil.
func MakeBatch(problems []Problem, pad int, T int, routeWeight float32) *Batch {
	need := 0
	seqs := make([][]int, len(problems))
	prompts := make([]int, len(problems))
	for b, p := range problems {
		pr := p.Prompt()
		prompts[b] = len(pr)
		seqs[b] = append(pr, p.Answer()...)
		need = max(need, len(seqs[b])-1)
	}
	if T == 0 {
		T = need
	}
	if T < need {
		panic(fmt.Sprintf("tasks: MakeBatch: T = %d is shorter than the longest row, which needs %d", T, need))
	}
	B := len(problems)
	bt := &Batch{
		B: B, T: T,
		Inputs: make([]int, B*T), Targets: make([]int, B*T), Targets2: make([]int, B*T),
		W1: make([]float32, B*T), W2: make([]float32, B*T), WSST: make([]float32, B*T),
		PromptLen: make([]int, B), RouteStart: make([]int, B), SeqLen: make([]int, B), RouteLen: make([]int, B),
	}
	for b, x := range seqs {
		L := len(x)
		R := prompts[b] - 1 // index of the prompt's last token ([ROUTE])
		bt.SeqLen[b], bt.RouteStart[b], bt.PromptLen[b], bt.RouteLen[b] = L, R, R+1, L-R-2
		row := b * T
		for i := 0; i < T; i++ {
			k := row + i
			bt.Inputs[k], bt.Targets[k], bt.Targets2[k] = pad, pad, pad
			if i >= L-1 {
				continue
			}
			bt.Inputs[k], bt.Targets[k] = x[i], x[i+1]
			w := float32(1)
			if i >= R {
				w = routeWeight
				bt.WSST[k] = 1
			}
			bt.W1[k] = w
			if i+2 < L {
				bt.Targets2[k] = x[i+2]
				bt.W2[k] = w
			}
		}
	}
	return bt
}
