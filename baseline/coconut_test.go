package baseline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"jrx/latent"
	"jrx/nn"
)

// ---- an independent float64 COCONUT (docs/MODEL.md), plain loops ----
//
// Nothing here calls nn or the code under test: one sequence at a time,
// every thought computed by re-running the stack on the prefix before it.

type ref struct {
	W                map[string][]float64
	V, d, A, H, F, L int
	qk               bool
	base             float64
	bot, eot         int
	fixed            [][][]float64 // if set, thought j of problem b is fixed[b][j-1] (detached)
	thoughts         [][][]float64 // thoughts of the last run
	lossLogits       [][]float64   // logits at every loss position of the last run
	lossTargets      []int
}

func newRef(m *Coconut) *ref {
	c := m.Net.Cfg
	r := &ref{W: map[string][]float64{}, V: c.Vocab, d: c.D, A: c.A, H: c.Heads, F: c.F, L: c.Layers,
		qk: c.QKNorm, base: c.RopeBase, bot: m.BOT, eot: m.EOT}
	if r.base == 0 {
		r.base = 10000
	}
	for _, n := range m.Net.P.Names() {
		w := m.Net.P.W(n)
		f := make([]float64, len(w))
		for i, v := range w {
			f[i] = float64(v)
		}
		r.W[n] = f
	}
	return r
}

func (r *ref) rms(x, g []float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	den := math.Sqrt(ss/float64(len(x)) + 1e-6)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v / den * g[i]
	}
	return y
}

// vm returns x·W for x [in], W [in×out].
func vm(x, W []float64, out int) []float64 {
	y := make([]float64, out)
	for p, v := range x {
		for j := 0; j < out; j++ {
			y[j] += v * W[p*out+j]
		}
	}
	return y
}

// qkRope normalises (if on) and rotates each head of row at position pos.
func (r *ref) qkRope(row []float64, pos int) {
	dh := r.A / r.H
	for h := 0; h < r.H; h++ {
		seg := row[h*dh : (h+1)*dh]
		if r.qk {
			var mean, vr float64
			for _, v := range seg {
				mean += v
			}
			mean /= float64(dh)
			for _, v := range seg {
				vr += (v - mean) * (v - mean)
			}
			sd := math.Sqrt(vr/float64(dh) + 1e-6)
			for i := range seg {
				seg[i] = (seg[i] - mean) / sd
			}
		}
		for i := 0; i < dh/2; i++ {
			ang := float64(pos) * math.Pow(r.base, -2*float64(i)/float64(dh))
			a, b := seg[i], seg[i+dh/2]
			seg[i] = a*math.Cos(ang) - b*math.Sin(ang)
			seg[i+dh/2] = a*math.Sin(ang) + b*math.Cos(ang)
		}
	}
}

// stack runs the blocks and the final norm on one sequence u [T][d].
func (r *ref) stack(u [][]float64) [][]float64 {
	T, d, A, dh := len(u), r.d, r.A, r.A/r.H
	x := make([][]float64, T)
	for i := range u {
		x[i] = append([]float64(nil), u[i]...)
	}
	for l := 0; l < r.L; l++ {
		p := fmt.Sprintf("blocks.%d.", l)
		q, k, v := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for i := range x {
			xn := r.rms(x[i], r.W[p+"norm1"])
			q[i], k[i], v[i] = vm(xn, r.W[p+"wq"], A), vm(xn, r.W[p+"wk"], A), vm(xn, r.W[p+"wv"], A)
			r.qkRope(q[i], i)
			r.qkRope(k[i], i)
		}
		for i := range x {
			o := make([]float64, A)
			for h := 0; h < r.H; h++ {
				s := make([]float64, i+1)
				mx := math.Inf(-1)
				for j := 0; j <= i; j++ {
					for c := 0; c < dh; c++ {
						s[j] += q[i][h*dh+c] * k[j][h*dh+c]
					}
					s[j] /= math.Sqrt(float64(dh))
					mx = math.Max(mx, s[j])
				}
				var z float64
				for j := range s {
					s[j] = math.Exp(s[j] - mx)
					z += s[j]
				}
				for j := range s {
					for c := 0; c < dh; c++ {
						o[h*dh+c] += s[j] / z * v[j][h*dh+c]
					}
				}
			}
			ao := vm(o, r.W[p+"wo"], d)
			for c := range ao {
				x[i][c] += ao[c]
			}
		}
		for i := range x {
			xn := r.rms(x[i], r.W[p+"norm2"])
			g := vm(xn, r.W[p+"w1"], r.F)
			for c, t := range g {
				g[c] = 0.5 * t * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(t+0.044715*t*t*t)))
			}
			mo := vm(g, r.W[p+"w2"], d)
			for c := range mo {
				x[i][c] += mo[c]
			}
		}
	}
	for i := range x {
		x[i] = r.rms(x[i], r.W["final_norm"])
	}
	return x
}

