//go:build !purego

package nn

// The kernels of attn_amd64.s (byte strides; dh·4 a multiple of 32).

//go:noescape
func attnScoresAVX2(q *float32, k *float32, att *float32, n int, heads int, dhb int, rowb int, cpb int, scale float32)

//go:noescape
func attnValuesAVX2(att *float32, cpb int, v *float32, o *float32, n int, heads int, dhb int, rowb int)

// attnScoresArch runs attnScores in assembly where that gives lyDot's
// bits: on the AVX2 path (Dot is dotAVX2 there), dh a multiple of 8.
func attnScoresArch(att []float32, cp int, q, K []float32, n, H, dh, A int, scale float32) bool {
	if !hasWidenAVX2 || dh%8 != 0 || dh == 0 || active.Load().impl.name != "avx2" {
		return false
	}
	attnScoresAVX2(&q[0], &K[0], &att[0], n, H, dh*4, A*4, cp*4, scale)
	return true
}

// attnValuesArch runs attnValues in assembly where that gives lyAxpy's
// bits: a SIMD path whose Axpy is all fused multiply-adds for a row of dh
// (AVX2: dh a multiple of 8; AVX-512: of 16).
func attnValuesArch(o, att []float32, cp int, V []float32, n, H, dh, A int) bool {
	if !hasWidenAVX2 || dh == 0 {
		return false
	}
	switch active.Load().impl.name {
	case "avx2":
		if dh%8 != 0 {
			return false
		}
	case "avx512":
		if dh%16 != 0 {
			return false
		}
	default:
		return false
	}
	attnValuesAVX2(&att[0], cp*4, &V[0], &o[0], n, H, dh*4, A*4)
	return true
}
