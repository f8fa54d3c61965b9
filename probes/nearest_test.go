package probes

import (
	"math"
	"testing"
)

// identityTable is V×d with row i = scale[i]·e_i (V ≤ d).
func identityTable(V, d int, scale ...float32) []float32 {
	t := make([]float32, V*d)
	for i := 0; i < V; i++ {
		s := float32(1)
		if i < len(scale) {
			s = scale[i]
		}
		t[i*d+i] = s
	}
	return t
}

func TestNearestOrthonormal(t *testing.T) {
	const V, d = 4, 5
	table := identityTable(V, d)
	// r = (3, 4, 0, −5, 7): cosines are r_i/‖r‖ with ‖r‖ = √99.
	r := []float32{3, 4, 0, -5, 7}
	rn := math.Sqrt(99)
	got := Nearest(table, d, r, 3, nil)
	want := []TokenScore{{1, 4 / rn}, {0, 3 / rn}, {2, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Token != want[i].Token || math.Abs(got[i].Cos-want[i].Cos) > 1e-12 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if m := Margin(got); math.Abs(m-1/rn) > 1e-12 {
		t.Fatalf("margin %v, want %v", m, 1/rn)
	}
}

func TestNearestScaleInvariant(t *testing.T) {
	const V, d = 3, 4
	table := []float32{
		1, 2, -1, 0.5,
		-0.3, 0.7, 2, 1,
		0.25, -1, 0.5, 3,
	}
	r := []float32{0.4, -0.2, 1.3, 0.9}
	base := Nearest(table, d, r, V, nil)
	for _, s := range []float32{8, 10, 1e-3, 1e6} {
		scaled := append([]float32(nil), table...)
		for i := d; i < 2*d; i++ { // scale row 1 only
			scaled[i] *= s
		}
		got := Nearest(scaled, d, r, V, nil)
		for i := range base {
			if got[i].Token != base[i].Token {
				t.Fatalf("scale %v: order changed: %v vs %v", s, got, base)
			}
			tol := 1e-6 // float32 rounding of the scaled entries
			if s == 8 {
				tol = 0 // a power of two scales exactly
			}
			if math.Abs(got[i].Cos-base[i].Cos) > tol {
				t.Fatalf("scale %v: cos %v vs %v", s, got[i], base[i])
			}
		}
	}
	// The cosine itself, computed by hand for row 1.
	var dp, n1, n2 float64
	for i := 0; i < d; i++ {
		dp += float64(table[d+i]) * float64(r[i])
		n1 += float64(table[d+i]) * float64(table[d+i])
		n2 += float64(r[i]) * float64(r[i])
	}
	want := dp / math.Sqrt(n1*n2)
	for _, s := range base {
		if s.Token == 1 && math.Abs(s.Cos-want) > 1e-12 {
			t.Fatalf("row 1 cos %v, want %v", s.Cos, want)
		}
	}
}

func TestNearestKLargerThanV(t *testing.T) {
	table := identityTable(3, 3)
	got := Nearest(table, 3, []float32{1, 2, 3}, 10, nil)
	if len(got) != 3 {
		t.Fatalf("want all 3 rows, got %v", got)
	}
	if got[0].Token != 2 || got[1].Token != 1 || got[2].Token != 0 {
		t.Fatalf("order %v", got)
	}
	if Nearest(table, 3, []float32{1, 2, 3}, 0, nil) != nil || len(Nearest(table, 3, []float32{1, 2, 3}, -1, nil)) != 0 {
		t.Fatal("k ≤ 0 must give nothing")
	}
	if Margin(got[:1]) != 0 || Margin(nil) != 0 {
		t.Fatal("margin of fewer than 2 must be 0")
	}
}

func TestNearestSkip(t *testing.T) {
	table := identityTable(4, 4)
	r := []float32{4, 3, 2, 1}
	got := Nearest(table, 4, r, 2, func(tok int) bool { return tok%2 == 0 })
	if len(got) != 2 || got[0].Token != 1 || got[1].Token != 3 {
		t.Fatalf("got %v, want tokens 1, 3", got)
	}
	all := Nearest(table, 4, r, 4, func(int) bool { return true })
	if len(all) != 0 {
		t.Fatalf("everything skipped, got %v", all)
	}
}

func TestNearestTies(t *testing.T) {
	// Rows 0, 2, 3 are the same direction (different norms); row 1 opposite.
	table := []float32{
		1, 1,
		-1, -1,
		2, 2,
		0.5, 0.5,
	}
	got := Nearest(table, 2, []float32{3, 3}, 4, nil)
	wantTok := []int{0, 2, 3, 1}
	for i, w := range wantTok {
		if got[i].Token != w {
			t.Fatalf("got %v, want order %v", got, wantTok)
		}
	}
	if got[0].Cos != 1 || got[3].Cos != -1 {
		t.Fatalf("cosines %v", got)
	}
	if Margin(got) != 0 {
		t.Fatalf("tied margin %v", Margin(got))
	}
}

func TestNearestZerosNoNaN(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	table := []float32{
		0, 0, 0,
		1, 0, 0,
		nan, 1, 0,
		inf, 0, 0,
		-1, 0, 0,
	}
	check := func(name string, s []TokenScore) {
		for _, x := range s {
			if math.IsNaN(x.Cos) || math.IsInf(x.Cos, 0) || x.Cos < -1 || x.Cos > 1 {
				t.Fatalf("%s: bad cos %v", name, s)
			}
		}
	}
	got := Nearest(table, 3, []float32{2, 0, 0}, 5, nil)
	check("r=e0", got)
	if got[0].Token != 1 || got[0].Cos != 1 || got[4].Token != 4 || got[4].Cos != -1 {
		t.Fatalf("got %v", got)
	}
	for _, s := range got[1:4] {
		if s.Cos != 0 {
			t.Fatalf("zero / non-finite rows must score 0: %v", got)
		}
	}
	zero := Nearest(table, 3, []float32{0, 0, 0}, 5, nil)
	check("r=0", zero)
	for i, s := range zero {
		if s.Cos != 0 || s.Token != i {
			t.Fatalf("r = 0: want all cos 0 in id order, got %v", zero)
		}
	}
	check("r=NaN", Nearest(table, 3, []float32{nan, 1, 0}, 5, nil))
	check("empty", Nearest(nil, 3, []float32{1, 0, 0}, 5, nil))
}
