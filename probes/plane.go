package probes

import (
	"math"

	"slices"
)

// Plane is the projection of a latent r onto the plane spanned by two token
// embeddings e_a, e_b: r ≈ Alpha·e_a + Beta·e_b, at distance Dist.
type Plane struct {
	A, B        int
	Alpha, Beta float64
	Dist        float64
}

// ProjectPlane projects r onto span(table[a], table[b]) by least squares in
// float64. Degenerate (parallel) pairs give Dist = ‖r‖ and zero coefficients.
func ProjectPlane(table []float32, d int, r []float32, a, b int) Plane {
	ea, eb := table[a*d:(a+1)*d], table[b*d:(b+1)*d]
	gaa, gbb, gab := dot(ea, ea), dot(eb, eb), dot(ea, eb)
	ra, rb, rr := dot(r, ea), dot(r, eb), dot(r, r)
	return solvePlane(a, b, gaa, gbb, gab, ra, rb, rr)
}

func solvePlane(a, b int, gaa, gbb, gab, ra, rb, rr float64) Plane {
	det := gaa*gbb - gab*gab
	p := Plane{A: a, B: b, Dist: math.Sqrt(max(rr, 0))}
	if det <= 1e-12*gaa*gbb || det == 0 {
		return p
	}
	p.Alpha = (gbb*ra - gab*rb) / det
	p.Beta = (gaa*rb - gab*ra) / det
	p.Dist = math.Sqrt(max(rr-(p.Alpha*ra+p.Beta*rb), 0))
	return p
}

// PlaneRank ranks the plane of (a, b) among the planes of every pair of
// content tokens (the letters) by distance to r: it returns the percentile
// (100·rank/pairs, rank 1 = closest) and the number of pairs.
func PlaneRank(table []float32, d int, r []float32, content []int, a, b int) (pct float64, pairs int) {
	n := len(content)
	g := make([][]float64, n)
	rd := make([]float64, n)
	for i := range g {
		g[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		ei := table[content[i]*d : (content[i]+1)*d]
		rd[i] = dot(r, ei)
		for j := i; j < n; j++ {
			g[i][j] = dot(ei, table[content[j]*d:(content[j]+1)*d])
			g[j][i] = g[i][j]
		}
	}
	rr := dot(r, r)
	pa, pb := slices.Index(content, a), slices.Index(content, b)
	if pa < 0 || pb < 0 {
		return 100, n * (n - 1) / 2
	}
	self := solvePlane(a, b, g[pa][pa], g[pb][pb], g[pa][pb], rd[pa], rd[pb], rr).Dist
	closer := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs++
			if (i == pa && j == pb) || (i == pb && j == pa) {
				continue
			}
			if solvePlane(content[i], content[j], g[i][i], g[j][j], g[i][j], rd[i], rd[j], rr).Dist < self {
				closer++
			}
		}
	}
	return 100 * float64(closer+1) / float64(pairs), pairs
}

// RivalStats measures, over every step but the last of every problem in s
// that has a rival (the tree: every route step after the root; the latents
// lat [N×Steps×d]), how often the correct token has the larger coefficient
// on the plane of it and its rival (the paper's correct major contributor
// rate, with the sibling as the rival), and that plane's mean distance
// percentile among all pairs of content tokens. table is the embedding
// table the latents are compared with (the EMA target table).
func RivalStats(table []float32, d int, lat []float32, content []int, s *ProblemSet) (majorRate, meanRankPct float64, n int) {
	var t RivalTally
	t.Add(table, d, lat, content, s)
	return t.Stats()
}

// RivalTally accumulates RivalStats over batches of problems (Add them in
// order: the same problems in the same order give the same bits as one
// RivalStats over all of them).
type RivalTally struct {
	major, n int
	pctSum   float64
}

// Add counts the problems of s (latents lat [N×Steps×d]).
func (rt *RivalTally) Add(table []float32, d int, lat []float32, content []int, s *ProblemSet) {
	for i, t := range s.Problems {
		for step := 1; step < s.Steps-1; step++ {
			c, sib, ok := t.Rival(step + 1)
			if !ok {
				continue
			}
			r := lat[(i*s.Steps+step)*d : (i*s.Steps+step+1)*d]
			p := ProjectPlane(table, d, r, c, sib)
			if p.Alpha > p.Beta {
				rt.major++
			}
			pct, _ := PlaneRank(table, d, r, content, c, sib)
			rt.pctSum += pct
			rt.n++
		}
	}
}

// Stats returns what RivalStats returns for the problems added so far.
func (rt *RivalTally) Stats() (majorRate, meanRankPct float64, n int) {
	if rt.n == 0 {
		return 0, 0, 0
	}
	return float64(rt.major) / float64(rt.n), rt.pctSum / float64(rt.n), rt.n
}
