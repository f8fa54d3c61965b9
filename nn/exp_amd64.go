//go:build !purego

package nn

import (
	"math"

	"golang.org/x/sys/cpu"
)

//go:noescape
func expSubAVX2(x *float32, n int, mx float32, c *float32)

// expConsts are lyExp's constants in the order expSubAVX2 reads them.
var expConsts = [15]float32{
	1.44269504088896341, 0.5, 0.693359375, -2.12194440e-4,
	1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
	math.Float32frombits(127), float32(math.Inf(1)), 1, 88.72283, -87.33654,
}

var hasExpAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// expSubArch sets x[j] = lyExp(x[j] − mx) for the first len(x)&^7 values
// in assembly (lyExp's bits) and returns how many it did; 0 when the
// active path is generic or the CPU lacks AVX2.
func expSubArch(x []float32, mx float32) int {
	n := len(x) &^ 7
	if n == 0 || !hasExpAVX2 || active.Load().impl.name == "generic" {
		return 0
	}
	expSubAVX2(&x[0], n, mx, &expConsts[0])
	return n
}
