//go:build !purego

package nn

import (
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// SIMD GELU kernels (gelu_amd64.s). They need n to be a positive multiple
// of the vector width; the wrappers below run the tail through a zero-padded
// vector, so every element gets the same operations wherever it sits in the
// slice (results do not depend on how callers split the work).

//go:noescape
func geluFwdAVX512(y *float32, u *float32, n int)

//go:noescape
func geluFwdDAVX512(y *float32, yd *float32, u *float32, n int)

//go:noescape
func geluBwdAVX512(dx *float32, dy *float32, x *float32, n int)

//go:noescape
func geluFwdAVX2(y *float32, u *float32, n int)

//go:noescape
func geluFwdDAVX2(y *float32, yd *float32, u *float32, n int)

//go:noescape
func geluBwdAVX2(dx *float32, dy *float32, x *float32, n int)

// GELU paths. By default GELU follows the matmul path (KernelName, so
// JRX_KERNEL=generic|avx2|avx512 forces it too); a matmul path without a
// GELU kernel of its own (openblas) uses the best one this CPU has.
const (
	geluFollow  = -1 // follow the matmul selection
	geluGeneric = 0
	geluAVX2    = 1
	geluAVX512  = 2
)

var (
	geluPathName = [...]string{geluGeneric: "generic", geluAVX2: "avx2", geluAVX512: "avx512"}
	geluBest     = geluGeneric
	geluHave     = [len(geluPathName)]bool{geluGeneric: true}
	geluForce    atomic.Int32 // a path set by setGELUKernel, or geluFollow
)

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		geluHave[geluAVX2], geluBest = true, geluAVX2
		if cpu.X86.HasAVX512F {
			geluHave[geluAVX512], geluBest = true, geluAVX512
		}
	}
	geluForce.Store(geluFollow)
}

// geluPath returns the GELU path in use.
func geluPath() int {
	if p := geluForce.Load(); p != geluFollow {
		return int(p)
	}
	switch active.Load().impl {
	case genericImpl:
		return geluGeneric
	case avx2Impl:
		return geluAVX2
	case avx512Impl:
		return geluAVX512
	}
	return geluBest
}

// geluKernelNames lists the GELU paths this CPU supports, best first.
func geluKernelNames() []string {
	var s []string
	for p := len(geluPathName) - 1; p >= 0; p-- {
		if geluHave[p] {
			s = append(s, geluPathName[p])
		}
	}
	return s
}

// setGELUKernel forces the GELU path (tests and benchmarks; "" or "auto"
// goes back to following the matmul path). It returns a function restoring
// the previous setting and whether the path is available; an unavailable
// one leaves the setting unchanged.
func setGELUKernel(name string) (restore func(), ok bool) {
	prev := geluForce.Load()
	restore = func() { geluForce.Store(prev) }
	if name == "" || name == "auto" {
		geluForce.Store(geluFollow)
		return restore, true
	}
	for p, n := range geluPathName {
		if n == name && geluHave[p] {
			geluForce.Store(int32(p))
			return restore, true
		}
	}
	return restore, false
}

// geluFusedArch is geluFused on the selected SIMD path; it returns false
// (doing nothing) when that path is the Go code.
func geluFusedArch(g, gd, u []float32) bool {
	p := geluPath()
	if p == geluGeneric {
		return false
	}
	w := 8
	if p == geluAVX512 {
		w = 16
	}
	n := len(u)
	g = g[:n]
	if gd != nil {
		gd = gd[:n]
	}
	if m := n &^ (w - 1); m > 0 {
		var gdp *float32
		if gd != nil {
			gdp = &gd[0]
		}
		geluFusedCall(p, &g[0], gdp, &u[0], m)
	}
	if r := n % w; r > 0 {
		// The tail, through zero-padded vectors.
		var ub, gb, db [16]float32
		m := n - r
		copy(ub[:], u[m:])
		var dbp *float32
		if gd != nil {
			dbp = &db[0]
		}
		geluFusedCall(p, &gb[0], dbp, &ub[0], w)
		copy(g[m:], gb[:r])
		if gd != nil {
			copy(gd[m:], db[:r])
		}
	}
	return true
}

func geluFusedCall(p int, g, gd, u *float32, n int) {
	switch {
	case p == geluAVX512 && gd == nil:
		geluFwdAVX512(g, u, n)
	case p == geluAVX512:
		geluFwdDAVX512(g, gd, u, n)
	case gd == nil:
		geluFwdAVX2(g, u, n)
	default:
		geluFwdDAVX2(g, gd, u, n)
	}
}

// geluBackwardArch is geluBackwardGo (dx += dy·GELU'(x) over len(x)) on the
// selected SIMD path; it returns false (doing nothing) when that path is the
// Go code.
func geluBackwardArch(dx, dy, x []float32) bool {
	p := geluPath()
	if p == geluGeneric {
		return false
	}
	w := 8
	if p == geluAVX512 {
		w = 16
	}
	n := len(x)
	dx, dy = dx[:n], dy[:n]
	if m := n &^ (w - 1); m > 0 {
		geluBackwardCall(p, &dx[0], &dy[0], &x[0], m)
	}
	if r := n % w; r > 0 {
		var xb, yb, db [16]float32
		m := n - r
		copy(xb[:], x[m:])
		copy(yb[:], dy[m:])
		copy(db[:], dx[m:])
		geluBackwardCall(p, &db[0], &yb[0], &xb[0], w)
		copy(dx[m:], db[:r])
	}
	return true
}

func geluBackwardCall(p int, dx, dy, x *float32, n int) {
	if p == geluAVX512 {
		geluBwdAVX512(dx, dy, x, n)
	} else {
		geluBwdAVX2(dx, dy, x, n)
	}
}
