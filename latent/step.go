package latent

import (
	"math"

	"jrx/nn"
)

// Work holds the buffers of one training pass over batches of up to B
// sequences of length T. It is allocated once and reused, so a training step
// makes no garbage.
type Work struct {
	B, T                int
	acts                *nn.StackActs
	x, dx, dh           []float32 // [B·T×d]
	logits, probs, dlog []float32 // [B·T×V]
	h2, dh2             []float32 // two-ahead head hidden [B·T×d]
	r, dr, tgt          []float32 // SST latents, their gradient, targets [B·T×d]
	norms               []float32 // pre-L2 norms [B·T]
}

// NewWork allocates buffers for batches of up to maxB×maxT.
func (r *Reasoner) NewWork(maxB, maxT int) *Work {
	n, d, v := maxB*maxT, r.Cfg.D, r.Cfg.Vocab
	return &Work{
		B: maxB, T: maxT, acts: r.Net.NewActs(maxB, maxT),
		x: make([]float32, n*d), dx: make([]float32, n*d), dh: make([]float32, n*d),
		logits: make([]float32, n*v), probs: make([]float32, n*v), dlog: make([]float32, n*v),
		h2: make([]float32, n*d), dh2: make([]float32, n*d),
		r: make([]float32, n*d), dr: make([]float32, n*d), tgt: make([]float32, n*d),
		norms: make([]float32, n),
	}
}

// NewEvalWork allocates forward-only buffers for batches of up to maxB×maxT
// (nn.Stack.NewInferActs: the same bits in a fraction of the memory): enough
// for TokenLogits and FreeRunBatch; the training losses panic on them.
func (r *Reasoner) NewEvalWork(maxB, maxT int) *Work {
	n, d, v := maxB*maxT, r.Cfg.D, r.Cfg.Vocab
	return &Work{B: maxB, T: maxT, acts: r.Net.NewInferActs(maxB, maxT),
		x: make([]float32, n*d), logits: make([]float32, n*v)}
}

func (w *Work) check(B, T int) {
	if B > w.B || T > w.T {
		panic("latent: batch larger than the Work buffers")
	}
}

func gather(out, table []float32, ids []int, d int) {
	for i, id := range ids {
		copy(out[i*d:(i+1)*d], table[id*d:(id+1)*d])
	}
}

func scatterAdd(dtable, dout []float32, ids []int, d int) {
	for i, id := range ids {
		g := dtable[id*d : (id+1)*d]
		for j, v := range dout[i*d : (i+1)*d] {
			g[j] += v
		}
	}
}

func zero(s []float32) { clear(s) }

// TokenLoss runs stage 1 (token pretraining, also the coupled baseline's
// training) on a batch: forward, tied-head cross-entropy against targets
// with weights w, plus the two-ahead head against targets2 (weights w2) times
// Cfg.MTPWeight when the network has it; then backward, accumulating into
// r.P's gradients. It returns the main loss and the two-ahead loss.
func (r *Reasoner) TokenLoss(wk *Work, inputs, targets, targets2 []int, w, w2 []float32, B, T int) (loss, loss2 float32) {
	return r.TokenLossScaled(wk, inputs, targets, targets2, w, w2, B, T, 1)
}

// TokenLossScaled is TokenLoss with every gradient multiplied by scale
// (the losses it returns are not): a micro-batch's share of a batch whose
// gradient is accumulated over several calls (scale = its loss weight ÷
// the batch's).
func (r *Reasoner) TokenLossScaled(wk *Work, inputs, targets, targets2 []int, w, w2 []float32, B, T int, scale float32) (loss, loss2 float32) {
	wk.check(B, T)
	n, d, v := B*T, r.Cfg.D, r.Cfg.Vocab
	E, dE := r.P.W(NameEmbed), r.P.G(NameEmbed)
	x, dx, dh := wk.x[:n*d], wk.dx[:n*d], wk.dh[:n*d]
	logits, probs, dlog := wk.logits[:n*v], wk.probs[:n*v], wk.dlog[:n*v]

	gather(x, E, inputs, d)
	h := r.Net.Forward(wk.acts, x, B, T)
	nn.TiedHeadForward(logits, h, E, n, d, v)
	loss = nn.CrossEntropyForward(probs, logits, targets, w, n, v)
	zero(dlog)
	nn.CrossEntropyBackward(dlog, probs, targets, w, n, v, scale)
	zero(dh)
	nn.TiedHeadBackward(dh, dE, dlog, h, E, n, d, v)

	if r.P.Has(NameMTP) && r.Cfg.MTPWeight > 0 && targets2 != nil {
		Wm, dWm := r.P.W(NameMTP), r.P.G(NameMTP)
		h2, dh2 := wk.h2[:n*d], wk.dh2[:n*d]
		nn.Sgemm(false, false, n, d, d, 1, h, d, Wm, d, 0, h2, d)
		nn.TiedHeadForward(logits, h2, E, n, d, v)
		loss2 = nn.CrossEntropyForward(probs, logits, targets2, w2, n, v)
		zero(dlog)
		nn.CrossEntropyBackward(dlog, probs, targets2, w2, n, v, r.Cfg.MTPWeight*scale)
		zero(dh2)
		nn.TiedHeadBackward(dh2, dE, dlog, h2, E, n, d, v)
		nn.Sgemm(true, false, d, d, n, 1, h, d, dh2, d, 1, dWm, d) // dWm += hᵀ·dh2
		nn.Sgemm(false, true, n, d, d, 1, dh2, d, Wm, d, 1, dh, d) // dh += dh2·Wmᵀ
	}

	zero(dx)
	r.Net.Backward(wk.acts, dh, dx)
	scatterAdd(dE, dx, inputs, d)
	return loss, loss2
}