func (r *ref) emb(tok int) []float64 {
	return append([]float64(nil), r.W["embed"][tok*r.d:(tok+1)*r.d]...)
}

// loss is the stage-s COCONUT loss of a batch: mean CE over every
// remaining answer symbol of every problem.
func (r *ref) loss(prompts, answers [][]int, s int) float64 {
	var sum float64
	cnt := 0
	r.thoughts, r.lossLogits, r.lossTargets = nil, nil, nil
	for b := range prompts {
		var u [][]float64
		for _, t := range prompts[b] {
			u = append(u, r.emb(t))
		}
		u = append(u, r.emb(r.bot))
		var th [][]float64
		for j := 1; j <= s; j++ {
			var t []float64
			if r.fixed != nil {
				t = r.fixed[b][j-1]
			} else {
				h := r.stack(u) // the prefix up to the position before thought j
				t = h[len(h)-1]
			}
			th = append(th, t)
			u = append(u, t)
		}
		r.thoughts = append(r.thoughts, th)
		u = append(u, r.emb(r.eot))
		e := len(u) - 1
		ans := answers[b]
		for _, t := range ans[s : len(ans)-1] {
			u = append(u, r.emb(t))
		}
		h := r.stack(u)
		for k := 0; k < len(ans)-s; k++ {
			z := make([]float64, r.V)
			mx := math.Inf(-1)
			for v := 0; v < r.V; v++ {
				for c := 0; c < r.d; c++ {
					z[v] += h[e+k][c] * r.W["embed"][v*r.d+c]
				}
				mx = math.Max(mx, z[v])
			}
			var zs float64
			for _, v := range z {
				zs += math.Exp(v - mx)
			}
			tgt := ans[s+k]
			sum += math.Log(zs) + mx - z[tgt]
			cnt++
			r.lossLogits = append(r.lossLogits, z)
			r.lossTargets = append(r.lossTargets, tgt)
		}
	}
	return sum / float64(cnt)
}

// ---- fixtures ----

const (
	tBOT = 5
	tEOT = 6
)

