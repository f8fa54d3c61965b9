//go:build !amd64 || purego

package nn

// Without SIMD GELU kernels (gelu_amd64.go) the Go code in layers.go is the
// only path.

func geluFusedArch(g, gd, u []float32) bool     { return false }
func geluBackwardArch(dx, dy, x []float32) bool { return false }

// geluKernelNames lists the GELU paths available: only the Go code here.
func geluKernelNames() []string { return []string{"generic"} }

// setGELUKernel forces the GELU path (tests and benchmarks); only
// "generic" ("" and "auto" mean the same) is available here.
func setGELUKernel(name string) (restore func(), ok bool) {
	return func() {}, name == "" || name == "auto" || name == "generic"
}
