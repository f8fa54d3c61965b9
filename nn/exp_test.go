package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expSubArch gives lyExp's bits (NaN for NaN) on every value class: the
// clamps' edges, the n = 128 branch, subnormal-producing inputs, ±Inf,
// NaN, −0, and random values; and lyExp itself stays within 2 ulp-ish of
// float64 exp where the result is normal.
func TestExpSubMatchesLyExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88.72283, 88.7228, 88.72284, 88.5, 88.4,
		-87.33654, -87.3365, -87.33655, -87, -88, -100, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0.34657359, -0.34657359}
	for range 20000 {
		xs = append(xs, float32(rng.Float64()*200-100), float32(rng.NormFloat64()*4))
	}
	for len(xs)%8 != 0 {
		xs = append(xs, 0.25)
	}
	for _, mx := range []float32{0, 3.5, -2} {
		got := make([]float32, len(xs))
		for i, x := range xs {
			got[i] = x + mx // expSub subtracts mx again
		}
		n := expSubArch(got, mx)
		if n == 0 {
			t.Skip("no assembly exp on this path")
		}
		if n != len(xs) {
			t.Fatalf("did %d of %d", n, len(xs))
		}
		for i, x := range xs {
			want := lyExp((x + mx) - mx)
			g := got[i]
			if math.IsNaN(float64(want)) != math.IsNaN(float64(g)) ||
				!math.IsNaN(float64(want)) && math.Float32bits(g) != math.Float32bits(want) {
				t.Fatalf("mx %v: exp(%v) = %v (%08x), lyExp %v (%08x)", mx, x, g, math.Float32bits(g), want, math.Float32bits(want))
			}
		}
	}
	for _, x := range []float32{-80, -10, -1, -0.1, 0, 0.1, 1, 10, 80} {
		want := math.Exp(float64(x))
		if d := math.Abs(float64(lyExp(x))-want) / want; d > 3e-7 {
			t.Errorf("lyExp(%v) relative error %.3g", x, d)
		}
	}
}
