//go:build !amd64 || purego

package nn

// archImpls lists the SIMD paths of this architecture: none outside amd64.
func archImpls() []*gemmImpl { return nil }
