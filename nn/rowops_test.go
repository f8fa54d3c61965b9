package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// The row kernels (rowops_amd64.s) must give the bits of the element-by-
// element Go loops they replace, on every path, for every length (the
// assembly takes multiples of 8, Go the rest). The references below are
// those loops, written out here independently of layers.go.

func rowTestVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
		switch r.IntN(40) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(math.Copysign(0, -1))
		case 2:
			v[i] *= 1e-30 // subnormal products
		}
	}
	return v
}

func rowSameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v (%#x), want %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

func TestRowKernelsMatchGoLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 7, 8, 9, 16, 24, 31, 32, 33, 40, 64, 100, 128} {
		n := 1 + r.IntN(70)
		x, dy, g := rowTestVec(r, n*d), rowTestVec(r, n*d), rowTestVec(r, d)
		tlEachKernel(t, func(kname string) {
			// RMSNorm forward: y = x·r·g per row.
			y := make([]float32, n*d)
			rstd := make([]float32, n)
			RMSNormForward(y, rstd, x, g, n, d)
			want := make([]float32, n*d)
			for i := 0; i < n; i++ {
				ri := rstd[i]
				for j := 0; j < d; j++ {
					want[i*d+j] = x[i*d+j] * ri * g[j]
				}
			}
			rowSameBits(t, kname+" RMSNormForward y", y, want)

			// RMSNorm backward: dg summed over rows in order, dx per row.
			dx, dg := rowTestVec(r, n*d), rowTestVec(r, d)
			wdx, wdg := append([]float32(nil), dx...), append([]float32(nil), dg...)
			RMSNormBackward(dx, dg, dy, x, rstd, g, n, d)
			for i := 0; i < n; i++ {
				ri := rstd[i]
				var s float32
				for j := 0; j < d; j++ {
					wdg[j] += dy[i*d+j] * x[i*d+j] * ri
					s += dy[i*d+j] * g[j] * x[i*d+j]
				}
				c := s * ri * ri / float32(d)
				for j := 0; j < d; j++ {
					wdx[i*d+j] += ri * (dy[i*d+j]*g[j] - x[i*d+j]*c)
				}
			}
			rowSameBits(t, kname+" RMSNormBackward dg", dg, wdg)
			rowSameBits(t, kname+" RMSNormBackward dx", dx, wdx)
		})
	}
}

func TestRopeKernelMatchesGoLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, dh := range []int{2, 8, 14, 16, 32, 34, 64} {
		rt := NewRopeTable(dh, 40, 10000)
		x := rowTestVec(r, 3*dh)
		tlEachKernel(t, func(kname string) {
			for _, inverse := range []bool{false, true} {
				pos := r.IntN(40)
				got := append([]float32(nil), x...)
				rt.RotateRow(got, 3, pos, inverse)
				want := append([]float32(nil), x...)
				half := dh / 2
				for h := 0; h < 3; h++ {
					for i := 0; i < half; i++ {
						c, s := rt.Cos[pos*half+i], rt.Sin[pos*half+i]
						a, b := want[h*dh+i], want[h*dh+half+i]
						if inverse {
							want[h*dh+i], want[h*dh+half+i] = a*c+b*s, b*c-a*s
						} else {
							want[h*dh+i], want[h*dh+half+i] = a*c-b*s, a*s+b*c
						}
					}
				}
				rowSameBits(t, kname+" RotateRow", got, want)
			}
		})
	}
}

// TestRowKernelsRunOnSIMDPaths fails if the dispatch leaves the assembly
// unused on a SIMD path (the tests above would then only compare Go with
// Go), or runs it on the generic one.
func TestRowKernelsRunOnSIMDPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x, b := rowTestVec(r, 20), rowTestVec(r, 20)
	tlEachKernel(t, func(kname string) {
		a := append([]float32(nil), x...)
		got := mulArch(a, b)
		for i := range got {
			if w := x[i] * b[i]; math.Float32bits(a[i]) != math.Float32bits(w) {
				t.Fatalf("%s: mulArch [%d] = %v, want %v", kname, i, a[i], w)
			}
		}
		if kname == "openblas" {
			return // follows the CPU, like the other vector kernels
		}
		want := 0
		if runtime.GOARCH == "amd64" && hasRowAVX2 && kname != "generic" {
			want = 16
		}
		if got != want {
			t.Errorf("%s: mulArch did %d of 20, want %d", kname, got, want)
		}
	})
}

