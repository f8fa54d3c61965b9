//go:build linux

package nn

import (
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guardedFloats returns n float32s whose last one ends where a page that
// faults on any access begins: a kernel reading or writing past the end of
// the slice crashes the test instead of reading a neighbour's data.
func guardedFloats(t *testing.T, n int) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n*4 + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, size+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	b := mem[size-n*4 : size]
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

// The tiled attention's kernels read and write whole tiles with no bounds
// checks; every operand here ends against a guard page, on every path, in
// shapes whose last tiles are partial (the SIMD paths' kernels would read
// a partial tile's missing rows from past the end of P, q or do if the
// edge packing were skipped). Results are compared with the Sgemm path.
func TestAttentionTiledGuardPages(t *testing.T) {
	defer func(on bool) { attnTiledOn = on }(attnTiledOn)
	for _, name := range kernelNames() {
		restore, ok := UseKernel(name)
		if !ok {
			t.Fatalf("kernel %s listed but not usable", name)
		}
		tiled := 0
		for _, c := range []struct {
			B, Tq, Tk, H, dh int
			causal           bool
		}{
			{2, 13, 13, 2, 16, true}, {3, 51, 51, 4, 32, true}, {1, 7, 7, 1, 8, true},
			{2, 7, 19, 2, 32, false}, {1, 19, 7, 2, 16, false}, {2, 9, 3, 2, 8, false}, {1, 20, 20, 1, 32, false},
		} {
			dm := AttnDims{B: c.B, Tq: c.Tq, Tk: c.Tk, H: c.H, Dh: c.dh, Causal: c.causal}
			A := c.H * c.dh
			nq, nk, np := c.B*c.Tq*A, c.B*c.Tk*A, c.B*c.H*c.Tq*c.Tk
			run := func(tiled bool, alloc func(int) []float32) [5][]float32 {
				attnTiledOn = tiled
				r := rand.New(rand.NewPCG(7, 8)) // the same operands both times
				fill := func(n int) []float32 {
					s := alloc(n)
					for i := range s {
						s[i] = float32(r.NormFloat64())
					}
					return s
				}
				q, k, v, do := fill(nq), fill(nk), fill(nk), fill(nq)
				o, P := fill(nq), fill(np)
				dq, dk, dv := fill(nq), fill(nk), fill(nk)
				AttentionForward(o, P, q, k, v, dm)
				AttentionBackward(dq, dk, dv, fill(np), do, P, q, k, v, dm)
				return [5][]float32{o, P, dq, dk, dv}
			}
			attnTiledOn = true
			if _, ok := attnTilePlan(dm); ok {
				tiled++
			}
			got := run(true, func(n int) []float32 { return guardedFloats(t, n) })
			want := run(false, func(n int) []float32 { return make([]float32, n) })
			for x := range got {
				for i := range got[x] {
					a, b := got[x][i], want[x][i]
					if math.Float32bits(a) != math.Float32bits(b) && !(a == 0 && b == 0) {
						t.Fatalf("%s %+v: output %d [%d]: %v, Sgemm path %v", name, c, x, i, a, b)
					}
				}
			}
		}
		if tiled < 5 {
			t.Errorf("%s: the tiled path ran for only %d of the shapes", name, tiled)
		}
		restore()
	}
}
