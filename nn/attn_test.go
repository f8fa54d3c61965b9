package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The attention kernels against the loops they replace (lyDot, lyAxpy: the
// same bits on every kernel path) and against float64 sums.
func TestAttnKernelsMatchLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	for _, kernel := range []string{"avx512", "avx2", "generic"} {
		restore, ok := setKernel(kernel)
		if !ok {
			restore()
			continue
		}
		for _, c := range []struct{ n, H, dh, extra int }{
			{1, 1, 8, 0}, {5, 3, 8, 8}, {7, 4, 32, 0}, {33, 2, 24, 16}, {40, 5, 128, 64},
			{3, 2, 136, 0}, {9, 20, 128, 0}, {4, 3, 12, 4}, {6, 2, 40, 0},
		} {
			A := c.H*c.dh + c.extra // rows wider than the heads read
			cp := c.n + 3
			q, K, V := fill(c.H*c.dh), fill(c.n*A), fill(c.n*A)
			scale := float32(1 / math.Sqrt(float64(c.dh)))
			got := fill((c.H-1)*cp + c.n)
			want := append([]float32(nil), got...)
			attnScores(got, cp, q, K, c.n, c.H, c.dh, A, scale)
			for j := 0; j < c.n; j++ {
				for h := 0; h < c.H; h++ {
					want[h*cp+j] = lyDot(q[h*c.dh:(h+1)*c.dh], K[j*A+h*c.dh:j*A+(h+1)*c.dh]) * scale
					var s float64
					for i := range c.dh {
						s += float64(q[h*c.dh+i]) * float64(K[j*A+h*c.dh+i])
					}
					if d := math.Abs(s*float64(scale) - float64(got[h*cp+j])); d > 1e-4*(1+math.Abs(s)) {
						t.Errorf("%s %+v: score (%d,%d) %v, float64 %v", kernel, c, h, j, got[h*cp+j], s*float64(scale))
					}
				}
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %+v: att[%d] %v, the loop gives %v", kernel, c, i, got[i], want[i])
				}
			}
			att := fill((c.H-1)*cp + c.n)
			o := fill(c.H * c.dh)
			wantO := append([]float32(nil), o...)
			ref := make([]float64, len(o))
			for i, v := range o {
				ref[i] = float64(v)
			}
			attnValues(o, att, cp, V, c.n, c.H, c.dh, A)
			for j := 0; j < c.n; j++ {
				for h := 0; h < c.H; h++ {
					lyAxpy(att[h*cp+j], V[j*A+h*c.dh:j*A+(h+1)*c.dh], wantO[h*c.dh:(h+1)*c.dh])
					for i := range c.dh {
						ref[h*c.dh+i] += float64(att[h*cp+j]) * float64(V[j*A+h*c.dh+i])
					}
				}
			}
			for i := range o {
				if math.Float32bits(o[i]) != math.Float32bits(wantO[i]) {
					t.Fatalf("%s %+v: o[%d] %v, the loop gives %v", kernel, c, i, o[i], wantO[i])
				}
				if d := math.Abs(ref[i] - float64(o[i])); d > 1e-4*(1+math.Abs(ref[i])) {
					t.Errorf("%s %+v: o[%d] %v, float64 %v", kernel, c, i, o[i], ref[i])
				}
			}
		}
		restore()
	}
}

// Causal attention skips the masked triangle in its products (row blocks
// of attnCausalRows); forward and backward give the whole square's bits
// (zeros compared as equal whatever their sign).
func TestAttentionCausalBlocksKeepBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	same := func(name string, a, b []float32) {
		t.Helper()
		for i := range a {
			if a[i] != b[i] || (a[i] == 0) != (b[i] == 0) {
				t.Fatalf("%s[%d]: blocked %v, whole %v", name, i, a[i], b[i])
			}
			if a[i] != 0 && math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s[%d]: bits differ", name, i)
			}
		}
	}
	defer func(v int, on bool) { attnCausalRows, attnTiledOn = v, on }(attnCausalRows, attnTiledOn)
	attnTiledOn = false // the Sgemm path's blocks
	for _, c := range []struct{ B, T, H, dh int }{{1, 33, 1, 8}, {2, 64, 2, 16}, {1, 100, 3, 32}, {2, 180, 4, 32}, {1, 70, 2, 12}} {
		dm := AttnDims{B: c.B, Tq: c.T, Tk: c.T, H: c.H, Dh: c.dh, Causal: true}
		A := c.H * c.dh
		q, k, v, do := fill(c.B*c.T*A), fill(c.B*c.T*A), fill(c.B*c.T*A), fill(c.B*c.T*A)
		run := func(rows int) (o, P, dq, dk, dv []float32) {
			attnCausalRows = rows
			o, P = make([]float32, c.B*c.T*A), make([]float32, c.B*c.H*c.T*c.T)
			AttentionForward(o, P, q, k, v, dm)
			rng = rand.New(rand.NewPCG(1, 1)) // the same gradients to accumulate into
			dq, dk, dv = fill(c.B*c.T*A), fill(c.B*c.T*A), fill(c.B*c.T*A)
			AttentionBackward(dq, dk, dv, make([]float32, len(P)), do, P, q, k, v, dm)
			return
		}
		o1, P1, dq1, dk1, dv1 := run(32)
		if causalBlock(dm) == 0 {
			t.Fatalf("%+v: not blocked", c)
		}
		o0, P0, dq0, dk0, dv0 := run(0)
		same("o", o1, o0)
		same("P", P1, P0)
		same("dq", dq1, dq0)
		same("dk", dk1, dk0)
		same("dv", dv1, dv0)
	}
}