// TestPackATransSlab checks the slab packing (assembly where it applies)
// against its definition: tile t, k step p, row i of the tile at
// dst[t·kc·mr + p·mr + i] = a[(pc+p)·lda + i0 + t·mr + i].
func TestPackATransSlab(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, mr := range []int{12, 6, 8} {
		for range 20 {
			tiles, kc := 1+r.IntN(6), 1+r.IntN(40)
			i0, pc := r.IntN(5), r.IntN(7)
			lda := i0 + tiles*mr + r.IntN(9)
			a := rowTestVec(r, (pc+kc)*lda)
			dst := make([]float32, tiles*kc*mr+3)
			packATransSlab(dst, a, lda, i0, pc, kc, mr, tiles)
			for tt := range tiles {
				for p := range kc {
					for i := range mr {
						got, want := dst[tt*kc*mr+p*mr+i], a[(pc+p)*lda+i0+tt*mr+i]
						if math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("mr %d tiles %d kc %d: tile %d p %d i %d = %v, want %v", mr, tiles, kc, tt, p, i, got, want)
						}
					}
				}
			}
			if dst[tiles*kc*mr] != 0 {
				t.Fatalf("mr %d: wrote past the slab", mr)
			}
		}
	}
}

// BenchmarkPackATransSlab packs the weight gradient's transposed A of the
// training step's widest case (3264×512, half of its row tiles, k blocks
// of 467) from a source that is warm in cache and from one of twelve
// (80 MB) cycled, as the activations come in a training step.
func BenchmarkPackATransSlab(b *testing.B) {
	const k, m, kc = 3264, 512, 467
	mr := active.Load().impl.mr
	tiles := m / mr / 2
	for _, nbuf := range []int{1, 12} {
		name := "warm"
		if nbuf > 1 {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			srcs := make([][]float32, nbuf)
			for i := range srcs {
				srcs[i] = make([]float32, k*m)
				for j := range srcs[i] {
					srcs[i][j] = float32(j)
				}
			}
			dst := make([]float32, tiles*kc*mr)
			b.SetBytes(int64(k * tiles * mr * 4))
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				a := srcs[it%nbuf]
				for pc := 0; pc+kc <= k; pc += kc {
					packATransSlab(dst, a, m, 0, pc, kc, mr, tiles)
				}
			}
		})
	}
}

// The tiled attention's row helpers against the loops of attnForwardTask
// and attnBackwardTask, every length 1–130, every path: the softmax's max
// (equal values; the test vectors hold ±0), x·s, and dS = P⊙(dP − dot)·scale
// bit for bit; sum2 and dot2 against one-row sums in index order.
func TestAttnRowHelpersMatchLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	tlEachKernel(t, func(kname string) {
		for n := 1; n <= 130; n++ {
			x := rowTestVec(r, n)
			mx := x[0]
			for _, s := range x[1:] {
				if s > mx {
					mx = s
				}
			}
			if got := rowMax(x); got != mx {
				t.Fatalf("%s n=%d: rowMax %v, want %v", kname, n, got, mx)
			}

			s := float32(r.NormFloat64())
			y, want := append([]float32(nil), x...), append([]float32(nil), x...)
			for j := range want {
				want[j] *= s
			}
			for j := scalArch(y, s); j < n; j++ {
				y[j] *= s
			}
			rowSameBits(t, kname+" scal", y, want)

			p, ds := rowTestVec(r, n), rowTestVec(r, n+3)
			dot, scale := float32(r.NormFloat64()), float32(0.17677669)
			wds := append([]float32(nil), ds...)
			for j := range p {
				wds[j] = p[j] * (wds[j] - dot) * scale
			}
			for j := dsRowArch(ds[:n], p, dot, scale); j < n; j++ {
				ds[j] = p[j] * (ds[j] - dot) * scale
			}
			rowSameBits(t, kname+" dsRow", ds, wds)

			a, b, d1 := rowTestVec(r, n), rowTestVec(r, n+r.IntN(3)), rowTestVec(r, n+2)
			var wa, wb, wd0, wd1 float32
			for j := range a {
				wa += a[j]
				wd0 += a[j] * x[j]
			}
			for j := range b {
				wb += b[j]
				wd1 += b[j] * d1[j]
			}
			ga, gb := sum2(a, b)
			gs, _ := sum2(a, nil)
			g0, g1 := dot2(a, x, b, d1)
			gd, _ := dot2(a, x, nil, nil)
			rowSameBits(t, kname+" sum2/dot2", []float32{ga, gb, gs, g0, g1, gd}, []float32{wa, wb, wa, wd0, wd1, wd0})
		}
	})
}

// copyRowsArch (packing a B panel's rows) is a copy: every row and width
// the panels use, strides wider than the rows.
func TestCopyRowsArch(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, w := range []int{8, 16, 32, 48} {
		for rows := 1; rows <= 20; rows++ {
			ld := w + r.IntN(6)
			src := rowTestVec(r, (rows-1)*ld+w)
			dst := make([]float32, rows*w+3)
			if !copyRowsArch(dst, src, ld, rows, w) {
				if hasRowAVX2 {
					t.Fatalf("w %d rows %d: the assembly did not run", w, rows)
				}
				return
			}
			for i := 0; i < rows; i++ {
				rowSameBits(t, "copyRows", dst[i*w:(i+1)*w], src[i*ld:i*ld+w])
			}
			rowSameBits(t, "copyRows tail", dst[rows*w:], []float32{0, 0, 0})
		}
	}
}