// SSTLoss runs stage 2 on a batch: latents r_i = L2(h_i), loss
// k·(1 − cos(r_i, Ē[targets_i])) weighted by w (the task's SST mask), then
// backward into r.P's gradients (Ē gets none).
func (r *Reasoner) SSTLoss(wk *Work, inputs, targets []int, w []float32, B, T int) float32 {
	wk.check(B, T)
	x := wk.x[:B*T*r.Cfg.D]
	gather(x, r.P.W(NameEmbed), inputs, r.Cfg.D)
	return r.sstFromX(wk, x, inputs, targets, w, nil, nil, B, T, 1)
}

// SSTLossFed is SSTLoss with the network's own latents as inputs where
// free-running inference has them (docs/MODEL.md, "Self-fed SST"): in row
// b the positions from[b] … to[b]−1 take c·r_{i−1}, the latent of the
// position before, instead of the token's embedding. The latents come from
// passes no-gradient passes over the batch (Jacobi sweeps: the first pass
// teacher-forced, each further one fed by the one before), so the first
// passes fed positions of a row carry exactly the free-running latents; the
// loss pass then runs on the fed inputs, and its gradient treats them as
// constants (no gradient through a fed latent, none to E at a fed
// position). passes = 0 is SSTLoss.
//
// boost (nil: none) leans each fed input toward the token it replaces:
// the fed input at (b, i) is c·L2(r_{i−1} + β·Ē[x_i]/‖Ē[x_i]‖) with
// β = boost[b·T+i], so the true token is the mixture's major contributor by
// a margin the caller draws ("major-contributor" self-fed SST,
// docs/MODEL.md). With major, β is that draw plus the least weight that
// makes x_i the nearest row of Ē (by cosine) to the fed input, so every fed
// input's nearest token is the one the sentence goes on with.
func (r *Reasoner) SSTLossFed(wk *Work, inputs, targets []int, w []float32, from, to []int, passes int, boost []float32, major bool, B, T int) float32 {
	return r.SSTLossFedScaled(wk, inputs, targets, w, from, to, passes, boost, major, B, T, 1)
}

// SSTLossFedScaled is SSTLossFed with every gradient multiplied by scale
// (the loss it returns is not), as TokenLossScaled.
func (r *Reasoner) SSTLossFedScaled(wk *Work, inputs, targets []int, w []float32, from, to []int, passes int, boost []float32, major bool, B, T int, scale float32) float32 {
	wk.check(B, T)
	d := r.Cfg.D
	n := B * T
	x, lat := wk.x[:n*d], wk.r[:n*d]
	gather(x, r.P.W(NameEmbed), inputs, d)
	if passes <= 0 {
		return r.sstFromX(wk, x, inputs, targets, w, nil, nil, B, T, scale)
	}
	var units, dots []float32
	if major {
		units = unitRows(r.Target, r.Cfg.Vocab, d)
		dots = make([]float32, r.Cfg.Vocab)
	}
	c := r.Cfg.FeedbackScale
	for range passes {
		h := r.Net.Forward(wk.acts, x, B, T)
		nn.L2NormForward(lat, h, wk.norms[:n], n, d)
		for b := range B {
			for i := max(from[b], 1); i < min(to[b], T); i++ {
				src := lat[(b*T+i-1)*d : (b*T+i)*d]
				dst := x[(b*T+i)*d : (b*T+i+1)*d]
				var beta float32
				if boost != nil {
					beta = boost[b*T+i]
				}
				tok := inputs[b*T+i]
				if major {
					beta += majorMargin(src, units, dots, tok, d)
				}
				if beta == 0 {
					for j, v := range src {
						dst[j] = c * v
					}
					continue
				}
				// dir·k is β times tok's unit row (the same bits as
				// before the major mode: k = β/‖row‖ on the raw row).
				dir, k := units, beta
				if major {
					dir = units[tok*d : (tok+1)*d]
				} else {
					dir = r.Target[tok*d : (tok+1)*d]
					var rn float64
					for _, v := range dir {
						rn += float64(v) * float64(v)
					}
					k = beta / float32(math.Sqrt(rn))
				}
				var nn2 float64
				for j, v := range src {
					dst[j] = v + k*dir[j]
					nn2 += float64(dst[j]) * float64(dst[j])
				}
				sc := c / float32(math.Sqrt(nn2))
				for j := range dst {
					dst[j] *= sc
				}
			}
		}
	}
	return r.sstFromX(wk, x, inputs, targets, w, from, to, B, T, scale)
}

