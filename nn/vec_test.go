package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// smallDyadic maps a byte to a multiple of 1/4 in [-32, 32): sums of up to
// 1024 products of such values are exact in float32, so every path must
// agree bit for bit with the references.
func smallDyadic(b byte) float32 { return float32(int8(b)) / 4 }

func TestDotAxpyExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, im := range impls {
		for n := 0; n <= 300; n++ {
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = smallDyadic(byte(rng.Uint32())), smallDyadic(byte(rng.Uint32()))
			}
			if got, want := im.dot(a, b), DotRef(a, b); got != want {
				t.Fatalf("%s: dot n=%d = %g, want %g", im.name, n, got, want)
			}
			y1 := append([]float32(nil), b...)
			y2 := append([]float32(nil), b...)
			im.axpy(-1.5, a, y1)
			AxpyRef(-1.5, a, y2)
			for i := range y1 {
				if y1[i] != y2[i] {
					t.Fatalf("%s: axpy n=%d y[%d] = %g, want %g", im.name, n, i, y1[i], y2[i])
				}
			}
		}
	}
}

func TestDotAxpyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, im := range impls {
		for _, n := range []int{1, 3, 7, 8, 15, 16, 17, 31, 63, 64, 65, 127, 129, 1000, 4099} {
			// guard values after the end of y must not change
			a, b := make([]float32, n), make([]float32, n+8)
			var sa, s float64
			for i := 0; i < n; i++ {
				a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				s += float64(a[i]) * float64(b[i])
				sa += math.Abs(float64(a[i]) * float64(b[i]))
			}
			for i := n; i < n+8; i++ {
				b[i] = 42
			}
			if got := im.dot(a, b[:n]); math.Abs(float64(got)-s) > 1e-5*sa+1e-30 {
				t.Errorf("%s: dot n=%d = %g, want %g", im.name, n, got, s)
			}
			alpha := float32(0.3)
			want := make([]float64, n)
			for i := range want {
				want[i] = float64(b[i]) + float64(alpha)*float64(a[i])
			}
			im.axpy(alpha, a, b[:n])
			for i := range want {
				if math.Abs(float64(b[i])-want[i]) > 1e-6*(1+math.Abs(want[i])) {
					t.Fatalf("%s: axpy n=%d y[%d] = %g, want %g", im.name, n, i, b[i], want[i])
				}
			}
			for i := n; i < n+8; i++ {
				if b[i] != 42 {
					t.Fatalf("%s: axpy n=%d wrote past the end", im.name, n)
				}
			}
		}
	}
	// public entry points
	a, b := []float32{1, 2, 3}, []float32{4, 5, 6}
	if Dot(a, b) != 32 {
		t.Errorf("Dot = %g", Dot(a, b))
	}
	Axpy(2, a, b)
	if b[0] != 6 || b[1] != 9 || b[2] != 12 {
		t.Errorf("Axpy: %v", b)
	}
	for _, f := range []func(){
		func() { Dot(a, b[:2]) },
		func() { Axpy(1, a, b[:2]) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("length mismatch did not panic")
				}
			}()
			f()
		}()
	}
}

// FuzzDot compares every path's Dot and Axpy with the references on exact
// (small dyadic) inputs, which must match bit for bit.
func FuzzDot(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5}, byte(7))
	f.Add(make([]byte, 100), byte(0x80))
	f.Fuzz(func(t *testing.T, data []byte, al byte) {
		n := len(data) / 2
		if n > 1024 {
			n = 1024
		}
		a, b := make([]float32, n), make([]float32, n)
		for i := 0; i < n; i++ {
			a[i], b[i] = smallDyadic(data[2*i]), smallDyadic(data[2*i+1])
		}
		alpha := float32(int8(al)) / 8
		want := DotRef(a, b)
		yw := append([]float32(nil), b...)
		AxpyRef(alpha, a, yw)
		for _, im := range impls {
			if got := im.dot(a, b); got != want {
				t.Fatalf("%s: dot = %g, want %g", im.name, got, want)
			}
			y := append([]float32(nil), b...)
			im.axpy(alpha, a, y)
			for i := range y {
				if y[i] != yw[i] {
					t.Fatalf("%s: axpy y[%d] = %g, want %g", im.name, i, y[i], yw[i])
				}
			}
		}
	})
}