// tinyCoconut is a random 2-block d-8 COCONUT over 7 ids (0…4 symbols,
// 5 [BOT], 6 [EOT]). Matrices ~N(0, 0.35²), gains 1 + N(0, 0.2²), E ~N(0, 1).
func tinyCoconut(t testing.TB, qk bool, seed uint64) *Coconut {
	t.Helper()
	cfg := latent.Config{Format: latent.FormatReasoner, Vocab: 7, D: 8, A: 8, Heads: 2, F: 16, Layers: 2, Context: 24,
		QKNorm: qk, RopeBase: 100, FeedbackScale: 3, K: 4, EMA: 0.98, Stage: "pretrain"}
	net, err := latent.New(cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, n := range net.P.Names() {
		w := net.P.W(n)
		sh := net.P.Shape(n)
		for i := range w {
			switch {
			case n == latent.NameEmbed:
				w[i] = float32(rng.NormFloat64())
			case len(sh) == 1:
				w[i] = float32(1 + 0.2*rng.NormFloat64())
			default:
				w[i] = float32(0.35 * rng.NormFloat64())
			}
		}
	}
	c, err := NewCoconut(net, tBOT, tEOT, 3)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A batch of two problems of different lengths (so rows are padded and the
// thoughts sit at different positions).
var (
	tPrompts = [][]int{{0, 1, 2, 3}, {4, 2}}
	tAnswers = [][]int{{1, 3, 0, 4}, {2, 2, 1, 0}}
)

func relMax(got []float32, want []float64) float64 {
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i, w := range want {
		worst = math.Max(worst, math.Abs(float64(got[i])-w))
	}
	return worst / math.Max(scale, 1e-30)
}

// ---- tests ----

func TestCoconutLayout(t *testing.T) {
	c := tinyCoconut(t, false, 1)
	l, err := c.Layout(CoconutBatch{Prompts: [][]int{{1, 2, 3}, {4}}, Answers: [][]int{{4, 0, 3, 2}, {1, 1, 0}}, Stage: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Row 0: 1 2 3 [BOT] θ1 θ2 [EOT] 3 — predicts 3 (at [EOT]) and 2.
	// Row 1: 4 [BOT] θ1 θ2 [EOT] — predicts 0 (at [EOT]); then padding.
	const B, E = tBOT, tEOT
	want := CoconutLayout{B: 2, T: 8, Stage: 2, Len: []int{8, 5}, BOTPos: []int{3, 1},
		Inputs:  []int{1, 2, 3, B, -1, -1, E, 3 /**/, 4, B, -1, -1, E, -1, -1, -1},
		Thought: []int{0, 0, 0, 0, 1, 2, 0, 0 /**/, 0, 0, 1, 2, 0, 0, 0, 0},
		Targets: []int{-1, -1, -1, -1, -1, -1, 3, 2 /**/, -1, -1, -1, -1, 0, -1, -1, -1},
		Weights: []float32{0, 0, 0, 0, 0, 0, 1, 1 /**/, 0, 0, 0, 0, 1, 0, 0, 0}}
	if !reflect.DeepEqual(*l, want) {
		t.Errorf("layout\n got %+v\nwant %+v", *l, want)
	}
	// Stage 0: plain CE on the whole answer, markers present, no thought.
	l0, err := c.Layout(CoconutBatch{Prompts: [][]int{{1, 2}}, Answers: [][]int{{4, 0, 3}}, Stage: 0})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, B, E, 4, 0}; !reflect.DeepEqual(l0.Inputs, want) {
		t.Errorf("stage 0 inputs %v, want %v", l0.Inputs, want)
	}
	if want := []int{-1, -1, -1, 4, 0, 3}; !reflect.DeepEqual(l0.Targets, want) {
		t.Errorf("stage 0 targets %v, want %v", l0.Targets, want)
	}
	for _, bad := range []struct {
		b    CoconutBatch
		want string
	}{
		{CoconutBatch{Prompts: [][]int{{1}}, Answers: [][]int{{1, 2}}, Stage: 2}, "leaves none"},
		{CoconutBatch{Prompts: [][]int{{}}, Answers: [][]int{{1, 2}}}, "empty prompt"},
		{CoconutBatch{Prompts: [][]int{{1, 7}}, Answers: [][]int{{1, 2}}}, "outside the vocabulary"},
		{CoconutBatch{Prompts: [][]int{{1}}, Answers: [][]int{{1, -1}}}, "outside the vocabulary"},
		{CoconutBatch{Prompts: [][]int{{1}}, Answers: nil}, "1 prompts and 0 answers"},
		{CoconutBatch{Prompts: [][]int{{1}}, Answers: [][]int{{1, 2}}, Stage: -1}, "stage -1"},
		{CoconutBatch{Prompts: [][]int{make([]int, 20)}, Answers: [][]int{{1, 2, 3, 4}}}, "context"},
	} {
		if _, err := c.Layout(bad.b); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("layout of %+v: error %v, want one saying %q", bad.b, err, bad.want)
		}
	}
}

// The float32 multi-pass forward matches the float64 reference: loss,
// every thought, and the logits at every loss position.
func TestCoconutForwardMatchesFloat64(t *testing.T) {
	for _, qk := range []bool{false, true} {
		c := tinyCoconut(t, qk, 2)
		r := newRef(c)
		wk := c.NewWork(2, 16)
		for s := 0; s <= 3; s++ {
			l, err := c.Layout(CoconutBatch{Prompts: tPrompts, Answers: tAnswers, Stage: s})
			if err != nil {
				t.Fatal(err)
			}
			got := c.Loss(wk, l, false)
			want := r.loss(tPrompts, tAnswers, s)
			worst := math.Abs(float64(got)-want) / want
			for b := range tPrompts {
				for j := 1; j <= s; j++ {
					worst = math.Max(worst, relMax(wk.Thought(b, j), r.thoughts[b][j-1]))
				}
			}
			var zs []float32
			var zw []float64
			logits := wk.Logits()
			k := 0
			for i, w := range l.Weights {
				if w == 0 {
					continue
				}
				zs = append(zs, logits[i*c.Net.Cfg.Vocab:(i+1)*c.Net.Cfg.Vocab]...)
				zw = append(zw, r.lossLogits[k]...)
				if l.Targets[i] != r.lossTargets[k] {
					t.Fatalf("stage %d: loss position %d predicts %d, the reference %d", s, k, l.Targets[i], r.lossTargets[k])
				}
				k++
			}
			if k != len(r.lossTargets) {
				t.Fatalf("stage %d: %d loss positions, the reference has %d", s, k, len(r.lossTargets))
			}
			worst = math.Max(worst, relMax(zs, zw))
			t.Logf("qk %v stage %d: loss %.6f (float64 %.6f), worst rel err %.2e", qk, s, got, want, worst)
			if worst > 1e-5 {
				t.Errorf("qk %v stage %d: float32 forward differs from the float64 reference by %.3g", qk, s, worst)
			}
		}
	}
}

// Gradients (every parameter, stages 0, 1, 2) against central differences
// of the float64 reference, and the part that flows through the thoughts
// must be there: with the thoughts held fixed the numeric gradient of the
// first block differs.
func TestCoconutGradients(t *testing.T) {
	c := tinyCoconut(t, false, 3)
	wk := c.NewWork(2, 16)
	for s := 0; s <= 2; s++ {
		l, err := c.Layout(CoconutBatch{Prompts: tPrompts, Answers: tAnswers, Stage: s})
		if err != nil {
			t.Fatal(err)
		}
		c.Net.P.ZeroGrad()
		c.Loss(wk, l, true)
		r := newRef(c)
		r.loss(tPrompts, tAnswers, s)
		detached := r.thoughts
		const h = 1e-6
		worst, worstAt := 0.0, ""
		var throughThoughts, scaleBlock0 float64
		for _, name := range c.Net.P.Names() {
			g := c.Net.P.G(name)
			w := r.W[name]
			num := make([]float64, len(w))
			scale := 0.0
			for i := range w {
				w0 := w[i]
				w[i] = w0 + h
				fp := r.loss(tPrompts, tAnswers, s)
				w[i] = w0 - h
				fm := r.loss(tPrompts, tAnswers, s)
				w[i] = w0
				num[i] = (fp - fm) / (2 * h)
				scale = math.Max(scale, math.Abs(num[i]))
			}
			for i := range num {
				a := float64(g[i])
				e := math.Abs(a-num[i]) / math.Max(math.Abs(a)+math.Abs(num[i]), 1e-3*math.Max(scale, 1e-12))
				if e > worst {
					worst, worstAt = e, fmt.Sprintf("%s[%d] analytic %.6g numeric %.6g", name, i, a, num[i])
				}
			}
			if strings.HasPrefix(name, "blocks.0.") && s > 0 {
				// The same derivative with the thoughts detached.
				r.fixed = detached
				for i := range w {
					w0 := w[i]
					w[i] = w0 + h
					fp := r.loss(tPrompts, tAnswers, s)
					w[i] = w0 - h
					fm := r.loss(tPrompts, tAnswers, s)
					w[i] = w0
					throughThoughts = math.Max(throughThoughts, math.Abs(num[i]-(fp-fm)/(2*h)))
					scaleBlock0 = math.Max(scaleBlock0, math.Abs(num[i]))
				}
				r.fixed = nil
			}
		}
		t.Logf("stage %d: worst gradient rel err %.2e (%s)", s, worst, worstAt)
		if worst > 1e-3 {
			t.Errorf("stage %d: gradient rel err %.3g at %s", s, worst, worstAt)
		}
		if s > 0 {
			t.Logf("stage %d: block 0's gradient through the thoughts is up to %.3g (of %.3g)", s, throughThoughts, scaleBlock0)
			if throughThoughts < 0.05*scaleBlock0 {
				t.Errorf("stage %d: the thoughts carry almost no gradient (%.3g of %.3g): the check could not see them missing", s, throughThoughts, scaleBlock0)
			}
		}
	}
}

// The KV-cache decoder, fed the same thoughts and tokens one position at a
// time, reproduces the training forward's thoughts and logits; Decode's
// first token is the argmax at [EOT]; perturbations and forced tokens go
// where they are sent.
func TestCoconutDecoderMatchesMultiPass(t *testing.T) {
	c := tinyCoconut(t, true, 4)
	V := c.Net.Cfg.Vocab
	wk := c.NewWork(2, 16)
	s := 3
	l, err := c.Layout(CoconutBatch{Prompts: tPrompts, Answers: tAnswers, Stage: s})
	if err != nil {
		t.Fatal(err)
	}
	c.Loss(wk, l, false)
	logits := wk.Logits()
	worst := 0.0
	for b, pr := range tPrompts {
		dc, err := c.NewDecoder(pr)
		if err != nil {
			t.Fatal(err)
		}
		if err := dc.Feed(0); err == nil {
			t.Error("a token before [EOT] was accepted")
		}
		for j := 1; j <= s; j++ {
			th := dc.Thought()
			worst = math.Max(worst, relMax(th, f64(wk.Thought(b, j))))
			if err := dc.FeedThought(th); err != nil {
				t.Fatal(err)
			}
		}
		if err := dc.EndThoughts(); err != nil {
			t.Fatal(err)
		}
		if err := dc.FeedThought(make([]float32, c.Net.Cfg.D)); err == nil {
			t.Error("a thought after [EOT] was accepted")
		}
		e := l.BOTPos[b] + s + 1
		for k, tok := range tAnswers[b][s:] {
			row := logits[(b*l.T+e+k)*V : (b*l.T+e+k+1)*V]
			worst = math.Max(worst, relMax(dc.Logits(), f64(row)))
			if k+s+1 < len(tAnswers[b]) {
				if err := dc.Feed(tok); err != nil {
					t.Fatal(err)
				}
			}
		}
		if want := []int{KindBOT, KindThought, KindThought, KindThought, KindEOT}; !reflect.DeepEqual(dc.Kinds()[:5], want) {
			t.Errorf("kinds %v", dc.Kinds())
		}
		tr, err := c.Decode(pr, s, 3, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		row := logits[(b*l.T+e)*V : (b*l.T+e+1)*V]
		if want := argmax(row); tr.Tokens[0] != want {
			t.Errorf("problem %d: Decode's first token %d, the multi-pass forward's argmax at [EOT] %d", b, tr.Tokens[0], want)
		}
	}
	t.Logf("KV-cache decoder vs multi-pass forward: worst rel err %.2e", worst)
	if worst > 1e-5 {
		t.Errorf("KV-cache decoder differs from the multi-pass forward by %.3g", worst)
	}

	// Noise on thought 0 changes thoughts 1 and 2 (they are computed from it)
	// and the perturbed vector is what was fed.
	clean, _ := c.Decode(tPrompts[0], 3, 2, nil, nil)
	var seen []int
	noisy, err := c.Decode(tPrompts[0], 3, 2, func(j int, th []float32) {
		seen = append(seen, j)
		if j == 0 {
			th[0] += 1
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, []int{0, 1, 2}) {
		t.Errorf("perturb saw thoughts %v", seen)
	}
	if noisy.Thoughts[0][0] != clean.Thoughts[0][0]+1 || reflect.DeepEqual(noisy.Thoughts[1], clean.Thoughts[1]) {
		t.Error("noise on thought 0 was not fed or did not reach thought 1")
	}
	// A forced token is emitted and stays in the context.
	forced, err := c.Decode(tPrompts[0], 3, 3, nil, map[int]int{0: 4})
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := c.NewDecoder(tPrompts[0])
	for range 3 {
		_ = dc.FeedThought(dc.Thought())
	}
	_ = dc.EndThoughts()
	mark := dc.Len()
	_ = dc.Feed(4)
	if forced.Tokens[0] != 4 || dc.Next() != forced.Tokens[1] {
		t.Errorf("forced decode %v; the decoder fed 4 says %d", forced.Tokens, dc.Next())
	}
	// Truncate restores the state exactly (H included), fork is independent.
	fork := dc.Clone()
	dc.Truncate(mark)
	if got := dc.Next(); got != clean.Tokens[0] {
		t.Errorf("after Truncate the next token is %d, free decoding said %d", got, clean.Tokens[0])
	}
	if fork.Len() != mark+1 || fork.Next() != forced.Tokens[1] {
		t.Error("the fork changed with its parent")
	}
	dc.Truncate(0)
	if dc.Len() != len(tPrompts[0])+1 || !dc.Thinking() || !reflect.DeepEqual(dc.Thought(), clean.Thoughts[0]) {
		t.Error("Truncate(0) did not go back to just after [BOT]")
	}
	for _, bad := range []func() error{
		func() error { _, err := c.Decode(nil, 1, 1, nil, nil); return err },
		func() error { _, err := c.Decode([]int{9}, 1, 1, nil, nil); return err },
		func() error { _, err := c.Decode(tPrompts[0], 1, 2, nil, map[int]int{1: 7}); return err },
		func() error { _, err := c.Decode(tPrompts[0], 10, 20, nil, nil); return err },
		func() error { return dc.FeedThought([]float32{1}) },
	} {
		if bad() == nil {
			t.Error("bad input accepted")
		}
	}
}

func TestCoconutSaveLoad(t *testing.T) {
	c := tinyCoconut(t, true, 5)
	dir := t.TempDir()
	path := filepath.Join(dir, "coconut.safetensors")
	if err := c.Save(path, map[string]string{"task": "test"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c2, meta, err := LoadCoconut(b, "coconut.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if meta["task"] != "test" || c2.BOT != tBOT || c2.EOT != tEOT || c2.Thoughts != 3 || c2.Net.Cfg != c.Net.Cfg {
		t.Errorf("round trip: meta %v, bot %d eot %d thoughts %d, cfg %+v", meta, c2.BOT, c2.EOT, c2.Thoughts, c2.Net.Cfg)
	}
	if !strings.Contains(meta[MetaCoconut], `"model":"coconut"`) {
		t.Errorf("metadata entry %q", meta[MetaCoconut])
	}
	if !reflect.DeepEqual(c2.Net.P.Names(), c.Net.P.Names()) {
		t.Fatalf("tensors %v, want %v", c2.Net.P.Names(), c.Net.P.Names())
	}
	for _, n := range c.Net.P.Names() {
		if !reflect.DeepEqual(c2.Net.P.W(n), c.Net.P.W(n)) {
			t.Errorf("tensor %s changed in the round trip", n)
		}
	}
	want := []string{"embed", "blocks.0.norm1", "blocks.0.wq", "blocks.1.w2", "final_norm"}
	for _, n := range want {
		if !c2.Net.P.Has(n) {
			t.Errorf("no tensor %s", n)
		}
	}
	if c2.Net.Target != nil {
		t.Error("a COCONUT checkpoint carries a target table")
	}
	t1, _ := c.Decode(tPrompts[0], 3, 3, nil, nil)
	t2, _ := c2.Decode(tPrompts[0], 3, 3, nil, nil)
	if !reflect.DeepEqual(t1, t2) {
		t.Error("the loaded model decodes differently")
	}
	// Refusals: COCONUT as a baseline, a baseline as COCONUT, broken metadata.
	if _, _, err := Load(b, "c"); err == nil || !strings.Contains(err.Error(), "not a baseline") {
		t.Errorf("COCONUT loaded as the baseline: %v", err)
	}
	bp := filepath.Join(dir, "baseline.safetensors")
	net, _ := latent.New(c.Net.Cfg, false, false)
	if err := New(net).Save(bp, nil); err != nil {
		t.Fatal(err)
	}
	bb, _ := os.ReadFile(bp)
	if _, _, err := LoadCoconut(bb, "baseline.safetensors"); err == nil || !strings.Contains(err.Error(), "not a COCONUT") {
		t.Errorf("a baseline loaded as COCONUT: %v", err)
	}
	for _, m := range []string{`{"model":"coconut","thoughts":3,"bot":5,"eot":5}`, `{"model":"coconut","thoughts":3,"bot":5,"eot":70}`, `{`} {
		p := filepath.Join(dir, "bad.safetensors")
		if err := c.Net.Save(p, map[string]string{MetaCoconut: m}); err != nil {
			t.Fatal(err)
		}
		bb, _ := os.ReadFile(p)
		if _, _, err := LoadCoconut(bb, "bad"); err == nil {
			t.Errorf("metadata %s accepted", m)
		}
	}
	if _, _, err := LoadCoconut(b[:len(b)/2], "half"); err == nil {
		t.Error("a truncated file was accepted")
	}
	if _, err := NewCoconut(net, 3, 3, 1); err == nil {
		t.Error("bot == eot accepted")
	}
}

func f64(s []float32) []float64 {
	y := make([]float64, len(s))
	for i, v := range s {
		y[i] = float64(v)
	}
	return y
}

func argmax(z []float32) int {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	return best
}

// TestCoconutThoughtsSameBits checks the training forward's thoughts (one
// prefill of the prompts, then one position a thought on the KV cache, rows
// of unequal length) against the multi-pass forward they replace: thought
// j+1 = h at [BOT]+j of a whole forward over positions 0 … [BOT]+j. On the
// pure-Go kernels the bits are equal; on OpenBLAS within 1e-5.
func TestCoconutThoughtsSameBits(t *testing.T) {
	for _, qk := range []bool{false, true} {
		c := tinyCoconut(t, qk, 5)
		const s = 3
		answers := [][]int{{1, 3, 0, 4, 2}, {2, 2, 1, 0, 3}}
		l, err := c.Layout(CoconutBatch{Prompts: tPrompts, Answers: answers, Stage: s})
		if err != nil {
			t.Fatal(err)
		}
		wk := c.NewWork(2, 16)
		c.Loss(wk, l, false)
		d := c.Net.Cfg.D
		E := c.Net.Embed()
		net := c.Net.Net
		for b, pr := range tPrompts {
			var x []float32
			for _, id := range append(append([]int(nil), pr...), c.BOT) {
				x = append(x, E[id*d:(id+1)*d]...)
			}
			for j := 1; j <= s; j++ {
				T := len(x) / d
				h := net.Forward(net.NewActs(1, T), x, 1, T)
				want := h[(T-1)*d : T*d]
				got := wk.Thought(b, j)
				tol := 0.0
				if nn.KernelName() == "openblas" {
					tol = 1e-5
				}
				for k := range want {
					if diff := math.Abs(float64(got[k] - want[k])); diff > tol || (tol == 0 && math.Float32bits(got[k]) != math.Float32bits(want[k])) {
						t.Fatalf("qk %v: row %d thought %d [%d]: %v, the whole forward gives %v", qk, b, j, k, got[k], want[k])
					}
				}
				x = append(x, want...)
			}
		}
	}
}
