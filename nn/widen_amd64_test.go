//go:build amd64 && !purego

package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The pair-split BF16 kernel gives each column the bits of the
// column-order kernel (same FMAs in the same order), stored at its
// pair-split place; addPairSplit puts them back with one add each. Row
// counts cover the eight-row loop and the leftover rows, column counts the
// 32- and 16-column loops.
func TestPairSplitKernels(t *testing.T) {
	if !widenAsm(BF16) {
		t.Skip("no widening assembly on this CPU")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for _, rows := range []int{1, 7, 8, 9, 19} {
		for _, n := range []int{16, 48, 1040} {
			ldw := n + 24 // a wider row: the kernels read n of ldw columns
			W := randMat16(rng, BF16, rows*ldw)
			x := make([]float32, rows)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			y0 := make([]float32, n)
			for i := range y0 {
				y0[i] = float32(rng.NormFloat64())
			}
			want := append([]float32(nil), y0...)
			gemvBF16AVX2(&x[0], &W.U16[0], &want[0], rows, ldw, n)
			// The same start values, pair-split.
			ps := make([]float32, n+1)
			for j := range n {
				g, i := j/16, j%16
				ps[16*g+(i%2)*8+i/2] = y0[j]
			}
			gemvPairSplit(ps, x, W.U16, rows, ldw, n)
			if ps[n] != 0 {
				t.Fatalf("rows %d n %d: wrote past n", rows, n)
			}
			for j := range n {
				g, i := j/16, j%16
				if got := ps[16*g+(i%2)*8+i/2]; math.Float32bits(got) != math.Float32bits(want[j]) {
					t.Fatalf("rows %d n %d col %d: pair-split %v, column order %v", rows, n, j, got, want[j])
				}
			}
			// addPairSplit: y + p in column order.
			y := make([]float32, n+1)
			for i := range y {
				y[i] = float32(rng.NormFloat64())
			}
			ref := append([]float32(nil), y...)
			for j := range n {
				ref[j] += want[j]
			}
			addPairSplit(y, ps, n)
			for j := range n + 1 {
				if math.Float32bits(y[j]) != math.Float32bits(ref[j]) {
					t.Fatalf("rows %d n %d: addPairSplit col %d: %v, want %v", rows, n, j, y[j], ref[j])
				}
			}
		}
	}
}
