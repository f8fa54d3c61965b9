package engine

import (
	"math"
	"sort"
	"sync"

	"jrx/nn"
	"jrx/probes"
)

// tokenTable is a V×d token table of a mapped set (the target table or
// the embedding) in its stored dtype, with the inverse row norms computed
// once, so that a read-out is one pass over the table (nn.DotRows, both
// cores, 16-bit rows widened in registers) and a top-k selection.
type tokenTable struct {
	m    nn.Mat
	d, V int
	once sync.Once
	inv  []float64 // 1/‖row‖, 0 for a zero row
}

func newTokenTable(m nn.Mat, d int) *tokenTable {
	return &tokenTable{m: m, d: d, V: m.Len() / d}
}

func (t *tokenTable) norms() {
	t.once.Do(func() {
		t.inv = make([]float64, t.V)
		row := make([]float32, t.d)
		for v := range t.V {
			t.m.Slice(v*t.d, (v+1)*t.d).Widen(row)
			var s float64
			for _, x := range row {
				s += float64(x) * float64(x)
			}
			if s > 0 && !math.IsInf(s, 0) {
				t.inv[v] = 1 / math.Sqrt(s)
			}
		}
	})
}

// nearest returns the k rows with the largest cosine to r, by cosine
// descending, ties by lower id (as probes.Nearest, with the dot products
// in float32 and the norms in float64).
func (t *tokenTable) nearest(r []float32, k int) []probes.TokenScore {
	if k <= 0 || t.V == 0 {
		return nil
	}
	t.norms()
	var rn float64
	for _, x := range r[:t.d] {
		rn += float64(x) * float64(x)
	}
	rn = math.Sqrt(rn)
	scores := make([]float32, t.V)
	nn.DotRows(scores, r, t.m, t.d)
	// A bounded selection: keep the k best seen so far.
	best := make([]probes.TokenScore, 0, k+1)
	less := func(a, b probes.TokenScore) bool { // a ranks after b
		if a.Cos != b.Cos {
			return a.Cos < b.Cos
		}
		return a.Token > b.Token
	}
	for v, s := range scores {
		c := 0.0
		if rn > 0 && !math.IsInf(rn, 0) {
			c = float64(s) * t.inv[v] / rn
		}
		switch {
		case math.IsNaN(c):
			c = 0
		case c > 1:
			c = 1
		case c < -1:
			c = -1
		}
		ts := probes.TokenScore{Token: v, Cos: c}
		if len(best) == k && !less(best[k-1], ts) {
			continue
		}
		i := sort.Search(len(best), func(i int) bool { return less(best[i], ts) })
		best = append(best, probes.TokenScore{})
		copy(best[i+1:], best[i:])
		best[i] = ts
		if len(best) > k {
			best = best[:k]
		}
	}
	return best
}

// decompose is probes.Decompose over the given candidate rows only (a
// small widened copy of them), with the atoms' tokens mapped back.
func (t *tokenTable) decompose(r []float32, k int, cands []int) probes.Mixture {
	small := make([]float32, len(cands)*t.d)
	for i, tok := range cands {
		t.m.Slice(tok*t.d, (tok+1)*t.d).Widen(small[i*t.d : (i+1)*t.d])
	}
	m := probes.Decompose(small, t.d, r, k, nil)
	for i := range m.Atoms {
		m.Atoms[i].Token = cands[m.Atoms[i].Token]
	}
	return m
}

// mixCandidates is how many nearest tokens a latent's mixture is taken
// over when the problem names no hypotheses (free text).
const mixCandidates = 32
