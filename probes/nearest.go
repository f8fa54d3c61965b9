package probes

import (
	"math"
	"sort"
)

// TokenScore is one token with its cosine to a latent.
type TokenScore struct {
	Token int     `json:"token"`
	Cos   float64 `json:"cos"`
}

// Nearest returns the k rows of table [V×d] with the largest cosine to r,
// by cosine descending, ties by lower token id, skipping tokens where
// skip(tok) is true (skip may be nil). Fewer than k come back when fewer
// rows remain; k ≤ 0 gives none. The computation is in float64; a zero row,
// a zero r, or a row or r with a non-finite entry scores cosine 0 (never
// NaN), and cosines are clamped to [−1, 1].
func Nearest(table []float32, d int, r []float32, k int, skip func(int) bool) []TokenScore {
	if k <= 0 || d <= 0 {
		return nil
	}
	V := len(table) / d
	r = r[:d]
	rn := norm(r)
	all := make([]TokenScore, 0, V)
	for tok := 0; tok < V; tok++ {
		if skip != nil && skip(tok) {
			continue
		}
		row := table[tok*d : (tok+1)*d]
		all = append(all, TokenScore{Token: tok, Cos: cosine(row, r, rn)})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Cos != all[j].Cos {
			return all[i].Cos > all[j].Cos
		}
		return all[i].Token < all[j].Token
	})
	if len(all) > k {
		all = all[:k:k]
	}
	return all
}

// cosine is row·r/(‖row‖·rn) in float64, 0 when undefined.
func cosine(row, r []float32, rn float64) float64 {
	en := norm(row)
	if en == 0 || rn == 0 || math.IsInf(en, 0) || math.IsInf(rn, 0) {
		return 0
	}
	c := dot(row, r) / en / rn
	switch {
	case math.IsNaN(c):
		return 0
	case c > 1:
		return 1
	case c < -1:
		return -1
	}
	return c
}

// Margin is s[0].Cos − s[1].Cos, the lead of the nearest token over the
// runner-up (0 if s has fewer than 2 entries).
func Margin(s []TokenScore) float64 {
	if len(s) < 2 {
		return 0
	}
	return s[0].Cos - s[1].Cos
}