// The tiled attention (attntile.go) gives the Sgemm path's bits, forward
// and backward, causal and not, on every kernel path, for sequences that
// are and are not whole row and column tiles, heads of every width the
// paths tile (and one they do not: 12 on AVX-512 falls back).
func TestAttentionTiledKeepsBits(t *testing.T) {
	defer func(on bool) { attnTiledOn = on }(attnTiledOn)
	for _, name := range kernelNames() {
		restore, ok := UseKernel(name)
		if !ok {
			t.Fatalf("kernel %s listed but not usable", name)
		}
		rng := rand.New(rand.NewPCG(31, 32))
		fill := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
			return s
		}
		tiled := 0
		for _, c := range []struct {
			B, Tq, Tk, H, dh int
			causal           bool
		}{
			{1, 1, 1, 1, 8, true}, {2, 5, 5, 2, 16, true}, {1, 6, 6, 1, 32, true}, {1, 7, 7, 3, 8, true},
			{3, 51, 51, 4, 32, true}, {1, 33, 33, 2, 64, true}, {2, 64, 64, 2, 16, true}, {1, 100, 100, 3, 32, true},
			{1, 70, 70, 2, 12, true}, {2, 13, 13, 1, 48, true},
			{2, 7, 19, 2, 32, false}, {1, 51, 51, 4, 32, false}, {1, 20, 5, 1, 16, false}, {2, 1, 9, 3, 8, false},
			{1, 13, 20, 1, 24, false}, {1, 9, 8, 2, 96, false}, {1, 512, 512, 1, 32, true}, {1, 513, 513, 1, 16, true},
		} {
			dm := AttnDims{B: c.B, Tq: c.Tq, Tk: c.Tk, H: c.H, Dh: c.dh, Causal: c.causal}
			A := c.H * c.dh
			q, k, v, do := fill(c.B*c.Tq*A), fill(c.B*c.Tk*A), fill(c.B*c.Tk*A), fill(c.B*c.Tq*A)
			g0 := [3][]float32{fill(c.B * c.Tq * A), fill(c.B * c.Tk * A), fill(c.B * c.Tk * A)}
			run := func(on bool) (o, P, dq, dk, dv []float32) {
				attnTiledOn = on
				o, P = fill(c.B*c.Tq*A), fill(c.B*c.H*c.Tq*c.Tk) // stale contents must not matter
				AttentionForward(o, P, q, k, v, dm)
				dq, dk, dv = append([]float32(nil), g0[0]...), append([]float32(nil), g0[1]...), append([]float32(nil), g0[2]...)
				AttentionBackward(dq, dk, dv, fill(len(P)), do, P, q, k, v, dm)
				return
			}
			attnTiledOn = true
			if _, ok := attnTilePlan(dm); ok {
				tiled++
			}
			o1, P1, dq1, dk1, dv1 := run(true)
			o0, P0, dq0, dk0, dv0 := run(false)
			for _, x := range []struct {
				name string
				a, b []float32
			}{{"o", o1, o0}, {"P", P1, P0}, {"dq", dq1, dq0}, {"dk", dk1, dk0}, {"dv", dv1, dv0}} {
				for i := range x.a {
					// zeros compared as equal whatever their sign (see
					// causalBlock); everything else bit for bit
					if math.Float32bits(x.a[i]) != math.Float32bits(x.b[i]) && !(x.a[i] == 0 && x.b[i] == 0) {
						t.Fatalf("%s %+v: %s[%d]: tiled %v, Sgemm path %v", name, c, x.name, i, x.a[i], x.b[i])
					}
				}
			}
		}
		if tiled < 10 {
			t.Errorf("%s: the tiled path ran for only %d of the shapes", name, tiled)
		}
		restore()
	}
}

// BenchmarkAttention times one causal attention forward and backward of a
// training step's shape (64 sequences of 51 positions, 4 heads of 32), on
// the tiled path and on the Sgemm path. JRX_KERNEL selects the kernels.
func BenchmarkAttention(b *testing.B) {
	defer func(on bool) { attnTiledOn = on }(attnTiledOn)
	dm := AttnDims{B: 64, Tq: 51, Tk: 51, H: 4, Dh: 32, Causal: true}
	A := dm.H * dm.Dh
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	n := dm.B * dm.Tq * A
	q, k, v, do := fill(n), fill(n), fill(n), fill(n)
	o, dq, dk, dv := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	P, sc := make([]float32, dm.B*dm.H*dm.Tq*dm.Tk), make([]float32, dm.B*dm.H*dm.Tq*dm.Tk)
	for _, on := range []bool{true, false} {
		name := "tiled"
		if !on {
			name = "sgemm"
		}
		b.Run(name, func(b *testing.B) {
			attnTiledOn = on
			for b.Loop() {
				AttentionForward(o, P, q, k, v, dm)
				AttentionBackward(dq, dk, dv, sc, do, P, q, k, v, dm)
			}
		})
	}
}
