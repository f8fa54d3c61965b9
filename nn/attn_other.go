//go:build !amd64 || purego

package nn

func attnScoresArch(att []float32, cp int, q, K []float32, n, H, dh, A int, scale float32) bool {
	return false
}

func attnValuesArch(o, att []float32, cp int, V []float32, n, H, dh, A int) bool { return false }
