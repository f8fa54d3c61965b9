package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The SIMD gemv must equal the Axpy-per-row loop of the same path bit for
// bit (the single-position path's numbers must not depend on which of the
// two ran), on every shape, leaving the guard values after y untouched; and
// both must be close to a float64 reference.
func TestGemvMatchesAxpyLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := [][2]int{{1, 1}, {1, 16}, {3, 17}, {17, 3}, {128, 128}, {128, 384}, {128, 512}, {512, 128},
		{129, 129}, {5, 127}, {7, 143}, {33, 200}, {64, 33}, {2, 1000}, {0, 16}, {16, 0}}
	for range 40 {
		shapes = append(shapes, [2]int{1 + rng.IntN(150), 1 + rng.IntN(700)})
	}
	for _, im := range impls {
		restore, ok := setKernel(im.name)
		if !ok {
			restore()
			t.Fatalf("kernel %s listed but not selectable", im.name)
		}
		for _, sh := range shapes {
			in, out := sh[0], sh[1]
			x := make([]float32, in)
			w := make([]float32, in*out)
			y0 := make([]float32, out+5)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			for i := range y0 {
				y0[i] = float32(rng.NormFloat64())
			}
			for i := out; i < out+5; i++ {
				y0[i] = 42
			}
			for _, acc := range []bool{false, true} {
				got := append([]float32(nil), y0...)
				want := append([]float32(nil), y0...)
				lyVecMat(got, x, w, in, out, acc)
				if !acc {
					clear(want[:out])
				}
				vecMatAxpy(want[:out], x, w, in, out)
				for j := range got {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s %dx%d acc %v: y[%d] = %g, the Axpy loop gives %g", im.name, in, out, acc, j, got[j], want[j])
					}
				}
				for j := 0; j < out; j++ {
					ref, mag := 0.0, 0.0
					if acc {
						ref, mag = float64(y0[j]), math.Abs(float64(y0[j]))
					}
					for p := 0; p < in; p++ {
						ref += float64(x[p]) * float64(w[p*out+j])
						mag += math.Abs(float64(x[p]) * float64(w[p*out+j]))
					}
					if math.Abs(float64(got[j])-ref) > 1e-5*mag+1e-30 {
						t.Fatalf("%s %dx%d: y[%d] = %g, float64 reference %g", im.name, in, out, j, got[j], ref)
					}
				}
			}
		}
		restore()
	}
}

// Special values go through the same operations in both paths.
func TestGemvSpecialValues(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, 3e38}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, im := range impls {
		restore, _ := setKernel(im.name)
		in, out := 9, 40
		x := make([]float32, in)
		w := make([]float32, in*out)
		for i := range x {
			x[i] = specials[rng.IntN(len(specials))]
		}
		for i := range w {
			w[i] = specials[rng.IntN(len(specials))]
		}
		got := make([]float32, out)
		want := make([]float32, out)
		lyVecMat(got, x, w, in, out, false)
		vecMatAxpy(want, x, w, in, out)
		for j := range got {
			g, wv := got[j], want[j]
			if math.Float32bits(g) != math.Float32bits(wv) && !(g != g && wv != wv) {
				t.Fatalf("%s: y[%d] = %g, the Axpy loop gives %g", im.name, j, g, wv)
			}
		}
		restore()
	}
}

// BenchmarkVecMat: one single-position matrix–vector product of the default
// model (d 128 → FFN 512), the SIMD gemv against the Axpy-per-row loop.
func BenchmarkVecMat(b *testing.B) {
	in, out := 128, 512
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, in)
	w := make([]float32, in*out)
	y := make([]float32, out)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	b.Run("gemv", func(b *testing.B) {
		for range b.N {
			lyVecMat(y, x, w, in, out, false)
		}
	})
	b.Run("axpy-loop", func(b *testing.B) {
		for range b.N {
			clear(y)
			vecMatAxpy(y, x, w, in, out)
		}
	})
}

// FuzzGemv: shapes and values from the fuzzer (raw float32 bits, so NaN,
// Inf, subnormals and signed zeros appear); every path's gemv must equal
// its own Axpy loop bit for bit (NaNs: both NaN) and leave y's guard
// values alone.
func FuzzGemv(f *testing.F) {
	f.Add(uint8(3), uint16(17), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(128), uint16(130), make([]byte, 64))
	f.Fuzz(func(t *testing.T, inB uint8, outB uint16, data []byte) {
		in, out := int(inB)%140, int(outB)%600
		word := func(i int) float32 {
			if len(data) < 4 {
				return float32(i%7) - 3
			}
			j := (4 * i) % (len(data) - len(data)%4)
			return math.Float32frombits(uint32(data[j]) | uint32(data[j+1])<<8 | uint32(data[j+2])<<16 | uint32(data[j+3])<<24)
		}
		x := make([]float32, in)
		w := make([]float32, in*out)
		y0 := make([]float32, out+3)
		k := 0
		for i := range x {
			x[i] = word(k)
			k++
		}
		for i := range w {
			w[i] = word(k)
			k++
		}
		for i := range y0 {
			y0[i] = word(k)
			k++
		}
		for _, im := range impls {
			restore, _ := setKernel(im.name)
			got := append([]float32(nil), y0...)
			want := append([]float32(nil), y0...)
			lyVecMat(got[:out], x, w, in, out, true)
			vecMatAxpy(want[:out], x, w, in, out)
			restore()
			for j := range got {
				g, wv := got[j], want[j]
				if math.Float32bits(g) != math.Float32bits(wv) && !(g != g && wv != wv) {
					t.Fatalf("%s %dx%d: y[%d] = %g (%#x), the Axpy loop gives %g (%#x)", im.name, in, out, j, g, math.Float32bits(g), wv, math.Float32bits(wv))
				}
			}
		}
	})
}
