package nn

import (
	"fmt"
	"math"
	"sort"
)

// AdamWConfig holds AdamW's hyper-parameters.
//
// Defaults (DefaultAdamWConfig): Beta1 0.9, Beta2 0.95 (the usual choice for
// small transformers trained for few steps; 0.999 adapts more slowly),
// Eps 1e-8, WeightDecay 0.1, ClipNorm 1.0. ClipNorm <= 0 disables clipping.
type AdamWConfig struct {
	Beta1, Beta2, Eps, WeightDecay, ClipNorm float32
}

// DefaultAdamWConfig returns the documented defaults.
func DefaultAdamWConfig() AdamWConfig {
	return AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1.0}
}

// AdamW is the AdamW optimiser over one ParamSet.
//
// M and V are one contiguous buffer each, laid out like ParamSet.Data; T is
// the number of steps taken. Together with Data they are the whole optimiser
// state: saving and restoring them resumes training bit-exactly.
type AdamW struct {
	Cfg  AdamWConfig
	M, V []float32
	T    int

	p      *ParamSet
	ranges []adamRange // one per tensor, declaration order
}

type adamRange struct {
	off, n int
	decay  bool // weight decay applies (tensor has >= 2 dims)
	frozen bool // excluded from the update and the gradient norm
}

// NewAdamW returns an optimiser for p (after p.Alloc) with zeroed moments.
func NewAdamW(p *ParamSet, cfg AdamWConfig) *AdamW {
	p.mustAlloc()
	o := &AdamW{Cfg: cfg, p: p, M: make([]float32, p.total), V: make([]float32, p.total)}
	for _, name := range p.names {
		e := p.entries[name]
		o.ranges = append(o.ranges, adamRange{off: e.off, n: e.n, decay: len(e.shape) >= 2})
	}
	return o
}

// Freeze excludes the named tensors from every later Step: they are neither
// updated nor decayed, and their gradients do not count in the clipping norm
// (a tensor a stage keeps fixed while training the others; the Reasoner's
// EMA target table is not in its ParamSet and needs no freezing). It panics
// on an unknown name.
func (o *AdamW) Freeze(names ...string) {
	for _, name := range names {
		off, _ := o.p.offset(name)
		found := false
		for i := range o.ranges {
			if o.ranges[i].off == off {
				o.ranges[i].frozen = true
				found = true
			}
		}
		if !found {
			panic(fmt.Sprintf("nn: AdamW.Freeze: %q not found", name))
		}
	}
}

// GradNorm returns the global L2 norm of the gradients of all trained
// (non-frozen) tensors, accumulated in float64 in buffer order.
func (o *AdamW) GradNorm() float32 {
	g := o.p.grad
	var s float64
	for _, r := range o.ranges {
		if r.frozen {
			continue
		}
		for _, v := range g[r.off : r.off+r.n] {
			s += float64(v) * float64(v)
		}
	}
	return float32(math.Sqrt(s))
}

// Step applies one AdamW update with learning rate lr and returns the global
// gradient norm before clipping. The gradients in the ParamSet are read, not
// zeroed. Per element, with g scaled by min(1, ClipNorm/norm):
//
//	m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//	w = w·(1 − lr·wd)     (tensors with ≥ 2 dims only; decoupled decay)
//	w = w − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps)
//
// (the PyTorch AdamW order). A non-finite norm skips the step, leaving
// everything (T too) unchanged, and is returned so the caller can notice.
func (o *AdamW) Step(lr float32) (gradNorm float32) {
	norm := o.GradNorm()
	if math.IsNaN(float64(norm)) || math.IsInf(float64(norm), 0) {
		return norm
	}
	o.T++
	scale := float32(1)
	if c := o.Cfg.ClipNorm; c > 0 && norm > c {
		scale = c / norm
	}
	b1, b2 := o.Cfg.Beta1, o.Cfg.Beta2
	bc1 := float32(1 - math.Pow(float64(b1), float64(o.T)))
	bc2 := float32(1 - math.Pow(float64(b2), float64(o.T)))
	eps := o.Cfg.Eps
	w, g := o.p.data, o.p.grad
	// Elementwise, so splitting over goroutines changes no bits: one
	// parallel loop over the trained tensors end to end (a loop per tensor
	// left the small ones, most of them, on one thread).
	type seg struct {
		off, n, at int // at: the segment's first index in the loop
		decay      float32
	}
	segs := make([]seg, 0, len(o.ranges))
	total := 0
	for _, r := range o.ranges {
		if r.frozen || r.n == 0 {
			continue
		}
		decay := float32(1)
		if r.decay {
			decay = 1 - lr*o.Cfg.WeightDecay
		}
		segs = append(segs, seg{off: r.off, n: r.n, at: total, decay: decay})
		total += r.n
	}
	lyParFor(total, 32768, func(lo, hi int) {
		k := sort.Search(len(segs), func(k int) bool { return segs[k].at+segs[k].n > lo })
		for ; k < len(segs) && segs[k].at < hi; k++ {
			sg := segs[k]
			a, b := max(lo, sg.at)-sg.at, min(hi, sg.at+sg.n)-sg.at
			ws := w[sg.off+a : sg.off+b]
			gs := g[sg.off+a : sg.off+b]
			ms := o.M[sg.off+a : sg.off+b]
			vs := o.V[sg.off+a : sg.off+b]
			decay := sg.decay
			k := [10]float32{scale, b1, 1 - b1, b2, 1 - b2, bc1, bc2, decay, lr, eps}
			for i := adamwArch(ws, gs, ms, vs, &k); i < len(ws); i++ {
				gi := gs[i] * scale
				m := b1*ms[i] + (1-b1)*gi
				v := b2*vs[i] + (1-b2)*gi*gi
				ms[i], vs[i] = m, v
				mh := m / bc1
				vh := v / bc2
				ws[i] = ws[i]*decay - lr*mh/(float32(math.Sqrt(float64(vh)))+eps)
			}
		}
	})
	return norm
}

// Schedule is a learning-rate schedule: linear warm-up from Peak/Warmup to
// Peak over steps 0…Warmup−1, then cosine decay from Peak (at step Warmup)
// to Min (at step Total and after). Steps count from 0.
type Schedule struct {
	Peak, Min     float32
	Warmup, Total int
}

// LR returns the learning rate for the given step (0-based).
func (s Schedule) LR(step int) float32 {
	if step < 0 {
		step = 0
	}
	if step < s.Warmup {
		return s.Peak * float32(step+1) / float32(s.Warmup)
	}
	if step >= s.Total || s.Total <= s.Warmup {
		if step < s.Total {
			return s.Peak
		}
		return s.Min
	}
	prog := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	c := 0.5 * (1 + math.Cos(math.Pi*prog))
	return s.Min + float32(c)*(s.Peak-s.Min)
}
