package nn

// The attention of one query over a KV cache (FrozenStack.attend, the
// single-position step of KVCache), in two parts that the SIMD paths run
// in assembly (attn_amd64.s) with the same bits as the loops below.

// attnScores writes att[h·cp + j] = (q_h · K_j,h)·scale for positions
// j < n and heads h < H, where q_h = q[h·dh : (h+1)·dh] and K_j,h =
// K[j·A + h·dh : j·A + (h+1)·dh]: lyDot's sum, then one multiplication.
func attnScores(att []float32, cp int, q, K []float32, n, H, dh, A int, scale float32) {
	if n <= 0 || H <= 0 {
		return
	}
	lyNeed("attnScores att", att, (H-1)*cp+n)
	lyNeed("attnScores q", q, H*dh)
	lyNeed("attnScores K", K, (n-1)*A+H*dh)
	if attnScoresArch(att, cp, q, K, n, H, dh, A, scale) {
		return
	}
	for j := 0; j < n; j++ {
		row := K[j*A:]
		for h := 0; h < H; h++ {
			att[h*cp+j] = lyDot(q[h*dh:(h+1)*dh], row[h*dh:(h+1)*dh]) * scale
		}
	}
}

// attnValues adds att[h·cp + j]·V_j,h into o[h·dh : (h+1)·dh] for j = 0,
// 1, … n−1 in turn and heads h < H, with V_j,h = V[j·A + h·dh : j·A +
// (h+1)·dh]: one lyAxpy per position and head, in that order.
func attnValues(o, att []float32, cp int, V []float32, n, H, dh, A int) {
	if n <= 0 || H <= 0 {
		return
	}
	lyNeed("attnValues att", att, (H-1)*cp+n)
	lyNeed("attnValues o", o, H*dh)
	lyNeed("attnValues V", V, (n-1)*A+H*dh)
	if attnValuesArch(o, att, cp, V, n, H, dh, A) {
		return
	}
	for j := 0; j < n; j++ {
		row := V[j*A:]
		for h := 0; h < H; h++ {
			lyAxpy(att[h*cp+j], row[h*dh:(h+1)*dh], o[h*dh:(h+1)*dh])
		}
	}
}