// unitRows returns the V rows of the V×d table tab, each divided by its
// norm (a zero row stays zero).
func unitRows(tab []float32, V, d int) []float32 {
	out := make([]float32, V*d)
	for v := range V {
		unitRow(tab[v*d:(v+1)*d], out[v*d:(v+1)*d])
	}
	return out
}

// unitRow writes row/‖row‖ into dst and returns dst (a zero row: zeros).
func unitRow(row, dst []float32) []float32 {
	var rn float64
	for _, v := range row {
		rn += float64(v) * float64(v)
	}
	k := float32(0)
	if rn > 0 {
		k = float32(1 / math.Sqrt(rn))
	}
	for j, v := range row {
		dst[j] = k * v
	}
	return dst
}

// majorMargin is the least β ≥ 0 for which tok's unit row u_tok is the
// nearest unit row (by cosine) to s + β·u_tok, with a relative margin of
// 1e-3 so that rounding cannot tie: s·u_tok + β ≥ s·u_j + β·u_tok·u_j for
// every j, that is β ≥ (s·u_j − s·u_tok)/(1 − u_tok·u_j) where u_j is not
// parallel to u_tok. dots is scratch of length V.
func majorMargin(s, units, dots []float32, tok, d int) float32 {
	V := len(dots)
	for v := range V {
		var acc float32
		for j, u := range units[v*d : (v+1)*d] {
			acc += u * s[j]
		}
		dots[v] = acc
	}
	ut := units[tok*d : (tok+1)*d]
	var need float32
	for v := range V {
		if v == tok || dots[v] <= dots[tok] {
			continue
		}
		var cross float32
		for j, u := range units[v*d : (v+1)*d] {
			cross += u * ut[j]
		}
		gap := 1 - cross
		if gap < 1e-6 {
			continue // the same direction as tok: it can never be passed
		}
		need = max(need, (dots[v]-dots[tok])/gap)
	}
	if need == 0 {
		return 0
	}
	return need*1.001 + 1e-4
}

// sstFromX is SST's loss pass on the input vectors x [B·T×d]: forward,
// L2, cosine loss, backward; the input gradient goes to E at every
// position of each row except from[b] … to[b]−1 (fed latents; nil: every
// position).
func (r *Reasoner) sstFromX(wk *Work, x []float32, inputs, targets []int, w []float32, from, to []int, B, T int, scale float32) float32 {
	n, d := B*T, r.Cfg.D
	dE := r.P.G(NameEmbed)
	dx, dh := wk.dx[:n*d], wk.dh[:n*d]
	lat, dr, tgt, norms := wk.r[:n*d], wk.dr[:n*d], wk.tgt[:n*d], wk.norms[:n]

	h := r.Net.Forward(wk.acts, x, B, T)
	nn.L2NormForward(lat, h, norms, n, d)
	gather(tgt, r.Target, targets, d)
	loss := nn.CosineLossForward(lat, tgt, w, n, d, r.Cfg.K)
	zero(dr)
	nn.CosineLossBackward(dr, lat, tgt, w, n, d, r.Cfg.K, scale)
	zero(dh)
	nn.L2NormBackward(dh, dr, lat, norms, n, d)
	zero(dx)
	r.Net.Backward(wk.acts, dh, dx)
	if from != nil {
		for b := range B {
			lo, hi := max(from[b], 0), min(to[b], T)
			if lo < hi {
				zero(dx[(b*T+lo)*d : (b*T+hi)*d])
			}
		}
	}
	scatterAdd(dE, dx, inputs, d)
	return loss
}

// TokenLogits runs the token forward pass only and returns the logits
// [B·T×V] (a view into wk, valid until its next use). The baseline's
// teacher-forced evaluation uses it.
func (r *Reasoner) TokenLogits(wk *Work, inputs []int, B, T int) []float32 {
	wk.check(B, T)
	n, d, v := B*T, r.Cfg.D, r.Cfg.Vocab
	E := r.P.W(NameEmbed)
	x := wk.x[:n*d]
	gather(x, E, inputs, d)
	h := r.Net.Forward(wk.acts, x, B, T)
	nn.TiedHeadForward(wk.logits[:n*v], h, E, n, d, v)
	return wk.logits[:n*v]
}
