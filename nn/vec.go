package nn

import "fmt"

// Dot returns Σ a[i]·b[i] over the active kernel path (see KernelName).
// The summation order is fixed for a given path and length, so results are
// reproducible, but it differs from DotRef's. a and b must have equal
// lengths.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("nn: Dot: length mismatch %d != %d", len(a), len(b)))
	}
	return active.Load().impl.dot(a, b)
}

// DotRef is the naive reference for Dot: a float32 sum in index order.
func DotRef(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("nn: DotRef: length mismatch %d != %d", len(a), len(b)))
	}
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// Axpy computes y += alpha·x (SIMD paths use fused multiply-add). x and y
// must have equal lengths and must not overlap unless identical.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("nn: Axpy: length mismatch %d != %d", len(x), len(y)))
	}
	active.Load().impl.axpy(alpha, x, y)
}

// AxpyRef is the naive reference for Axpy.
func AxpyRef(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("nn: AxpyRef: length mismatch %d != %d", len(x), len(y)))
	}
	for i, v := range x {
		y[i] += alpha * v
	}
}
